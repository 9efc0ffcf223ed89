/* core/cidr: the exclude list.  A range that matches too much hides
 * logins; one that matches too little turns a webmail or proxy host
 * into a relay. */
#include "unit.h"

#include <string.h>
#include <sys/socket.h>

#include "cidr.h"

static struct relay_addr addr_of(const char *text)
{
	struct relay_addr addr;

	if (!relay_addr_parse(text, &addr))
		fail_msg("test address \"%s\" refused", text);
	return addr;
}

static bool parses(const char *text, struct relay_cidr *out)
{
	return relay_cidr_parse(text, strlen(text), out);
}

static void expect_list(const char *text, size_t count)
{
	struct relay_cidr_list list;
	char err[128] = "";

	if (!relay_cidr_list_parse(text, &list, err, sizeof(err)))
		fail_msg("\"%s\" refused: %s", text, err);
	assert_int_equal(list.count, count);
}

/* Returns the message naming the refusal. */
static const char *expect_list_refused(const char *text, char *err,
				       size_t errlen)
{
	struct relay_cidr_list list;

	err[0] = '\0';
	if (relay_cidr_list_parse(text, &list, err, errlen))
		fail_msg("\"%s\" accepted (%zu items)", text, list.count);
	assert_true(err[0] != '\0');
	return err;
}

static bool list_matches(const char *list_text, const char *addr_text)
{
	struct relay_cidr_list list;
	struct relay_addr addr = addr_of(addr_text);
	char err[128];

	if (!relay_cidr_list_parse(list_text, &list, err, sizeof(err)))
		fail_msg("\"%s\" refused: %s", list_text, err);
	return relay_cidr_list_match(&list, &addr);
}

static void test_single_hosts(void **state)
{
	struct relay_cidr range;

	(void)state;
	assert_true(parses("192.0.2.7", &range));
	assert_int_equal(range.prefix, 32);
	assert_int_equal(range.net.family, AF_INET);
	assert_true(parses("2001:db8::1", &range));
	assert_int_equal(range.prefix, 128);
	assert_int_equal(range.net.family, AF_INET6);

	assert_true(list_matches("192.0.2.7", "192.0.2.7"));
	assert_false(list_matches("192.0.2.7", "192.0.2.8"));
	assert_true(list_matches("2001:db8::1", "2001:DB8:0:0:0:0:0:1"));
	assert_false(list_matches("2001:db8::1", "2001:db8::2"));
}

static void test_ipv4_prefixes(void **state)
{
	struct relay_cidr range;

	(void)state;
	assert_true(parses("0.0.0.0/0", &range));
	assert_int_equal(range.prefix, 0);
	assert_true(list_matches("0.0.0.0/0", "192.0.2.7"));
	assert_true(list_matches("0.0.0.0/0", "255.255.255.255"));

	assert_true(list_matches("10.0.0.0/8", "10.255.255.255"));
	assert_true(list_matches("10.0.0.0/8", "10.0.0.0"));
	assert_false(list_matches("10.0.0.0/8", "11.0.0.0"));
	assert_false(list_matches("10.0.0.0/8", "9.255.255.255"));

	assert_true(list_matches("192.0.2.7/32", "192.0.2.7"));
	assert_false(list_matches("192.0.2.7/32", "192.0.2.6"));

	/* A prefix that does not fall on a byte. */
	assert_true(list_matches("192.0.2.128/25", "192.0.2.200"));
	assert_false(list_matches("192.0.2.128/25", "192.0.2.127"));
	assert_true(list_matches("172.16.0.0/12", "172.31.255.1"));
	assert_false(list_matches("172.16.0.0/12", "172.32.0.1"));
}

static void test_ipv6_prefixes(void **state)
{
	(void)state;
	assert_true(list_matches("2001:db8:1:2::/64", "2001:db8:1:2:ffff::9"));
	assert_false(list_matches("2001:db8:1:2::/64", "2001:db8:1:3::9"));
	assert_true(list_matches("2001:db8::1/128", "2001:db8::1"));
	assert_false(list_matches("2001:db8::1/128", "2001:db8::1:1"));
	assert_true(list_matches("::/0", "2001:db8::1"));
	assert_true(list_matches("2001:db8::/33", "2001:db8:7fff::1"));
	assert_false(list_matches("2001:db8::/33", "2001:db8:8000::1"));
	/* Written the way an admin might copy it from a PAM_RHOST. */
	assert_true(list_matches("[2001:db8::]/32", "2001:db8:ab::1"));
}

static void test_refused_ranges(void **state)
{
	static const char *const refused[] = {
		/* Host bits set below the prefix: likely a typo. */
		"192.0.2.7/24",
		"10.0.0.1/8",
		"2001:db8::1/64",
		"::1/0",
		/* Prefix too long for the family. */
		"192.0.2.0/33",
		"2001:db8::/129",
		"10.0.0.0/999",
		"10.0.0.0/0008",
		/* Not a prefix. */
		"10.0.0.0/",
		"10.0.0.0/a",
		"10.0.0.0/8a",
		"10.0.0.0/-8",
		"10.0.0.0/+8",
		"10.0.0.0/ 8",
		"10.0.0.0/8/8",
		"10.0.0.0/0x8",
		/* Not an address. */
		"/8",
		"",
		"localhost/32",
		"10.0.0/24",
		" 10.0.0.0/8",
		"10.0.0.0/8 ",
	};
	struct relay_cidr range;

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (parses(refused[i], &range))
			fail_msg("range \"%s\" accepted", refused[i]);
	/* A leading zero in the prefix is still a number. */
	assert_true(parses("10.0.0.0/08", &range));
	assert_int_equal(range.prefix, 8);
}

static void test_list_syntax(void **state)
{
	char err[128];

	(void)state;
	/* Empty means nothing is excluded. */
	expect_list("", 0);
	assert_false(list_matches("", "127.0.0.1"));
	assert_false(list_matches("", "::1"));

	expect_list("192.0.2.0/24,2001:db8::/32,198.51.100.7", 3);
	/* A trailing comma ends the list; it adds nothing. */
	expect_list("192.0.2.0/24,", 1);

	expect_list_refused(",", err, sizeof(err));
	expect_list_refused(",192.0.2.0/24", err, sizeof(err));
	expect_list_refused("192.0.2.0/24,,198.51.100.0/24", err, sizeof(err));
	expect_list_refused("192.0.2.0/24, 198.51.100.0/24", err, sizeof(err));
	expect_list_refused("192.0.2.0/24;198.51.100.0/24", err, sizeof(err));

	/* The message names the item that was wrong. */
	expect_list_refused("192.0.2.0/24,webmail.example,10.0.0.0/8", err,
			    sizeof(err));
	assert_non_null(strstr(err, "webmail.example"));
	assert_null(strstr(err, "10.0.0.0/8"));
}

static void test_list_size_limit(void **state)
{
	char text[RELAY_CIDR_LIST_MAX * 16 + 32];
	char err[128];
	size_t used = 0;

	(void)state;
	for (int i = 0; i < RELAY_CIDR_LIST_MAX; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "%s10.0.%d.0/24", i ? "," : "", i);
	expect_list(text, RELAY_CIDR_LIST_MAX);
	assert_true(list_matches(text, "10.0.63.9"));
	snprintf(text + used, sizeof(text) - used, ",10.0.64.0/24");
	expect_list_refused(text, err, sizeof(err));
}

static void test_families_never_cross(void **state)
{
	(void)state;
	assert_false(list_matches("0.0.0.0/0", "::"));
	assert_false(list_matches("0.0.0.0/0", "2001:db8::1"));
	assert_false(list_matches("::/0", "0.0.0.0"));
	assert_false(list_matches("::/0", "192.0.2.7"));
	/* 192.0.2.7 and ::c000:207 share their last four bytes only. */
	assert_false(list_matches("::c000:207/128", "192.0.2.7"));
	/* A v4-mapped client is its IPv4 address, matched by IPv4 ranges. */
	assert_true(list_matches("192.0.2.0/24", "::ffff:192.0.2.7"));
}

static void test_default_exclude(void **state)
{
	struct relay_cidr_list list;
	struct relay_addr addr;

	(void)state;
	relay_cidr_list_default_exclude(&list);
	assert_int_equal(list.count, 2);

	static const char *const excluded[] = {
		"127.0.0.1",
		"127.0.0.0",
		"127.255.255.255",
		"127.1.2.3",
		"::1",
		"::ffff:127.0.0.1",
		"[::1]",
		"IPv6:0:0:0:0:0:0:0:1",
	};
	static const char *const recorded[] = {
		"126.255.255.255",
		"128.0.0.0",
		"192.0.2.7",
		"10.0.0.1",
		"::2",
		"::",
		"2001:db8::1",
		"::127.0.0.1",
		"fe80::1%lo",
	};

	for (size_t i = 0; i < sizeof(excluded) / sizeof(excluded[0]); i++) {
		addr = addr_of(excluded[i]);
		if (!relay_cidr_list_match(&list, &addr))
			fail_msg("%s not excluded by default", excluded[i]);
	}
	for (size_t i = 0; i < sizeof(recorded) / sizeof(recorded[0]); i++) {
		addr = addr_of(recorded[i]);
		if (relay_cidr_list_match(&list, &addr))
			fail_msg("%s excluded by default", recorded[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_hosts),
		cmocka_unit_test(test_ipv4_prefixes),
		cmocka_unit_test(test_ipv6_prefixes),
		cmocka_unit_test(test_refused_ranges),
		cmocka_unit_test(test_list_syntax),
		cmocka_unit_test(test_list_size_limit),
		cmocka_unit_test(test_families_never_cross),
		cmocka_unit_test(test_default_exclude),
	};

	return UNIT_RUN("cidr", tests, NULL, NULL);
}
