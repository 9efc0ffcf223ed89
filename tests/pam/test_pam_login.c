/* Logins through the real libpam, under pam_wrapper, with pam_matrix in
 * place of real passwords: what pam_relayers records, and that it never
 * changes a login's outcome.  run.sh prepares the service files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpamtest.h>

#include "store.h"
#include "store_probe.h"

static const char *tmp_dir;

static void tmp_path(char *out, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", tmp_dir, name);
}

static int remove_store(void **state)
{
	char path[PATH_MAX];

	(void)state;
	tmp_path(path, "store.tdb");
	unlink(path);
	tmp_path(path, "other.tdb");
	unlink(path);
	return 0;
}

/* Logs alice in with password through service; rhost NULL leaves
 * PAM_RHOST unset.  Returns the PAM result of the last step run. */
static int login(const char *service, const char *password, const char *rhost)
{
	const char *answers[] = { password, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = answers };
	struct pam_testcase steps[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};
	enum pamtest_err err;

	if (rhost != NULL)
		setenv("PAM_RHOST", rhost, 1);
	else
		unsetenv("PAM_RHOST");
	err = run_pamtest(service, "alice", &conv, steps, NULL);
	if (err == PAMTEST_ERR_CASE)
		return pamtest_failed_case(steps)
			->op_rv;
	return err == PAMTEST_ERR_OK ? PAM_SUCCESS : PAM_SYSTEM_ERR;
}

/* The stored time for text in the store at name, or -1 for none: read
 * from another process, since the module keeps the store open in this
 * one (store_probe.h). */
static int64_t stored(const char *name, const char *text)
{
	char path[PATH_MAX], out[64];

	tmp_path(path, name);
	if (store_probe("get", path, text, out, sizeof(out)) != 0)
		return -1;
	return strtoll(out, NULL, 10);
}

static void login_records_address_with_current_time(void **state)
{
	time_t before = time(NULL), after;
	struct stat st;
	char path[PATH_MAX];

	(void)state;
	assert_int_equal(login("relay", "secret", "192.0.2.10"), PAM_SUCCESS);
	after = time(NULL);
	assert_in_range(stored("store.tdb", "192.0.2.10"), before, after);
	tmp_path(path, "store.tdb");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void second_login_refreshes_time(void **state)
{
	char path[PATH_MAX];
	char cmd[PATH_MAX + 64];

	(void)state;
	assert_int_equal(login("relay", "secret", "192.0.2.11"), PAM_SUCCESS);
	tmp_path(path, "store.tdb");
	/* Age the entry, then log in again: the time must move forward. */
	snprintf(cmd, sizeof(cmd), "%s/vsmtprelay -f %s add 192.0.2.11 1000",
		 getenv("RELAYERS_BUILD"), path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(stored("store.tdb", "192.0.2.11"), 1000);
	assert_int_equal(login("relay", "secret", "192.0.2.11"), PAM_SUCCESS);
	assert_true(stored("store.tdb", "192.0.2.11") >= time(NULL) - 5);
}

static void wrong_password_records_nothing(void **state)
{
	(void)state;
	assert_int_equal(login("relay", "wrong", "192.0.2.12"), PAM_AUTH_ERR);
	assert_int_equal(stored("store.tdb", "192.0.2.12"), -1);
}

static void module_in_auth_stack_ignores_failed_password(void **state)
{
	(void)state;
	assert_int_equal(login("relay_auth", "wrong", "192.0.2.13"), PAM_AUTH_ERR);
	assert_int_equal(stored("store.tdb", "192.0.2.13"), -1);
	assert_int_equal(login("relay_auth", "secret", "192.0.2.13"), PAM_SUCCESS);
	assert_true(stored("store.tdb", "192.0.2.13") > 0);
}

static void authenticate_and_setcred_never_record(void **state)
{
	const char *answers[] = { "secret", NULL };
	struct pamtest_conv_data conv = { .in_echo_off = answers };
	struct pam_testcase steps[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_SETCRED, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};

	(void)state;
	setenv("PAM_RHOST", "192.0.2.14", 1);
	assert_int_equal(run_pamtest("relay_authonly", "alice", &conv, steps, NULL),
			 PAMTEST_ERR_OK);
	assert_int_equal(stored("store.tdb", "192.0.2.14"), -1);
}

static void open_session_records(void **state)
{
	(void)state;
	assert_int_equal(login("relay_session", "secret", "192.0.2.15"),
			 PAM_SUCCESS);
	assert_true(stored("store.tdb", "192.0.2.15") > 0);
}

struct rhost_case {
	const char *rhost; /* as the server sets it */
	const char *key;   /* what must be stored, NULL for nothing */
};

static const struct rhost_case rhost_cases[] = {
	{ "198.51.100.1", "198.51.100.1" },
	{ "::ffff:198.51.100.2", "198.51.100.2" }, /* Courier, UW */
	{ "::FFFF:198.51.100.3", "198.51.100.3" },
	{ "2001:DB8::4", "2001:db8::4" },
	{ "2001:0db8:0000:0000:0000:0000:0000:0005", "2001:db8::5" },
	{ "fe80::6%eth0", "fe80::6" }, /* UW, scoped */
	{ "[2001:db8::7]", "2001:db8::7" },
	{ "IPv6:2001:db8:0:0:0:0:0:8", "2001:db8::8" }, /* sendmail's form */
	{ "UNKNOWN", NULL },				/* UW, no socket */
	{ "NON-IP", NULL },				/* UW, other family */
	{ "mail.example.com", NULL },			/* never resolved */
	{ "", NULL },
	{ "198.51.100.9\n198.51.100.10", NULL },
	{ " 198.51.100.11", NULL },
	{ "198.51.100.12;rm -rf /", NULL },
	{ "%s%n%s%n", NULL },
	{ "010.1.1.1", NULL },
	{ "127.1", NULL },
};

static void rhost_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rhost_cases) / sizeof(rhost_cases[0]); i++) {
		const struct rhost_case *c = &rhost_cases[i];

		remove_store(NULL);
		assert_int_equal(login("relay", "secret", c->rhost), PAM_SUCCESS);
		if (c->key != NULL) {
			assert_true(stored("store.tdb", c->key) > 0);
		} else {
			char path[PATH_MAX];
			struct stat st;

			/* Nothing recorded: the store was not even created. */
			tmp_path(path, "store.tdb");
			assert_int_equal(stat(path, &st), -1);
		}
	}
}

static void overlong_rhost_records_nothing(void **state)
{
	char rhost[4096];

	(void)state;
	memset(rhost, '1', sizeof(rhost) - 1);
	rhost[sizeof(rhost) - 1] = '\0';
	assert_int_equal(login("relay", "secret", rhost), PAM_SUCCESS);
	assert_int_equal(login("relay", "secret", NULL), PAM_SUCCESS);
	char path[PATH_MAX];
	struct stat st;
	tmp_path(path, "store.tdb");
	assert_int_equal(stat(path, &st), -1);
}

static void loopback_excluded_by_default(void **state)
{
	(void)state;
	assert_int_equal(login("relay", "secret", "127.0.0.5"), PAM_SUCCESS);
	assert_int_equal(login("relay", "secret", "::1"), PAM_SUCCESS);
	assert_int_equal(login("relay", "secret", "::ffff:127.0.0.6"), PAM_SUCCESS);
	assert_int_equal(login("relay", "secret", "192.0.2.16"), PAM_SUCCESS);
	assert_int_equal(stored("store.tdb", "127.0.0.5"), -1);
	assert_int_equal(stored("store.tdb", "::1"), -1);
	assert_int_equal(stored("store.tdb", "127.0.0.6"), -1);
	assert_true(stored("store.tdb", "192.0.2.16") > 0);
}

static void empty_exclude_records_loopback(void **state)
{
	(void)state;
	assert_int_equal(login("relay_noexclude", "secret", "127.0.0.5"),
			 PAM_SUCCESS);
	assert_int_equal(login("relay_noexclude", "secret", "::1"), PAM_SUCCESS);
	assert_true(stored("store.tdb", "127.0.0.5") > 0);
	assert_true(stored("store.tdb", "::1") > 0);
}

static void exclude_list_is_honoured(void **state)
{
	(void)state;
	assert_int_equal(login("relay_exclude", "secret", "192.0.2.77"), PAM_SUCCESS);
	assert_int_equal(login("relay_exclude", "secret", "2001:db8:1::1"),
			 PAM_SUCCESS);
	assert_int_equal(login("relay_exclude", "secret", "198.51.100.77"),
			 PAM_SUCCESS);
	assert_int_equal(login("relay_exclude", "secret", "127.0.0.7"),
			 PAM_SUCCESS);
	assert_int_equal(stored("store.tdb", "192.0.2.77"), -1);
	assert_int_equal(stored("store.tdb", "2001:db8:1::1"), -1);
	assert_true(stored("store.tdb", "198.51.100.77") > 0);
	/* An explicit list replaces the default one. */
	assert_true(stored("store.tdb", "127.0.0.7") > 0);
}

static void malformed_exclude_records_nothing(void **state)
{
	(void)state;
	assert_int_equal(login("relay_badexclude", "secret", "198.51.100.78"),
			 PAM_SUCCESS);
	assert_int_equal(stored("store.tdb", "198.51.100.78"), -1);
}

static void bad_options_keep_login_and_defaults(void **state)
{
	(void)state;
	assert_int_equal(login("relay_badopts", "secret", "198.51.100.79"),
			 PAM_SUCCESS);
	assert_true(stored("store.tdb", "198.51.100.79") > 0);
}

static void missing_directory_is_not_created(void **state)
{
	char path[PATH_MAX];
	struct stat st;

	(void)state;
	assert_int_equal(login("relay_nodir", "secret", "198.51.100.80"),
			 PAM_SUCCESS);
	tmp_path(path, "no-such-dir");
	assert_int_equal(stat(path, &st), -1);
}

/* Writes bytes to other.tdb with mode, logs in, and checks that the
 * login succeeded and the file is exactly as it was. */
static void assert_login_leaves_file(const void *bytes, size_t len, mode_t mode)
{
	char path[PATH_MAX], *after = malloc(len + 1);
	FILE *f;

	tmp_path(path, "other.tdb");
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	assert_int_equal(login("relay_other_store", "secret", "198.51.100.81"),
			 PAM_SUCCESS);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(after, 1, len + 1, f), len);
	fclose(f);
	assert_memory_equal(after, bytes, len);
	free(after);
}

static void foreign_file_left_untouched(void **state)
{
	static const char text[] = "192.0.2.1 1700000000\nnot a tdb at all\n";

	(void)state;
	assert_login_leaves_file(text, sizeof(text) - 1, 0600);
	assert_login_leaves_file("", 0, 0600);
}

static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *bytes;
	long size;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	bytes = malloc((size_t)size + 1);
	assert_int_equal(fread(bytes, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return bytes;
}

/* A real relay store, made by vsmtprelay, then spoiled by spoil(). */
static char *relay_store_bytes(size_t *len)
{
	char path[PATH_MAX], cmd[PATH_MAX + 80];
	char *bytes;

	tmp_path(path, "template.tdb");
	unlink(path);
	snprintf(cmd, sizeof(cmd), "%s/vsmtprelay -f %s add 192.0.2.99",
		 getenv("RELAYERS_BUILD"), path);
	assert_int_equal(system(cmd), 0);
	bytes = read_whole(path, len);
	unlink(path);
	return bytes;
}

static void corrupt_store_left_untouched(void **state)
{
	size_t len;
	char *bytes = relay_store_bytes(&len);

	(void)state;
	/* Keep the header, wreck the hash table and records. */
	for (size_t i = 168; i < len; i += 7)
		bytes[i] = (char)0xa5;
	assert_login_leaves_file(bytes, len, 0600);
	/* Truncated to its header. */
	assert_login_leaves_file(bytes, 160, 0600);
	free(bytes);
}

static void insecure_store_left_untouched(void **state)
{
	size_t len;
	char *bytes = relay_store_bytes(&len);

	(void)state;
	assert_login_leaves_file(bytes, len, 0666);
	assert_login_leaves_file(bytes, len, 0620);
	free(bytes);
}

static void symlinked_store_not_followed(void **state)
{
	char link_path[PATH_MAX], target[PATH_MAX];
	static const char text[] = "precious\n";
	char buf[sizeof(text)];
	FILE *f;

	(void)state;
	tmp_path(target, "precious.txt");
	tmp_path(link_path, "other.tdb");
	f = fopen(target, "w");
	fputs(text, f);
	fclose(f);
	unlink(link_path);
	assert_int_equal(symlink(target, link_path), 0);
	assert_int_equal(login("relay_other_store", "secret", "198.51.100.82"),
			 PAM_SUCCESS);
	f = fopen(target, "r");
	assert_int_equal(fread(buf, 1, sizeof(buf), f), sizeof(text) - 1);
	fclose(f);
	assert_memory_equal(buf, text, sizeof(text) - 1);
	unlink(link_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(login_records_address_with_current_time, remove_store),
		cmocka_unit_test_setup(second_login_refreshes_time, remove_store),
		cmocka_unit_test_setup(wrong_password_records_nothing, remove_store),
		cmocka_unit_test_setup(module_in_auth_stack_ignores_failed_password, remove_store),
		cmocka_unit_test_setup(authenticate_and_setcred_never_record, remove_store),
		cmocka_unit_test_setup(open_session_records, remove_store),
		cmocka_unit_test_setup(rhost_forms, remove_store),
		cmocka_unit_test_setup(overlong_rhost_records_nothing, remove_store),
		cmocka_unit_test_setup(loopback_excluded_by_default, remove_store),
		cmocka_unit_test_setup(empty_exclude_records_loopback, remove_store),
		cmocka_unit_test_setup(exclude_list_is_honoured, remove_store),
		cmocka_unit_test_setup(malformed_exclude_records_nothing, remove_store),
		cmocka_unit_test_setup(bad_options_keep_login_and_defaults, remove_store),
		cmocka_unit_test_setup(missing_directory_is_not_created, remove_store),
		cmocka_unit_test_setup(foreign_file_left_untouched, remove_store),
		cmocka_unit_test_setup(corrupt_store_left_untouched, remove_store),
		cmocka_unit_test_setup(insecure_store_left_untouched, remove_store),
		cmocka_unit_test_setup(symlinked_store_not_followed, remove_store),
	};

	tmp_dir = getenv("RELAYERS_TEST_TMP");
	if (tmp_dir == NULL || getenv("RELAYERS_BUILD") == NULL) {
		fprintf(stderr, "run me through tests/pam/run.sh\n");
		return 2;
	}
	return cmocka_run_group_tests_name("pam", tests, NULL, NULL);
}
