/* pam_relayers/options: the arguments of a pam.d line.  Bad ones are
 * reported and skipped, never fatal: a typo must not lock users out. */
#include "unit.h"

#include <string.h>
#include <sys/socket.h>

#include "options.h"
#include "store.h"

struct complaints {
	int count;
	char last[512];
};

static void collect(void *context, const char *problem)
{
	struct complaints *seen = context;

	seen->count++;
	snprintf(seen->last, sizeof(seen->last), "%s", problem);
}

static void parse(struct module_options *opts, struct complaints *seen,
		  int argc, const char **argv)
{
	memset(seen, 0, sizeof(*seen));
	memset(opts, 0xa5, sizeof(*opts)); /* nothing may be left unset */
	module_options_parse(argc, argv, opts, collect, seen);
}

/* Parses arg alone; it must draw exactly one complaint. */
static void parse_refused(const char *arg, struct module_options *opts,
			  struct complaints *seen)
{
	const char *argv[] = { arg };

	parse(opts, seen, 1, argv);
	if (seen->count != 1)
		fail_msg("\"%s\": %d complaints", arg, seen->count);
}

static bool excludes(const struct module_options *opts, const char *text)
{
	struct relay_addr addr;

	if (!relay_addr_parse(text, &addr))
		fail_msg("test address \"%s\" refused", text);
	return relay_cidr_list_match(&opts->exclude, &addr);
}

static void expect_defaults_except_timeout(const struct module_options *opts)
{
	assert_string_equal(opts->store_path, RELAY_DEFAULT_STORE);
	assert_true(opts->exclude_valid);
	assert_int_equal(opts->exclude.count, 2);
	assert_true(excludes(opts, "127.0.0.1"));
	assert_true(excludes(opts, "::1"));
	assert_false(excludes(opts, "192.0.2.7"));
	assert_false(opts->debug);
	assert_false(opts->peer_from_stdin);
}

static void test_defaults(void **state)
{
	struct module_options opts;
	struct complaints seen;

	(void)state;
	parse(&opts, &seen, 0, NULL);
	assert_int_equal(seen.count, 0);
	expect_defaults_except_timeout(&opts);
	assert_int_equal(opts.timeout_ms, RELAY_TIMEOUT_DEFAULT_MS);
	assert_int_equal(RELAY_TIMEOUT_DEFAULT_MS, 250);
	assert_string_equal(RELAY_DEFAULT_STORE, "/var/lib/relayers/relayers.tdb");
}

static void test_each_option(void **state)
{
	const char *argv[] = {
		"db=/srv/relay/store.tdb",
		"exclude=192.0.2.0/24,2001:db8::/32",
		"timeout=1200",
		"debug",
		"stdin_peer",
	};
	struct module_options opts;
	struct complaints seen;

	(void)state;
	parse(&opts, &seen, 5, argv);
	assert_int_equal(seen.count, 0);
	assert_string_equal(opts.store_path, "/srv/relay/store.tdb");
	assert_ptr_equal(opts.store_path, argv[0] + 3);
	assert_true(opts.exclude_valid);
	assert_int_equal(opts.exclude.count, 2);
	assert_true(excludes(&opts, "192.0.2.99"));
	assert_true(excludes(&opts, "2001:db8:1::1"));
	/* The given list replaces the default one. */
	assert_false(excludes(&opts, "127.0.0.1"));
	assert_int_equal(opts.timeout_ms, 1200);
	assert_true(opts.debug);
	assert_true(opts.peer_from_stdin);
}

static void test_timeout_bounds(void **state)
{
	const char *lowest[] = { "timeout=1" };
	const char *highest[] = { "timeout=5000" };
	struct module_options opts;
	struct complaints seen;

	(void)state;
	parse(&opts, &seen, 1, lowest);
	assert_int_equal(seen.count, 0);
	assert_int_equal(opts.timeout_ms, 1);
	parse(&opts, &seen, 1, highest);
	assert_int_equal(seen.count, 0);
	assert_int_equal(opts.timeout_ms, RELAY_TIMEOUT_MAX_MS);
}

static void test_bad_timeouts_keep_default(void **state)
{
	static const char *const bad[] = {
		"timeout=0",
		"timeout=99999",
		"timeout=5001",
		"timeout=abc",
		"timeout=",
		"timeout=-5",
		"timeout=12ms",
		"timeout=4294967296",
		"timeout= 100",
	};
	struct module_options opts;
	struct complaints seen;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_refused(bad[i], &opts, &seen);
		assert_non_null(strstr(seen.last, bad[i]));
		assert_int_equal(opts.timeout_ms, RELAY_TIMEOUT_DEFAULT_MS);
		expect_defaults_except_timeout(&opts);
	}
}

static void test_empty_exclude_records_everything(void **state)
{
	const char *argv[] = { "exclude=" };
	struct module_options opts;
	struct complaints seen;

	(void)state;
	parse(&opts, &seen, 1, argv);
	assert_int_equal(seen.count, 0);
	assert_true(opts.exclude_valid);
	assert_int_equal(opts.exclude.count, 0);
	assert_false(excludes(&opts, "127.0.0.1"));
	assert_false(excludes(&opts, "::1"));
}

/* Recording an address the admin meant to exclude would make it a
 * relay, so a list that does not parse leaves exclude_valid false. */
static void test_malformed_exclude(void **state)
{
	static const char *const bad[] = {
		"exclude=webmail.example",
		"exclude=10.0.0.1/8",
		"exclude=192.0.2.0/24,,10.0.0.0/8",
		"exclude=10.0.0.0/33",
		"exclude=10.0.0.0/8 192.0.2.0/24",
	};
	struct module_options opts;
	struct complaints seen;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[] = { bad[i], "debug" };

		parse(&opts, &seen, 2, argv);
		if (seen.count != 1)
			fail_msg("\"%s\": %d complaints", bad[i], seen.count);
		assert_false(opts.exclude_valid);
		assert_non_null(strstr(seen.last, "exclude"));
		/* The other options still apply. */
		assert_true(opts.debug);
	}
}

static void test_unknown_option_named_and_escaped(void **state)
{
	const char *argv[] = { "nosuch=1", "debug" };
	const char *forged[] = { "evil\nNov 24 relayers: forged" };
	struct module_options opts;
	struct complaints seen;

	(void)state;
	parse(&opts, &seen, 2, argv);
	assert_int_equal(seen.count, 1);
	assert_non_null(strstr(seen.last, "nosuch=1"));
	assert_true(opts.debug);

	/* An option is admin-written, but it still reaches a log line. */
	parse(&opts, &seen, 1, forged);
	assert_int_equal(seen.count, 1);
	assert_null(strchr(seen.last, '\n'));
	assert_non_null(strstr(seen.last, "evil\\x0aNov 24"));

	/* Near misses are unknown, not taken for the real thing. */
	static const char *const near[] = {
		"DEBUG",
		"debug=1",
		"stdin_peer=yes",
		"db",
		"exclude",
		"timeout",
		"",
		" debug",
	};
	for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
		parse_refused(near[i], &opts, &seen);
		assert_false(opts.debug);
		assert_false(opts.peer_from_stdin);
	}
}

static void test_relative_db_refused(void **state)
{
	static const char *const bad[] = {
		"db=relayers.tdb",
		"db=",
		"db=./relayers.tdb",
		"db=~/x.tdb",
	};
	struct module_options opts;
	struct complaints seen;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_refused(bad[i], &opts, &seen);
		assert_non_null(strstr(seen.last, bad[i]));
		assert_string_equal(opts.store_path, RELAY_DEFAULT_STORE);
	}
}

static void test_null_entries_ignored(void **state)
{
	const char *argv[] = { NULL, "debug", NULL, "timeout=300", NULL };
	struct module_options opts;
	struct complaints seen;

	(void)state;
	parse(&opts, &seen, 5, argv);
	assert_int_equal(seen.count, 0);
	assert_true(opts.debug);
	assert_int_equal(opts.timeout_ms, 300);
}

static void test_later_option_wins(void **state)
{
	const char *argv[] = { "timeout=100", "timeout=200", "db=/a", "db=/b" };
	struct module_options opts;
	struct complaints seen;

	(void)state;
	parse(&opts, &seen, 4, argv);
	assert_int_equal(seen.count, 0);
	assert_int_equal(opts.timeout_ms, 200);
	assert_string_equal(opts.store_path, "/b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_each_option),
		cmocka_unit_test(test_timeout_bounds),
		cmocka_unit_test(test_bad_timeouts_keep_default),
		cmocka_unit_test(test_empty_exclude_records_everything),
		cmocka_unit_test(test_malformed_exclude),
		cmocka_unit_test(test_unknown_option_named_and_escaped),
		cmocka_unit_test(test_relative_db_refused),
		cmocka_unit_test(test_null_entries_ignored),
		cmocka_unit_test(test_later_option_wins),
	};

	return UNIT_RUN("options", tests, NULL, NULL);
}
