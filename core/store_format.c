/* The store's records: a canonical address text as key, ASCII epoch
 * seconds as value, and one marker record that says "relay store". */
#include <stdint.h>
#include <string.h>

#include "stamp.h"
#include "store_private.h"

TDB_DATA store_text(const char *text, size_t len)
{
	TDB_DATA data = { .dptr = (unsigned char *)text, .dsize = len };
	return data;
}

TDB_DATA store_marker_key(void)
{
	return store_text(MARKER_KEY, sizeof(MARKER_KEY) - 1);
}

bool store_is_marker(TDB_DATA key)
{
	return key.dsize == sizeof(MARKER_KEY) - 1 &&
	       memcmp(key.dptr, MARKER_KEY, key.dsize) == 0;
}

TDB_DATA store_key(const struct relay_addr *addr, char text[RELAY_ADDR_TEXT_MAX])
{
	relay_addr_format(addr, text);
	return store_text(text, strlen(text));
}

enum relay_status store_parse_value(TDB_DATA value, int64_t *stamp)
{
	return relay_stamp_parse((const char *)value.dptr, value.dsize, stamp)
		       ? RELAY_OK
		       : RELAY_FOREIGN;
}

bool store_decode(TDB_DATA key, TDB_DATA value, struct relay_addr *addr,
		  int64_t *stamp)
{
	return relay_addr_is_canonical_key((const char *)key.dptr, key.dsize,
					   addr) &&
	       store_parse_value(value, stamp) == RELAY_OK;
}

/* The one place that says what a relay store may hold: the marker, or a
 * relay entry.  The salvage copies nothing else, so a kind of record
 * added to the store must be added here too.  *order is what tells two
 * copies of one key apart (the newer is kept): the stamp of an entry,
 * INT64_MIN for records without one. */
bool store_record_admissible(TDB_DATA key, TDB_DATA value, int64_t *order)
{
	struct relay_addr addr;

	*order = INT64_MIN;
	if (store_is_marker(key))
		return value.dsize > 0 && value.dsize <= 16 &&
		       relay_stamp_parse((const char *)value.dptr, value.dsize,
					 order);
	return store_decode(key, value, &addr, order);
}
