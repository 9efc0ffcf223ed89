/* What the store reads back: a record's key and value exactly as tdb
 * hands them over (first byte: key length, then key, then value).  A
 * record counts as an entry only when the key is a canonical address
 * and the value plain digits; such a record must format back to
 * byte-identical key and value, so dump output feeds makemap unchanged. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "stamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char key_text[RELAY_ADDR_TEXT_MAX], value_text[RELAY_STAMP_TEXT_MAX];
	struct relay_addr addr;
	size_t key_len;
	int64_t stamp;

	if (size < 1)
		return 0;
	key_len = data[0] <= size - 1 ? data[0] : size - 1;
	const char *key = (const char *)data + 1;
	const char *value = key + key_len;
	size_t value_len = size - 1 - key_len;

	if (!relay_addr_is_canonical_key(key, key_len, &addr) ||
	    !relay_stamp_parse(value, value_len, &stamp))
		return 0;
	relay_addr_format(&addr, key_text);
	assert(strlen(key_text) == key_len && memcmp(key_text, key, key_len) == 0);
	for (size_t i = 0; i < key_len; i++) /* makemap lower-cases keys */
		assert(key[i] < 'A' || key[i] > 'Z');
	assert(relay_stamp_format(stamp, value_text) <= value_len);
	return 0;
}
