/* core/stamp: the stored value.  sendmail's arith map and Postfix's
 * access map read it as plain digits, so nothing else may pass. */
#include "unit.h"

#include <string.h>

#include "stamp.h"

static void expect_stamp(const char *text, int64_t want)
{
	int64_t got = -1;

	if (!relay_stamp_parse(text, strlen(text), &got))
		fail_msg("\"%s\" refused", text);
	assert_int_equal(got, want);
}

static void expect_refused_n(const char *text, size_t len)
{
	int64_t got = 12345;

	if (relay_stamp_parse(text, len, &got))
		fail_msg("\"%.*s\" accepted as %lld", (int)len, text,
			 (long long)got);
	assert_int_equal(got, 12345); /* untouched on refusal */
}

static void expect_refused(const char *text)
{
	expect_refused_n(text, strlen(text));
}

static void test_parse_digits(void **state)
{
	(void)state;
	expect_stamp("0", 0);
	expect_stamp("1700000000", 1700000000);
	expect_stamp("9223372036854775807", INT64_MAX);
	/* Leading zeros are a number still, up to 19 digits in all. */
	expect_stamp("0000000001700000000", 1700000000);
	expect_stamp("007", 7);
	/* Only len bytes are read. */
	int64_t got;
	assert_true(relay_stamp_parse("12345", 3, &got));
	assert_int_equal(got, 123);
}

static void test_parse_refusals(void **state)
{
	(void)state;
	expect_refused("");
	expect_refused("+1");
	expect_refused("-1");
	expect_refused(" 1");
	expect_refused("1 ");
	expect_refused("1\n");
	expect_refused("1.5");
	expect_refused("1e9");
	expect_refused("0x10");
	expect_refused("abc");
	expect_refused("１"); /* a full-width digit */
	/* INT64_MAX + 1, and the largest 19-digit number. */
	expect_refused("9223372036854775808");
	expect_refused("9999999999999999999");
	/* 20 digits, even when they are small. */
	expect_refused("00000000000000000001");
	expect_refused("18446744073709551616");
	/* The NUL of a C string stored with its terminator. */
	expect_refused_n("1700000000", 11);
	expect_refused_n("17\0"
			 "00",
			 5);
}

static void expect_formatted(int64_t stamp, const char *want)
{
	char out[RELAY_STAMP_TEXT_MAX];
	size_t len;

	memset(out, 'X', sizeof(out));
	len = relay_stamp_format(stamp, out);
	assert_int_equal(len, strlen(want));
	assert_string_equal(out, want);
}

static void test_format(void **state)
{
	(void)state;
	expect_formatted(0, "0");
	expect_formatted(7, "7");
	expect_formatted(1700000000, "1700000000");
	expect_formatted(INT64_MAX, "9223372036854775807");
	expect_formatted(-1, "0");
	expect_formatted(INT64_MIN, "0");
}

static void test_round_trip(void **state)
{
	static const int64_t stamps[] = {
		0,
		1,
		9,
		10,
		99,
		100,
		1700000000,
		4102444800,
		INT64_MAX / 10,
		INT64_MAX - 1,
		INT64_MAX,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++) {
		char text[RELAY_STAMP_TEXT_MAX];
		size_t len = relay_stamp_format(stamps[i], text);
		int64_t back;

		assert_true(relay_stamp_parse(text, len, &back));
		assert_int_equal(back, stamps[i]);
	}
	/* Every power of ten and its neighbours. */
	for (int64_t p = 1; p <= INT64_MAX / 10; p *= 10)
		for (int64_t d = -1; d <= 1; d++) {
			char text[RELAY_STAMP_TEXT_MAX];
			int64_t back;

			assert_true(relay_stamp_parse(
				text, relay_stamp_format(p + d, text), &back));
			assert_int_equal(back, p + d);
		}
}

static void test_minutes_to_seconds(void **state)
{
	(void)state;
	assert_int_equal(relay_minutes_to_seconds(0), 0);
	assert_int_equal(relay_minutes_to_seconds(1), 60);
	assert_int_equal(relay_minutes_to_seconds(30), 1800);
	assert_int_equal(relay_minutes_to_seconds(INT64_MAX / 60),
			 INT64_MAX / 60 * 60);
	assert_int_equal(relay_minutes_to_seconds(INT64_MAX / 60 + 1), INT64_MAX);
	assert_int_equal(relay_minutes_to_seconds(INT64_MAX), INT64_MAX);
	assert_int_equal(relay_minutes_to_seconds(-1), -60);
	/* "Saturating instead of overflowing" holds below zero too. */
	assert_int_equal(relay_minutes_to_seconds(INT64_MIN / 60),
			 INT64_MIN / 60 * 60);
	assert_int_equal(relay_minutes_to_seconds(INT64_MIN / 60 - 1), INT64_MIN);
	assert_int_equal(relay_minutes_to_seconds(INT64_MIN), INT64_MIN);
}

static void test_is_old(void **state)
{
	const int64_t now = 1700000000;

	(void)state;
	/* Future stamps (pinned entries) are never old. */
	assert_false(relay_stamp_is_old(now + 1, now, -1));
	assert_false(relay_stamp_is_old(now + 1, now, 0));
	assert_false(relay_stamp_is_old(INT64_MAX, now, -1));

	/* Without an age, everything not in the future is old. */
	assert_true(relay_stamp_is_old(now, now, -1));
	assert_true(relay_stamp_is_old(now - 1, now, -1));
	assert_true(relay_stamp_is_old(0, now, -1));
	assert_true(relay_stamp_is_old(0, now, INT64_MIN));

	/* With an age, only entries strictly older than it. */
	assert_false(relay_stamp_is_old(now, now, 0));
	assert_true(relay_stamp_is_old(now - 1, now, 0));
	assert_false(relay_stamp_is_old(now - 1800, now, 1800));
	assert_true(relay_stamp_is_old(now - 1801, now, 1800));
	assert_false(relay_stamp_is_old(now - 1799, now, 1800));
	assert_false(relay_stamp_is_old(0, now, INT64_MAX));
	assert_true(relay_stamp_is_old(0, now, now - 1));
	assert_false(relay_stamp_is_old(0, now, now));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_digits),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_minutes_to_seconds),
		cmocka_unit_test(test_is_old),
	};

	return UNIT_RUN("stamp", tests, NULL, NULL);
}
