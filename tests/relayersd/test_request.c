/* relayersd/request: the netstring parser's exact verdicts and the
 * reply frames, case by case (the fuzzer checks the invariants). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "request.h"

static enum socketmap_parse parse(const char *text, struct socketmap_request *req,
				  size_t *used, const char **problem)
{
	*used = 0;
	return socketmap_parse(text, strlen(text), req, used, problem);
}

static void expect_request(const char *text, const char *name, const char *key)
{
	struct socketmap_request req;
	const char *problem;
	size_t used;

	if (parse(text, &req, &used, &problem) != SOCKETMAP_COMPLETE)
		fail_msg("\"%s\" not parsed: %s", text, problem ? problem : "incomplete");
	assert_int_equal(req.name_len, strlen(name));
	assert_memory_equal(req.name, name, req.name_len);
	assert_int_equal(req.key_len, strlen(key));
	if (req.key_len > 0)
		assert_memory_equal(req.key, key, req.key_len);
}

static void expect_malformed(const char *text, const char *why)
{
	struct socketmap_request req;
	const char *problem = NULL;
	size_t used;

	if (parse(text, &req, &used, &problem) != SOCKETMAP_MALFORMED)
		fail_msg("\"%s\" not refused", text);
	assert_non_null(problem);
	if (strstr(problem, why) == NULL)
		fail_msg("\"%s\": \"%s\", wanted \"%s\"", text, problem, why);
}

static void expect_incomplete(const char *text)
{
	struct socketmap_request req;
	const char *problem;
	size_t used;

	if (parse(text, &req, &used, &problem) != SOCKETMAP_INCOMPLETE)
		fail_msg("\"%s\" should ask for more", text);
}

static void whole_requests(void **state)
{
	expect_request("18:relayers 192.0.2.7,", "relayers", "192.0.2.7");
	expect_request("34:relayers ipv6:2001:db8:0:0:0:0:0:1,", "relayers", "ipv6:2001:db8:0:0:0:0:0:1");
	expect_request("9:relayers ,", "relayers", "");
	expect_request("5:a b c,", "a", "b c"); /* the first space splits */
	expect_request("3:a  ,", "a", " ");
}

static void pieces_ask_for_more(void **state)
{
	const char *whole = "18:relayers 192.0.2.7,";

	for (size_t cut = 0; cut < strlen(whole); cut++) {
		char part[64];

		memcpy(part, whole, cut);
		part[cut] = '\0';
		expect_incomplete(part);
	}
	expect_incomplete("512:"); /* the longest length allowed */
}

static void malformed_frames(void **state)
{
	expect_malformed("513:", "too long");
	expect_malformed("99999999999999999999", "too long");
	expect_malformed("abc:", "not a number");
	expect_malformed("-1:", "not a number");
	expect_malformed(" 5:", "not a number");
	expect_malformed(":", "missing");
	expect_malformed("01:", "leading zero");
	expect_malformed("0:,", "no space");
	expect_malformed("18:relayers 192.0.2.7;", "comma");
	expect_malformed("8:relayers,", "no space");
	expect_malformed("10: 192.0.2.7,", "name is empty");
}

static void pipelined(void **state)
{
	const char *two = "18:relayers 192.0.2.7,9:relayers ,";
	struct socketmap_request req;
	const char *problem;
	size_t used = 0;

	assert_int_equal(socketmap_parse(two, strlen(two), &req, &used, &problem),
			 SOCKETMAP_COMPLETE);
	assert_int_equal(used, 22);
	assert_int_equal(socketmap_parse(two + used, strlen(two) - used, &req,
					 &used, &problem),
			 SOCKETMAP_COMPLETE);
	assert_int_equal(req.key_len, 0);
}

static void replies(void **state)
{
	char out[SOCKETMAP_REPLY_MAX + 32], long_text[1000];
	size_t len;

	len = socketmap_reply(out, sizeof(out), "OK", "1700000000", 10);
	assert_int_equal(len, 17);
	assert_memory_equal(out, "13:OK 1700000000,", 17);
	len = socketmap_reply(out, sizeof(out), "NOTFOUND", NULL, 0);
	assert_memory_equal(out, "9:NOTFOUND ,", len);
	memset(long_text, 'x', sizeof(long_text));
	len = socketmap_reply(out, sizeof(out), "TEMP", long_text, sizeof(long_text));
	assert_true(len <= SOCKETMAP_REPLY_MAX);
	assert_memory_equal(out, "251:TEMP x", 10); /* cut to fit, still framed */
	assert_int_equal(out[len - 1], ',');
	assert_int_equal(socketmap_reply(out, 10, "OK", "1700000000", 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_requests),
		cmocka_unit_test(pieces_ask_for_more),
		cmocka_unit_test(malformed_frames),
		cmocka_unit_test(pipelined),
		cmocka_unit_test(replies),
	};

	return cmocka_run_group_tests_name("relayersd request", tests, NULL, NULL);
}
