/* The store's records: a canonical address text as key, ASCII epoch
 * seconds as value, and one marker record that says "relay store";
 * beside them the owner and account records (store_private.h), and
 * store_is_bookkeeping(), the one test of a valid one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stamp.h"
#include "store_private.h"

TDB_DATA store_data(const char *text, size_t len)
{
	TDB_DATA data = { .dptr = (unsigned char *)text, .dsize = len };
	return data;
}

TDB_DATA store_marker_key(void)
{
	return store_data(MARKER_KEY, sizeof(MARKER_KEY) - 1);
}

bool store_is_marker(TDB_DATA key)
{
	return key.dsize == sizeof(MARKER_KEY) - 1 &&
	       memcmp(key.dptr, MARKER_KEY, key.dsize) == 0;
}

TDB_DATA store_key(const struct relay_addr *addr, char text[RELAY_ADDR_TEXT_MAX])
{
	relay_addr_format(addr, text);
	return store_data(text, strlen(text));
}

enum relay_status store_parse_value(TDB_DATA value, int64_t *stamp)
{
	return relay_stamp_parse((const char *)value.dptr, value.dsize, stamp)
		       ? RELAY_OK
		       : RELAY_MALFORMED;
}

bool store_decode(TDB_DATA key, TDB_DATA value, struct relay_addr *addr,
		  int64_t *stamp)
{
	return relay_addr_is_canonical_key((const char *)key.dptr, key.dsize,
					   addr) &&
	       store_parse_value(value, stamp) == RELAY_OK;
}

/* --- bookkeeping records: see store_private.h for their layout --- */

static bool has_prefix(TDB_DATA key, const char *prefix, size_t len)
{
	return key.dsize >= len && memcmp(key.dptr, prefix, len) == 0;
}

#define PREFIX_ARGS(p) p, sizeof(p) - 1

bool store_has_bookkeeping_prefix(TDB_DATA key)
{
	return has_prefix(key, PREFIX_ARGS(BOOKKEEPING_PREFIX));
}

TDB_DATA store_owner_key(const struct relay_addr *addr, char text[OWNER_KEY_MAX])
{
	size_t len = sizeof(OWNER_KEY_PREFIX) - 1;

	memcpy(text, OWNER_KEY_PREFIX, len);
	relay_addr_format(addr, text + len);
	return store_data(text, strlen(text));
}

TDB_DATA store_account_key(const char *user_code, char text[ACCOUNT_KEY_MAX])
{
	size_t len = sizeof(ACCOUNT_KEY_PREFIX) - 1;

	memcpy(text, ACCOUNT_KEY_PREFIX, len);
	strcpy(text + len, user_code);
	return store_data(text, strlen(text));
}

TDB_DATA store_owner_value(const char *user_code, const char *service_code,
			   char text[OWNER_VALUE_MAX])
{
	size_t user_len = strlen(user_code), service_len = strlen(service_code);

	memcpy(text, user_code, user_len);
	text[user_len] = '\t';
	memcpy(text + user_len + 1, service_code, service_len);
	return store_data(text, user_len + 1 + service_len);
}

bool store_owner_parse(TDB_DATA value, char user[RELAY_USER_CODE_MAX],
		       char service[RELAY_SERVICE_CODE_MAX])
{
	const char *text = (const char *)value.dptr;
	const char *tab = memchr(text, '\t', value.dsize);
	size_t user_len, service_len;

	if (tab == NULL)
		return false;
	user_len = (size_t)(tab - text);
	service_len = value.dsize - user_len - 1;
	if (!relay_owner_code_valid(text, user_len, RELAY_USER_CODE_MAX) ||
	    !relay_owner_code_valid(tab + 1, service_len,
				    RELAY_SERVICE_CODE_MAX))
		return false;
	memcpy(user, text, user_len);
	user[user_len] = '\0';
	memcpy(service, tab + 1, service_len);
	service[service_len] = '\0';
	return true;
}

bool store_owner_key_parse(TDB_DATA key, struct relay_addr *addr)
{
	size_t len = sizeof(OWNER_KEY_PREFIX) - 1;

	return has_prefix(key, PREFIX_ARGS(OWNER_KEY_PREFIX)) &&
	       relay_addr_is_canonical_key((const char *)key.dptr + len,
					   key.dsize - len, addr);
}

bool store_account_key_parse(TDB_DATA key, char user[RELAY_USER_CODE_MAX])
{
	size_t len = sizeof(ACCOUNT_KEY_PREFIX) - 1;

	if (!has_prefix(key, PREFIX_ARGS(ACCOUNT_KEY_PREFIX)) ||
	    !relay_owner_code_valid((const char *)key.dptr + len,
				    key.dsize - len, RELAY_USER_CODE_MAX))
		return false;
	memcpy(user, key.dptr + len, key.dsize - len);
	user[key.dsize - len] = '\0';
	return true;
}

static void put_le(unsigned char *at, uint64_t value, int bytes)
{
	for (int i = 0; i < bytes; i++)
		at[i] = (unsigned char)(value >> (8 * i));
}

static uint64_t get_le(const unsigned char *at, int bytes)
{
	uint64_t value = 0;

	for (int i = 0; i < bytes; i++)
		value |= (uint64_t)at[i] << (8 * i);
	return value;
}

static int family_tag(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 6
							  : 0;
}

TDB_DATA store_account_encode(const struct account *account,
			      unsigned char bytes[ACCOUNT_VALUE_MAX])
{
	size_t used = ACCOUNT_HEADER_SIZE;

	memcpy(bytes, ACCOUNT_MAGIC, 4);
	put_le(bytes + 4, (uint64_t)account->warned, 8);
	put_le(bytes + 12, account->capacity, 4);
	for (unsigned i = 0; i < account->capacity; i++) {
		const struct account_slot *slot = &account->slots[i];
		int tag = family_tag(slot->addr.family);

		memset(bytes + used, 0, ACCOUNT_SLOT_SIZE);
		if (tag != 0) {
			put_le(bytes + used, (uint64_t)slot->stamp, 8);
			bytes[used + 8] = (unsigned char)tag;
			memcpy(bytes + used + 9, slot->addr.octets, 16);
		}
		used += ACCOUNT_SLOT_SIZE;
	}
	return store_data((const char *)bytes, used);
}

static const unsigned char zeros[16];

static bool slot_decode(const unsigned char *at, struct account_slot *slot)
{
	memset(slot, 0, sizeof(*slot));
	slot->stamp = (int64_t)get_le(at, 8);
	switch (at[8]) {
	case 0:
		return slot->stamp == 0 && memcmp(at + 9, zeros, 16) == 0;
	case 4:
		if (memcmp(at + 13, zeros, 12) != 0)
			return false;
		slot->addr.family = AF_INET;
		break;
	case 6:
		slot->addr.family = AF_INET6;
		break;
	default:
		return false;
	}
	memcpy(slot->addr.octets, at + 9, 16);
	return slot->stamp >= 0;
}

bool store_account_decode(TDB_DATA value, struct account *account)
{
	const unsigned char *bytes = value.dptr;
	uint64_t capacity;

	if (value.dsize < ACCOUNT_HEADER_SIZE ||
	    memcmp(bytes, ACCOUNT_MAGIC, 4) != 0)
		return false;
	capacity = get_le(bytes + 12, 4);
	if (capacity == 0 || capacity > RELAY_MAX_ADDRS_LIMIT ||
	    value.dsize != ACCOUNT_HEADER_SIZE + capacity * ACCOUNT_SLOT_SIZE)
		return false;
	account->warned = (int64_t)get_le(bytes + 4, 8);
	account->capacity = (unsigned)capacity;
	for (unsigned i = 0; i < account->capacity; i++)
		if (!slot_decode(bytes + ACCOUNT_HEADER_SIZE +
					 (size_t)i * ACCOUNT_SLOT_SIZE,
				 &account->slots[i]))
			return false;
	return account->warned >= 0;
}

bool store_is_bookkeeping(TDB_DATA key, TDB_DATA value)
{
	char user[RELAY_USER_CODE_MAX], service[RELAY_SERVICE_CODE_MAX];
	struct relay_addr addr;

	if (store_owner_key_parse(key, &addr))
		return store_owner_parse(value, user, service);
	if (store_account_key_parse(key, user)) {
		struct account *account = malloc(sizeof(*account));
		bool valid = account != NULL &&
			     store_account_decode(value, account);

		free(account);
		return valid;
	}
	return false;
}

/* The one place that says what a relay store may hold: the marker, a
 * relay entry, or a bookkeeping record (owner or account).  The salvage copies nothing else, so a kind of record
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
	if (store_has_bookkeeping_prefix(key))
		return store_is_bookkeeping(key, value);
	return store_decode(key, value, &addr, order);
}
