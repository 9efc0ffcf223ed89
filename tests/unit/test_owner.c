/* core/owner and the bookkeeping records of store_format.c: user names
 * are hostile, so their codes must be printable, bounded, one token and
 * distinct for distinct names, and the salvage test (store_is_bookkeeping)
 * must accept exactly what the writers write. */
#include "unit.h"

#include <string.h>
#include <sys/socket.h>

#include "options.h"
#include "store_private.h"

static void expect_code(const char *name, size_t len, const char *want)
{
	char out[RELAY_USER_CODE_MAX];

	assert_true(relay_user_encode(name, len, out));
	assert_string_equal(out, want);
	assert_true(relay_owner_code_valid(out, strlen(out), RELAY_USER_CODE_MAX));
}

static void test_user_codes(void **state)
{
	char out[RELAY_USER_CODE_MAX];

	(void)state;
	expect_code("alice", 5, "alice");
	expect_code("al ice", 6, "al\\x20ice");
	expect_code("a\tb\nc", 5, "a\\x09b\\x0ac");
	expect_code("a\\x41", 5, "a\\x5cx41"); /* a literal backslash */
	expect_code("\"q\"", 3, "\\x22q\\x22");
	expect_code("-", 1, "\\x2d"); /* "-" means "no owner" */
	expect_code("--", 2, "--");
	expect_code("a\0b", 3, "a\\x00b");
	assert_false(relay_user_encode("", 0, out));
	assert_false(relay_user_encode(NULL, 3, out));
}

static void test_long_names_bounded_and_distinct(void **state)
{
	static char a[10240], b[10240];
	char code_a[RELAY_USER_CODE_MAX], code_b[RELAY_USER_CODE_MAX];

	(void)state;
	memset(a, '\xff', sizeof(a));
	memcpy(b, a, sizeof(b));
	b[sizeof(b) - 1] = 'x';
	assert_true(relay_user_encode(a, sizeof(a), code_a));
	assert_true(relay_user_encode(b, sizeof(b), code_b));
	assert_string_not_equal(code_a, code_b);
	assert_int_equal(strlen(code_a), RELAY_USER_CODE_MAX - 1);
	assert_non_null(strstr(code_a, "...#"));
	/* A name of exactly the limit is kept whole, without a hash. */
	assert_true(relay_user_encode(a, RELAY_USER_RAW_MAX, code_a));
	assert_null(strstr(code_a, "...#"));
}

static void test_service_codes(void **state)
{
	char out[RELAY_SERVICE_CODE_MAX], long_name[100];

	(void)state;
	relay_service_encode("dovecot", out);
	assert_string_equal(out, "dovecot");
	relay_service_encode(NULL, out);
	assert_string_equal(out, "-");
	relay_service_encode("-", out);
	assert_string_equal(out, "\\x2d");
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	relay_service_encode(long_name, out);
	assert_int_equal(strlen(out), RELAY_SERVICE_RAW_MAX + 3);
}

static TDB_DATA text(const char *s)
{
	return store_data(s, strlen(s));
}

static void test_owner_records(void **state)
{
	char key_text[OWNER_KEY_MAX], value_text[OWNER_VALUE_MAX];
	struct relay_addr addr;
	TDB_DATA key, value;

	(void)state;
	assert_true(relay_addr_parse("2001:db8::7", &addr));
	key = store_owner_key(&addr, key_text);
	assert_string_equal(key_text, "relayers:by:2001:db8::7");
	value = store_owner_value("alice", "dovecot", value_text);
	assert_true(store_is_bookkeeping(key, value));
	assert_true(store_has_bookkeeping_prefix(key));
	/* Keys no address has, and values no writer writes. */
	assert_false(store_is_bookkeeping(text("relayers:by:2001:DB8::7"), value));
	assert_false(store_is_bookkeeping(text("relayers:by:192.0.2.01"), value));
	assert_false(store_is_bookkeeping(text("relayers:by:"), value));
	assert_false(store_is_bookkeeping(key, text("alice dovecot")));
	assert_false(store_is_bookkeeping(key, text("alice\t")));
	assert_false(store_is_bookkeeping(key, text("\tdovecot")));
	assert_false(store_is_bookkeeping(key, text("al ice\tdovecot")));
	assert_false(store_is_bookkeeping(key, text("alice\tdove\tcot")));
	assert_false(store_is_bookkeeping(key, store_data("a\0e\tdovecot", 10)));
	/* Entries and the marker are not bookkeeping. */
	assert_false(store_is_bookkeeping(text("192.0.2.7"), text("1700000000")));
	assert_false(store_is_bookkeeping(text("relayers:store"), text("1")));
	assert_false(store_has_bookkeeping_prefix(text("192.0.2.7")));
}

static void test_account_records(void **state)
{
	static struct account account, back;
	static unsigned char bytes[ACCOUNT_VALUE_MAX];
	char key_text[ACCOUNT_KEY_MAX];
	TDB_DATA key, value;

	(void)state;
	memset(&account, 0, sizeof(account));
	account.capacity = 3;
	account.warned = 1700000100;
	assert_true(relay_addr_parse("192.0.2.1", &account.slots[0].addr));
	account.slots[0].stamp = 1700000000;
	assert_true(relay_addr_parse("2001:db8::2", &account.slots[2].addr));
	account.slots[2].stamp = 1700000050;
	key = store_account_key("alice", key_text);
	assert_string_equal(key_text, "relayers:acct:alice");
	value = store_account_encode(&account, bytes);
	assert_int_equal(value.dsize, ACCOUNT_HEADER_SIZE + 3 * ACCOUNT_SLOT_SIZE);
	assert_true(store_is_bookkeeping(key, value));
	assert_true(store_account_decode(value, &back));
	assert_int_equal(back.capacity, 3);
	assert_int_equal(back.warned, 1700000100);
	assert_int_equal(back.slots[2].stamp, 1700000050);
	assert_int_equal(back.slots[2].addr.family, AF_INET6);
	assert_int_equal(back.slots[1].addr.family, 0);
	/* Cut short, or one byte long, or a slot of an unknown family. */
	value.dsize--;
	assert_false(store_is_bookkeeping(key, value));
	value.dsize += 2;
	assert_false(store_is_bookkeeping(key, value));
	value.dsize--;
	bytes[ACCOUNT_HEADER_SIZE + 8] = 5;
	assert_false(store_is_bookkeeping(key, value));
	bytes[ACCOUNT_HEADER_SIZE + 8] = 4;
	assert_true(store_is_bookkeeping(key, value));
	/* An empty slot must be all zeros. */
	bytes[ACCOUNT_HEADER_SIZE + ACCOUNT_SLOT_SIZE + 3] = 1;
	assert_false(store_is_bookkeeping(key, value));
	bytes[ACCOUNT_HEADER_SIZE + ACCOUNT_SLOT_SIZE + 3] = 0;
	/* More slots than the limit. */
	bytes[12] = 0xff;
	bytes[13] = 0xff;
	assert_false(store_is_bookkeeping(key, value));
	bytes[12] = 3;
	bytes[13] = 0;
	/* Keys: a bad user code is refused. */
	assert_false(store_is_bookkeeping(text("relayers:acct:al ice"), value));
	assert_false(store_is_bookkeeping(text("relayers:acct:"), value));
	assert_true(store_is_bookkeeping(text("relayers:acct:al\\x20ice"), value));
}

static void ignore(void *context, const char *problem)
{
	(*(int *)context)++;
	(void)problem;
}

static void test_guard_options(void **state)
{
	const char *good[] = { "max_addrs=5", "max_addrs_minutes=15" };
	const char *off[] = { "max_addrs=0" };
	const char *bad[] = { "max_addrs=257", "max_addrs=-1", "max_addrs=",
			      "max_addrs_minutes=0", "max_addrs_minutes=10081",
			      "max_addrs=5x" };
	struct module_options opt;
	int complaints = 0;

	(void)state;
	module_options_parse(0, NULL, &opt, ignore, &complaints);
	assert_int_equal(opt.max_addrs, RELAY_MAX_ADDRS_DEFAULT);
	assert_int_equal(opt.max_addrs_minutes, RELAY_MAX_ADDRS_MINUTES_DEFAULT);
	module_options_parse(2, good, &opt, ignore, &complaints);
	assert_int_equal(opt.max_addrs, 5);
	assert_int_equal(opt.max_addrs_minutes, 15);
	module_options_parse(1, off, &opt, ignore, &complaints);
	assert_int_equal(opt.max_addrs, 0);
	assert_int_equal(complaints, 0);
	module_options_parse(6, bad, &opt, ignore, &complaints);
	assert_int_equal(complaints, 6);
	/* A bad value keeps the default. */
	assert_int_equal(opt.max_addrs, RELAY_MAX_ADDRS_DEFAULT);
	assert_int_equal(opt.max_addrs_minutes, RELAY_MAX_ADDRS_MINUTES_DEFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_codes),
		cmocka_unit_test(test_long_names_bounded_and_distinct),
		cmocka_unit_test(test_service_codes),
		cmocka_unit_test(test_owner_records),
		cmocka_unit_test(test_account_records),
		cmocka_unit_test(test_guard_options),
	};

	return UNIT_RUN("owner", tests, NULL, NULL);
}
