/* core/addr: every PAM_RHOST form FIELD-NOTES lists, the refusals, and
 * the canonical texts that become store keys and sendmail map keys. */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "addr.h"

struct accepted {
	const char *input;
	int family;
	const char *key; /* relay_addr_format's text */
};

/* Asserts input parses to family and formats as key. */
static void expect_parsed(const char *input, int family, const char *key)
{
	struct relay_addr addr;
	char text[RELAY_ADDR_TEXT_MAX];

	if (!relay_addr_parse(input, &addr))
		fail_msg("refused \"%s\", expected %s", input, key);
	assert_int_equal(addr.family, family);
	relay_addr_format(&addr, text);
	if (strcmp(text, key) != 0)
		fail_msg("\"%s\" became \"%s\", expected \"%s\"", input, text, key);
}

static void expect_refused(const char *input)
{
	struct relay_addr addr;

	if (relay_addr_parse(input, &addr))
		fail_msg("accepted \"%s\" (family %d)", input, addr.family);
}

static void test_pam_rhost_forms(void **state)
{
	static const struct accepted forms[] = {
		/* Dovecot and UW-IMAP: inet_ntop text. */
		{ "192.0.2.7", AF_INET, "192.0.2.7" },
		{ "0.0.0.0", AF_INET, "0.0.0.0" },
		{ "255.255.255.255", AF_INET, "255.255.255.255" },
		{ "2001:db8::1", AF_INET6, "2001:db8::1" },
		{ "::1", AF_INET6, "::1" },
		{ "::", AF_INET6, "::" },
		/* Uncompressed, padded, upper case. */
		{ "2001:db8:0:0:0:0:0:1", AF_INET6, "2001:db8::1" },
		{ "2001:0db8:0000:0000:0000:0000:0000:0001", AF_INET6,
		  "2001:db8::1" },
		{ "2001:DB8::ABCD", AF_INET6, "2001:db8::abcd" },
		/* Dual-stack servers and Courier: IPv4-mapped folds. */
		{ "::ffff:192.0.2.7", AF_INET, "192.0.2.7" },
		{ "::FFFF:192.0.2.7", AF_INET, "192.0.2.7" },
		{ "::ffff:c000:207", AF_INET, "192.0.2.7" },
		{ "0:0:0:0:0:ffff:192.0.2.7", AF_INET, "192.0.2.7" },
		{ "[::ffff:192.0.2.7]", AF_INET, "192.0.2.7" },
		/* Brackets and sendmail's tag. */
		{ "[2001:db8::1]", AF_INET6, "2001:db8::1" },
		{ "IPv6:2001:db8:0:0:0:0:0:1", AF_INET6, "2001:db8::1" },
		{ "ipv6:2001:db8::1", AF_INET6, "2001:db8::1" },
		{ "IPV6:::1", AF_INET6, "::1" },
		/* A zone is dropped: it names an interface, not a client. */
		{ "fe80::1%eth0", AF_INET6, "fe80::1" },
		{ "[fe80::1%eth0]", AF_INET6, "fe80::1" },
		{ "fe80::1%2", AF_INET6, "fe80::1" },
		{ "FE80::1%br-lan.10_x", AF_INET6, "fe80::1" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		expect_parsed(forms[i].input, forms[i].family, forms[i].key);
}

static void test_refuses_non_literals(void **state)
{
	static const char *const refused[] = {
		"UNKNOWN",
		"NON-IP",
		"unknown",
		"localhost",
		"mail.example.org",
		"example",
		"",
		" ",
		"192.0.2.7.example.org",
		/* Surrounding white space is not trimmed. */
		" 192.0.2.7",
		"192.0.2.7 ",
		"\t::1",
		"192.0.2.7\n",
		"::1\r",
		/* Ports and CIDR suffixes are not addresses. */
		"192.0.2.7:25",
		"[::1]:25",
		"2001:db8::1/64",
		"192.0.2.0/24",
		/* Broken brackets and tags. */
		"[2001:db8::1",
		"2001:db8::1]",
		"[]",
		"[192.0.2.7]",
		"IPv6:192.0.2.7",
		"IPv6:",
		"IPv6:[::1]",
		"IPv4:192.0.2.7",
		/* Malformed IPv6. */
		"2001:db8:::1",
		"1:2:3:4:5:6:7:8:9",
		"12345::1",
		"2001:db8::1x",
		":::",
		"1::2::3",
		"g::1",
		/* Malformed IPv4 and trailing garbage. */
		"256.1.1.1",
		"1.2.3.4.5",
		"1.2.3.",
		".1.2.3",
		"1.2.3.4x",
		"1..2.3",
		"-1.2.3.4",
		"+1.2.3.4",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_refused(refused[i]);
	assert_false(relay_addr_parse(NULL, &(struct relay_addr){ 0 }));
}

/* glibc's inet_pton takes only the strict dotted quad (it refuses
 * leading zeros), and so do we: inet_aton's octal and hex shorthands
 * would turn "010.1.1.1" into 8.1.1.1 and open the relay for a
 * different host than the text shows. */
static void test_refuses_ipv4_shorthands(void **state)
{
	static const char *const refused[] = {
		"010.1.1.1",
		"1.2.3.04",
		"00.1.2.3",
		"0177.0.0.1",
		"127.1",
		"127.0.1",
		"0x7f.0.0.1",
		"0x7f000001",
		"2130706433",
		"1.2.3.0x4",
	};
	unsigned char raw[4];

	(void)state;
	/* The premise: glibc refuses them too. */
	assert_int_equal(inet_pton(AF_INET, "010.1.1.1", raw), 0);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_refused(refused[i]);
}

static void test_refuses_bad_zones(void **state)
{
	static const char *const refused[] = {
		"fe80::1%",
		"fe80::1%eth 0",
		"fe80::1%eth0%1",
		"fe80::1%eth/0",
		"fe80::1%eth0\n",
		"fe80::1%\xc3\xa9",
		"192.0.2.7%eth0",
		"%eth0",
		"[fe80::1]%eth0",
		"::ffff:192.0.2.7%eth0x:",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_refused(refused[i]);
}

/* "fe80::1%" plus a zone: exactly RELAY_ADDR_INPUT_MAX bytes are read,
 * one more is refused unread. */
static void test_input_length_limit(void **state)
{
	char text[RELAY_ADDR_INPUT_MAX + 2];
	char huge[4096];
	struct relay_addr addr;

	(void)state;
	memset(text, 'a', sizeof(text));
	memcpy(text, "fe80::1%", 8);
	text[RELAY_ADDR_INPUT_MAX] = '\0';
	assert_true(relay_addr_parse(text, &addr));
	assert_true(relay_addr_parse_n(text, RELAY_ADDR_INPUT_MAX, &addr));
	text[RELAY_ADDR_INPUT_MAX] = 'a';
	text[RELAY_ADDR_INPUT_MAX + 1] = '\0';
	assert_false(relay_addr_parse(text, &addr));
	assert_false(relay_addr_parse_n(text, RELAY_ADDR_INPUT_MAX + 1, &addr));

	/* A valid address followed by much more text. */
	memset(huge, ' ', sizeof(huge));
	memcpy(huge, "192.0.2.7", 9);
	huge[sizeof(huge) - 1] = '\0';
	assert_false(relay_addr_parse(huge, &addr));
}

static void test_parse_n_bounds(void **state)
{
	static const char with_nul[] = "192.0.2.7\0junk";
	struct relay_addr addr;
	char text[RELAY_ADDR_TEXT_MAX];

	(void)state;
	/* Only len bytes are read: no terminator needed. */
	assert_true(relay_addr_parse_n("192.0.2.77", 9, &addr));
	relay_addr_format(&addr, text);
	assert_string_equal(text, "192.0.2.7");
	assert_true(relay_addr_parse_n("[::1]zzz", 5, &addr));
	assert_int_equal(addr.family, AF_INET6);

	/* An embedded NUL would hide what follows it from the log. */
	assert_false(relay_addr_parse_n(with_nul, sizeof(with_nul) - 1, &addr));
	assert_false(relay_addr_parse_n("192.0.2.7", 10, &addr));
	assert_false(relay_addr_parse_n("\0", 1, &addr));
	assert_false(relay_addr_parse_n("192.0.2.7", 0, &addr));
	assert_false(relay_addr_parse_n(NULL, 4, &addr));
}

static void expect_format(const char *input, const char *key)
{
	expect_parsed(input, strchr(key, ':') ? AF_INET6 : AF_INET, key);
}

/* RFC 5952: lower case, no leading zeros, the longest zero run (the
 * first of equals) as "::", never a single zero group. */
static void test_format_rfc5952(void **state)
{
	(void)state;
	expect_format("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	expect_format("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
	expect_format("2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::");
	expect_format("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
	expect_format("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0");
	expect_format("0:0:0:0:0:0:0:0", "::");
	expect_format("1:0:0:0:0:0:0:0", "1::");
	expect_format("0:0:0:0:0:0:0:1", "::1");
	expect_format("2001:0DB8:00AA:0BBB:CCCC:DDDD:EEEE:000F",
		      "2001:db8:aa:bbb:cccc:dddd:eeee:f");
	expect_format("fe80:0000:0000:0000:0000:0000:0000:0000", "fe80::");
	expect_format("::ffff:10.0.0.1", "10.0.0.1");
}

static void expect_full(const char *input, const char *full)
{
	struct relay_addr addr;
	char text[RELAY_ADDR_TEXT_MAX];

	if (!relay_addr_parse(input, &addr))
		fail_msg("refused \"%s\"", input);
	relay_addr_format_full(&addr, text);
	if (strcmp(text, full) != 0)
		fail_msg("\"%s\" became \"%s\", expected \"%s\"", input, text,
			 full);
}

/* sendmail's ${client_addr} with IPV6_FULL. */
static void test_format_full(void **state)
{
	(void)state;
	expect_full("2001:db8::1", "2001:db8:0:0:0:0:0:1");
	expect_full("::1", "0:0:0:0:0:0:0:1");
	expect_full("::", "0:0:0:0:0:0:0:0");
	expect_full("fe80::abcd:ef01", "fe80:0:0:0:0:0:abcd:ef01");
	expect_full("2001:DB8:FFFF::", "2001:db8:ffff:0:0:0:0:0");
	expect_full("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	expect_full("2001:0db8:0a0b:00c0::1", "2001:db8:a0b:c0:0:0:0:1");
	expect_full("192.0.2.7", "192.0.2.7");
	expect_full("::ffff:192.0.2.7", "192.0.2.7");
}

static void expect_key(const char *text, size_t len, bool canonical)
{
	struct relay_addr addr;

	if (relay_addr_is_canonical_key(text, len, &addr) != canonical)
		fail_msg("\"%.*s\" should %sbe a canonical key", (int)len, text,
			 canonical ? "" : "not ");
}

static void test_canonical_key(void **state)
{
	static const char *const canonical[] = {
		"192.0.2.7",
		"0.0.0.0",
		"2001:db8::1",
		"::1",
		"::",
		"2001:db8:0:1:1:1:1:1",
		"fe80::",
	};
	static const char *const not_canonical[] = {
		"2001:DB8::1",
		"2001:db8:0:0:0:0:0:1",
		"2001:0db8::1",
		"[2001:db8::1]",
		"IPv6:2001:db8::1",
		"::ffff:192.0.2.7",
		"fe80::1%eth0",
		"2001:db8:0::1",
		"0:0:0:0:0:0:0:1",
		"relayers:store",
		"010.0.0.1",
		" 192.0.2.7",
		"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++)
		expect_key(canonical[i], strlen(canonical[i]), true);
	for (size_t i = 0; i < sizeof(not_canonical) / sizeof(not_canonical[0]);
	     i++)
		expect_key(not_canonical[i], strlen(not_canonical[i]), false);
	/* Exactly len bytes: a trailing NUL in a record is not ours. */
	expect_key("192.0.2.7", 10, false);
	expect_key("192.0.2.77", 9, true);
}

/* A small deterministic generator: the same addresses on every run. */
static uint32_t next_random(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

static void random_addr(uint32_t *seed, struct relay_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (next_random(seed) % 3 == 0) {
		addr->family = AF_INET;
		for (int i = 0; i < 4; i++)
			addr->octets[i] = (uint8_t)next_random(seed);
		return;
	}
	addr->family = AF_INET6;
	/* Many zero groups, so that runs of every length and place occur. */
	for (int group = 0; group < 8; group++)
		if (next_random(seed) % 2 == 0) {
			addr->octets[2 * group] = (uint8_t)next_random(seed);
			addr->octets[2 * group + 1] = (uint8_t)next_random(seed);
		}
}

static bool is_v4_mapped(const struct relay_addr *addr)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return addr->family == AF_INET6 &&
	       memcmp(addr->octets, prefix, sizeof(prefix)) == 0;
}

/* Whatever the store writes as a key, it must read back as a key of the
 * same address, and sendmail's full form must parse to it as well. */
static void test_round_trip(void **state)
{
	uint32_t seed = 5952;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct relay_addr addr, back;
		char key[RELAY_ADDR_TEXT_MAX], full[RELAY_ADDR_TEXT_MAX];

		random_addr(&seed, &addr);
		if (is_v4_mapped(&addr))
			continue;
		relay_addr_format(&addr, key);
		if (!relay_addr_is_canonical_key(key, strlen(key), &back))
			fail_msg("own key \"%s\" is not canonical", key);
		assert_int_equal(back.family, addr.family);
		assert_memory_equal(back.octets, addr.octets, 16);

		relay_addr_format_full(&addr, full);
		assert_null(strstr(full, "::"));
		if (!relay_addr_parse(full, &back))
			fail_msg("full form \"%s\" refused", full);
		assert_memory_equal(back.octets, addr.octets, 16);
	}
}

static void expect_from_sockaddr(const void *sa, size_t len, int family,
				 const char *key)
{
	struct relay_addr addr;
	char text[RELAY_ADDR_TEXT_MAX];

	if (!relay_addr_from_sockaddr(sa, len, &addr))
		fail_msg("socket address of %s refused", key);
	assert_int_equal(addr.family, family);
	relay_addr_format(&addr, text);
	assert_string_equal(text, key);
}

static void test_from_sockaddr_inet(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(110) };
	struct relay_addr addr;

	(void)state;
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	expect_from_sockaddr(&sin, sizeof(sin), AF_INET, "192.0.2.7");
	/* A length short of the structure is refused, not over-read. */
	assert_false(relay_addr_from_sockaddr((struct sockaddr *)&sin,
					      sizeof(sin) - 1, &addr));
}

static void test_from_sockaddr_inet6(void **state)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_scope_id = 2 };
	struct relay_addr addr;

	(void)state;
	inet_pton(AF_INET6, "2001:DB8::1", &sin6.sin6_addr);
	expect_from_sockaddr(&sin6, sizeof(sin6), AF_INET6, "2001:db8::1");
	/* A dual-stack listener's IPv4 client. */
	inet_pton(AF_INET6, "::ffff:192.0.2.7", &sin6.sin6_addr);
	expect_from_sockaddr(&sin6, sizeof(sin6), AF_INET, "192.0.2.7");
	assert_false(relay_addr_from_sockaddr((struct sockaddr *)&sin6,
					      sizeof(struct sockaddr_in), &addr));
}

static void test_from_sockaddr_other_families(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/x" };
	struct sockaddr_storage blank;
	struct relay_addr addr;

	(void)state;
	assert_false(relay_addr_from_sockaddr((struct sockaddr *)&sun,
					      sizeof(sun), &addr));
	memset(&blank, 0, sizeof(blank));
	blank.ss_family = AF_UNSPEC;
	assert_false(relay_addr_from_sockaddr((struct sockaddr *)&blank,
					      sizeof(blank), &addr));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pam_rhost_forms),
		cmocka_unit_test(test_refuses_non_literals),
		cmocka_unit_test(test_refuses_ipv4_shorthands),
		cmocka_unit_test(test_refuses_bad_zones),
		cmocka_unit_test(test_input_length_limit),
		cmocka_unit_test(test_parse_n_bounds),
		cmocka_unit_test(test_format_rfc5952),
		cmocka_unit_test(test_format_full),
		cmocka_unit_test(test_canonical_key),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_from_sockaddr_inet),
		cmocka_unit_test(test_from_sockaddr_inet6),
		cmocka_unit_test(test_from_sockaddr_other_families),
	};

	return UNIT_RUN("addr", tests, NULL, NULL);
}
