/* Hostile PAM_RHOST values through the real module (pam_start_confdir,
 * pam_matrix, pam_relayers.so from RELAYERS_BUILD).  Every login must
 * succeed at once, and the store must gain exactly the canonical key
 * the table names, or nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pam_login.h"
#include "snapshot.h"
#include "store.h"
#include "store_probe.h"

struct rhost_case {
	const char *why;
	const char *rhost; /* NULL: PAM_RHOST unset */
	const char *key;   /* canonical key recorded, or NULL: none */
};

static char overlong[8192];
static char long_digits[200];
static char padded_v6[160];

static const struct rhost_case cases[] = {
	{ "dotted quad", "192.0.2.1", "192.0.2.1" },
	{ "v4-mapped from Dovecot/Courier", "::ffff:192.0.2.2", "192.0.2.2" },
	{ "v4-mapped, upper case", "::FFFF:192.0.2.3", "192.0.2.3" },
	{ "upper-case IPv6", "2001:DB8::3", "2001:db8::3" },
	{ "uncompressed IPv6", "2001:db8:0:0:0:0:0:4", "2001:db8::4" },
	{ "bracketed IPv6", "[2001:db8::5]", "2001:db8::5" },
	{ "sendmail IPv6: tag", "IPv6:2001:db8::6", "2001:db8::6" },
	{ "zone suffix from UW-IMAP", "fe80::7%eth0", "fe80::7" },
	{ "embedded NUL: libpam sees the text before it",
	  "192.0.2.20\0; rm -rf /", "192.0.2.20" },
	{ "unset PAM_RHOST", NULL, NULL },
	{ "empty", "", NULL },
	{ "UW-IMAP without a socket", "UNKNOWN", NULL },
	{ "UW-IMAP other family", "NON-IP", NULL },
	{ "host name, never resolved", "mail.example.com", NULL },
	{ "localhost name", "localhost", NULL },
	{ "loopback, excluded by default", "127.0.0.1", NULL },
	{ "IPv6 loopback", "::1", NULL },
	{ "v4-mapped loopback folds and is excluded", "::ffff:127.0.0.9", NULL },
	{ "trailing newline", "192.0.2.8\n", NULL },
	{ "embedded newline and forged line", "192.0.2.9\nrelay allowed for 6.6.6.6", NULL },
	{ "carriage return", "192.0.2.10\r", NULL },
	{ "leading space", " 192.0.2.11", NULL },
	{ "trailing space", "192.0.2.12 ", NULL },
	{ "tab", "192.0.2.13\t", NULL },
	{ "format directives", "%s%s%s%n%n%n", NULL },
	{ "format directives after an address", "192.0.2.14%n", NULL },
	{ "shell command substitution", "$(touch /tmp/relayers-pwned)", NULL },
	{ "backticks and semicolon", "`id`;192.0.2.15", NULL },
	{ "shell after address", "192.0.2.16;reboot", NULL },
	{ "non-UTF-8 bytes", "\xff\xfe\xc0\x80", NULL },
	{ "address with non-UTF-8 tail", "192.0.2.17\xc0\x80", NULL },
	{ "overlong UTF-8 dot", "192\xc0\xae"
				"0.2.18",
	  NULL },
	{ "leading zero octet", "192.0.2.014", NULL },
	{ "hex octet", "0x7f.0.0.1", NULL },
	{ "integer address", "3221225985", NULL },
	{ "three parts", "192.0.2", NULL },
	{ "octet past 255", "256.0.2.1", NULL },
	{ "IPv4 in brackets", "[192.0.2.19]", NULL },
	{ "unclosed bracket", "[2001:db8::8", NULL },
	{ "empty zone", "fe80::1%", NULL },
	{ "zone with path", "fe80::1%../../etc/passwd", NULL },
	{ "zone with newline", "fe80::1%eth0\nx", NULL },
	{ "two double colons", "2001::db8::1", NULL },
	{ "five hex digits", "2001:db8::12345", NULL },
	{ "nine groups", "1:2:3:4:5:6:7:8:9", NULL },
	{ "CIDR, not an address", "192.0.2.0/24", NULL },
	{ "port suffix", "192.0.2.21:110", NULL },
	{ "overlong", overlong, NULL },
	{ "long run of digits", long_digits, NULL },
	{ "valid literal padded past the input limit", padded_v6, NULL },
};

static char dir[] = "/tmp/relayers-rhost.XXXXXX";
static char store_path[4200];

/* Counted by store-tool in another process: the module keeps the
 * store open in this one (store_probe.h). */
static size_t entry_count(void)
{
	char out[64];

	assert_int_equal(store_probe("count", store_path, NULL, out, sizeof(out)), 0);
	return strtoul(out, NULL, 10);
}

static int setup(void **state)
{
	const char *build = getenv("RELAYERS_BUILD");
	char module[4096], args[4300];
	struct relay_store_options options = { .timeout_ms = 5000, .create = true };
	struct relay_store *store;
	struct relay_error err;

	(void)state;
	memset(overlong, 'A', sizeof(overlong) - 1);
	memset(long_digits, '1', sizeof(long_digits) - 1);
	/* 39 characters of address, then zeros of zone: over the 96 limit. */
	snprintf(padded_v6, sizeof(padded_v6), "2001:0db8:0000:0000:0000:0000:0000:0009%%%0100d", 0);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(store_path, sizeof(store_path), "%s/relayers.tdb", dir);
	snprintf(module, sizeof(module), "%s/pam_relayers.so",
		 build != NULL ? build : "build");
	snprintf(args, sizeof(args), "db=%s max_addrs=0", store_path); /* default exclude */
	if (relay_store_open(store_path, &options, &store, &err) != RELAY_OK) {
		fprintf(stderr, "%s\n", err.text);
		return -1;
	}
	relay_store_close(store);
	return pam_login_write_stack(dir, module, args) ? 0 : -1;
}

static int teardown(void **state)
{
	char command[200];

	(void)state;
	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	return system(command) == 0 ? 0 : -1;
}

static void each_rhost_is_recorded_as_the_table_says(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rhost_case *c = &cases[i];
		size_t before = entry_count();
		time_t start = time(NULL);
		struct timespec t0, t1;
		int64_t stamp = 0;
		int rc;

		print_message("rhost case: %s\n", c->why);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = pam_login_run(dir, PAM_LOGIN_USER, PAM_LOGIN_PASSWORD,
				   c->rhost);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_int_equal(rc, PAM_SUCCESS);
		/* No hang: a login takes milliseconds, never a lock wait. */
		assert_true(t1.tv_sec - t0.tv_sec < 2);
		if (c->key == NULL) {
			assert_int_equal(entry_count(), before);
			continue;
		}
		assert_true(pam_login_recorded(store_path, c->key, &stamp));
		assert_true(stamp >= start && stamp <= time(NULL));
	}
}

/* The module must not record a wrong password, whatever the address. */
static void wrong_password_records_nothing(void **state)
{
	size_t before = entry_count();

	(void)state;
	assert_int_not_equal(pam_login_run(dir, PAM_LOGIN_USER, "wrong",
					   "192.0.2.99"),
			     PAM_SUCCESS);
	assert_int_equal(entry_count(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_rhost_is_recorded_as_the_table_says),
		cmocka_unit_test(wrong_password_records_nothing),
	};

	return cmocka_run_group_tests_name("hostile-rhost", tests, setup,
					   teardown);
}
