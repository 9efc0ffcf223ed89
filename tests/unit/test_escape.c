/* core/escape: what a client sends (PAM_RHOST, PAM_USER) must neither
 * split a log line nor forge a field in it. */
#include "unit.h"

#include <string.h>

#include "escape.h"

static void expect_escaped(const char *text, size_t len, const char *want)
{
	char out[RELAY_ESCAPE_TEXT_MAX];
	const char *got = relay_escape(text, len, out);

	assert_ptr_equal(got, out);
	assert_string_equal(out, want);
}

static void test_printable_copied(void **state)
{
	/* Every printable byte but '"' and '\\', in two parts that each
	 * fit below the cut. */
	static const char printable[][RELAY_ESCAPE_INPUT_MAX] = {
		" !#$%&'()*+,-./0123456789:;<=>?@",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~",
	};
	char out[RELAY_ESCAPE_TEXT_MAX];

	(void)state;
	expect_escaped("alice", 5, "alice");
	expect_escaped("192.0.2.7", 9, "192.0.2.7");
	expect_escaped("", 0, "");
	for (size_t i = 0; i < 2; i++)
		assert_string_equal(relay_escape_str(printable[i], out),
				    printable[i]);
}

static void test_controls_and_quotes(void **state)
{
	(void)state;
	/* A newline would start a forged log line. */
	expect_escaped("a\nb", 3, "a\\x0ab");
	expect_escaped("a\rb", 3, "a\\x0db");
	expect_escaped("a\tb", 3, "a\\x09b");
	expect_escaped("\x1b[31m", 5, "\\x1b[31m");
	expect_escaped("\x7f", 1, "\\x7f");
	/* A NUL inside the given length is shown, not a terminator. */
	expect_escaped("a\0b", 3, "a\\x00b");
	/* Quotes and backslashes would forge a field or an escape. */
	expect_escaped("\"x\"", 3, "\\x22x\\x22");
	expect_escaped("a\\x41", 5, "a\\x5cx41");
}

static void test_high_bytes(void **state)
{
	(void)state;
	expect_escaped("\x80", 1, "\\x80");
	expect_escaped("\xff", 1, "\\xff");
	expect_escaped("caf\xc3\xa9", 5, "caf\\xc3\\xa9");
}

static void test_cut_at_limit(void **state)
{
	char text[RELAY_ESCAPE_INPUT_MAX + 10];
	char want[RELAY_ESCAPE_INPUT_MAX + 4];
	char out[RELAY_ESCAPE_TEXT_MAX];

	(void)state;
	memset(text, 'a', sizeof(text));
	memset(want, 'a', RELAY_ESCAPE_INPUT_MAX);

	/* Exactly at the limit: shown whole, no marker. */
	want[RELAY_ESCAPE_INPUT_MAX] = '\0';
	expect_escaped(text, RELAY_ESCAPE_INPUT_MAX, want);
	/* One byte more: cut and marked. */
	memcpy(want + RELAY_ESCAPE_INPUT_MAX, "...", 4);
	expect_escaped(text, RELAY_ESCAPE_INPUT_MAX + 1, want);
	expect_escaped(text, sizeof(text), want);

	/* The same through the C-string form. */
	text[RELAY_ESCAPE_INPUT_MAX] = '\0';
	assert_string_equal(relay_escape_str(text, out), text);
	text[RELAY_ESCAPE_INPUT_MAX] = 'a';
	text[sizeof(text) - 1] = '\0';
	assert_string_equal(relay_escape_str(text, out), want);
}

/* The worst case fills the buffer to the last byte, and no further. */
static void test_worst_case_fits(void **state)
{
	char text[RELAY_ESCAPE_INPUT_MAX + 1];
	char out[RELAY_ESCAPE_TEXT_MAX + 1];

	(void)state;
	memset(text, '\n', sizeof(text));
	out[RELAY_ESCAPE_TEXT_MAX] = '#';
	relay_escape(text, sizeof(text), out);
	assert_int_equal(strlen(out), RELAY_ESCAPE_TEXT_MAX - 1);
	assert_int_equal(out[RELAY_ESCAPE_TEXT_MAX], '#');
	assert_memory_equal(out + RELAY_ESCAPE_TEXT_MAX - 4, "...", 4);
}

static void test_null_is_none(void **state)
{
	char out[RELAY_ESCAPE_TEXT_MAX];

	(void)state;
	assert_string_equal(relay_escape_str(NULL, out), "(none)");
	assert_string_equal(relay_escape(NULL, 10, out), "(none)");
	/* An empty value stays empty: only a missing one reads "(none)". */
	assert_string_equal(relay_escape_str("", out), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_copied),
		cmocka_unit_test(test_controls_and_quotes),
		cmocka_unit_test(test_high_bytes),
		cmocka_unit_test(test_cut_at_limit),
		cmocka_unit_test(test_worst_case_fits),
		cmocka_unit_test(test_null_is_none),
	};

	return UNIT_RUN("escape", tests, NULL, NULL);
}
