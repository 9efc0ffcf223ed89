/* The owner and account records read back from the store, and the user
 * name codes (first byte: key length, then key, then value).  A record
 * store_is_bookkeeping() accepts must encode back to the very bytes it
 * came from, and any bytes as a user name must give one bounded,
 * printable token. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_user_code(const uint8_t *data, size_t size)
{
	char code[RELAY_USER_CODE_MAX];

	if (!relay_user_encode((const char *)data, size, code)) {
		assert(size == 0);
		return;
	}
	assert(relay_owner_code_valid(code, strlen(code), RELAY_USER_CODE_MAX));
}

static void check_record(TDB_DATA key, TDB_DATA value)
{
	static struct account account;
	static unsigned char bytes[ACCOUNT_VALUE_MAX];
	char user[RELAY_USER_CODE_MAX], service[RELAY_SERVICE_CODE_MAX];
	char text[OWNER_VALUE_MAX];
	struct relay_addr addr;

	if (!store_is_bookkeeping(key, value))
		return;
	assert(store_has_bookkeeping_prefix(key));
	if (store_owner_key_parse(key, &addr)) {
		TDB_DATA again;

		assert(store_owner_parse(value, user, service));
		again = store_owner_value(user, service, text);
		assert(again.dsize == value.dsize &&
		       memcmp(again.dptr, value.dptr, value.dsize) == 0);
	} else {
		TDB_DATA again;

		assert(store_account_key_parse(key, user));
		assert(store_account_decode(value, &account));
		again = store_account_encode(&account, bytes);
		assert(again.dsize == value.dsize &&
		       memcmp(again.dptr, value.dptr, value.dsize) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t key_len;
	TDB_DATA key, value;

	check_user_code(data, size);
	if (size < 1)
		return 0;
	key_len = data[0] <= size - 1 ? data[0] : size - 1;
	key = store_data((const char *)data + 1, key_len);
	value = store_data((const char *)data + 1 + key_len, size - 1 - key_len);
	check_record(key, value);
	return 0;
}
