/* The guard and the owner records through the real libpam and module
 * (pam_start_confdir, no preload), with the module's syslog lines read
 * from a private /dev/log: in a private mount namespace, a tmpfs /dev
 * holds a datagram socket of our own (as tests/hostile/log_safety.c).
 * Needs root (unshare). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bookkeeping.h"
#include "stamp.h"
#include "store_probe.h"

#define PAM_MODULE_DIR "/usr/lib/x86_64-linux-gnu/security"
/* LOG_AUTHPRIV | LOG_WARNING, as pam_syslog sends it. */
#define WARNING_PRI "<84>"

static char dir[] = "/tmp/relayers-guard.XXXXXX";
static char store_path[256];
static char *build;
static int log_socket = -1;

static bool make_private_dev_log(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	static const struct {
		const char *path;
		unsigned minor;
	} nodes[] = {
		{ "/dev/null", 3 },
		{ "/dev/zero", 5 },
		{ "/dev/urandom", 9 },
	};

	if (unshare(CLONE_NEWNS) != 0 ||
	    /* The type is ignored for a propagation change; valgrind wants one. */
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", "/dev", "tmpfs", 0, "mode=0755") != 0)
		return false;
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (mknod(nodes[i].path, S_IFCHR | 0666,
			  makedev(1, nodes[i].minor)) != 0)
			return false;
	strcpy(addr.sun_path, "/dev/log");
	log_socket = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return log_socket >= 0 &&
	       bind(log_socket, (struct sockaddr *)&addr, sizeof(addr)) == 0;
}

/* A service whose auth admits any user (hostile names reach the module)
 * and whose account stack lists the module with args. */
static void write_service(const char *name, const char *args)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "auth     required %s/pam_permit.so\n"
		   "account  required %s/pam_permit.so\n"
		   "account  optional %s/pam_relayers.so db=%s exclude= %s\n",
		PAM_MODULE_DIR, PAM_MODULE_DIR, build, store_path, args);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	/* PAM loads modules by absolute path only. */
	build = realpath(getenv("RELAYERS_BUILD") ? getenv("RELAYERS_BUILD") : "build",
			 NULL);
	if (build == NULL || mkdtemp(dir) == NULL)
		return -1;
	snprintf(store_path, sizeof(store_path), "%s/relayers.tdb", dir);
	write_service("guard3", "max_addrs=3 max_addrs_minutes=60");
	write_service("guard_off", "max_addrs=0");
	write_service("guard_default", "");
	write_service("other", "");
	return make_private_dev_log() ? 0 : -1;
}

static int teardown(void **state)
{
	char command[200];

	(void)state;
	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	return system(command) == 0 ? 0 : -1;
}

static int answer_nothing(int count, const struct pam_message **messages,
			  struct pam_response **responses, void *appdata)
{
	(void)messages;
	(void)appdata;
	*responses = calloc((size_t)count, sizeof(**responses));
	return *responses != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
}

static int login(const char *service, const char *user, const char *rhost)
{
	struct pam_conv conv = { answer_nothing, NULL };
	pam_handle_t *pamh = NULL;
	int rc = pam_start_confdir(service, user, &conv, dir, &pamh);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_set_item(pamh, PAM_RHOST, rhost);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

/* Warnings read off the log socket since the last warnings() call.  The
 * socket is drained after every login: a datagram queue holds few. */
static int warning_count;
static char last_warning[1024];

static void drain_log(void)
{
	char msg[8192];
	ssize_t len;

	while ((len = recv(log_socket, msg, sizeof(msg) - 1, MSG_DONTWAIT)) > 0) {
		msg[len] = '\0';
		if (strstr(msg, "relay refused for") == NULL)
			continue;
		assert_memory_equal(msg, WARNING_PRI, strlen(WARNING_PRI));
		warning_count++;
		snprintf(last_warning, sizeof(last_warning), "%s",
			 strstr(msg, "pam_relayers("));
	}
}

static void login_ok(const char *service, const char *user, const char *rhost)
{
	assert_int_equal(login(service, user, rhost), PAM_SUCCESS);
	drain_log();
}

/* One login in a process of its own: 0 if it succeeded. */
static int login_in_child(const char *service, const char *user,
			  const char *rhost)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(login(service, user, rhost) == PAM_SUCCESS ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int reset(void **state)
{
	char msg[8192];

	(void)state;
	unlink(store_path);
	while (recv(log_socket, msg, sizeof(msg), MSG_DONTWAIT) > 0)
		;
	warning_count = 0;
	return 0;
}

/* The warnings since the last call; *last gets the last one. */
static int warnings(char *last, size_t size)
{
	int count;

	drain_log();
	count = warning_count;
	warning_count = 0;
	if (last != NULL)
		snprintf(last, size, "%s", last_warning);
	return count;
}

/* The store is read, and revoked from, by store-tool in another
 * process: the module keeps it open in this one (store_probe.h). */

/* The owner of text's entry: "user\tservice", "" if it has no entry. */
static void owner_of(const char *text, char *out, size_t size)
{
	if (store_probe("owner", store_path, text, out, size) != 0)
		out[0] = '\0';
}

static bool recorded(const char *text, int64_t *stamp)
{
	char out[64];

	if (store_probe("get", store_path, text, out, sizeof(out)) != 0)
		return false;
	if (stamp != NULL)
		*stamp = strtoll(out, NULL, 10);
	return true;
}

static unsigned long revoke_user(const char *user)
{
	char out[64];

	assert_int_equal(store_probe("revoke", store_path, user, out, sizeof(out)), 0);
	return strtoul(out, NULL, 10);
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void run(const char *fmt, ...)
{
	char command[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(command, sizeof(command), fmt, ap);
	va_end(ap);
	assert_int_equal(system(command), 0);
}

static void n_recorded_then_refused_with_one_warning(void **state)
{
	char line[1024];

	(void)state;
	login_ok("guard3", "alice", "192.0.2.1");
	login_ok("guard3", "alice", "192.0.2.2");
	login_ok("guard3", "alice", "2001:db8::3");
	assert_int_equal(warnings(NULL, 0), 0);
	assert_true(recorded("192.0.2.1", NULL));
	assert_true(recorded("2001:db8::3", NULL));
	/* The fourth address: the login succeeds, nothing is recorded. */
	login_ok("guard3", "alice", "192.0.2.4");
	assert_false(recorded("192.0.2.4", NULL));
	assert_int_equal(warnings(line, sizeof(line)), 1);
	assert_string_equal(line,
			    "pam_relayers(guard3:account): relay refused for 192.0.2.4: "
			    "user \"alice\", service guard3, 3 addresses in 60 minutes "
			    "(max_addrs=3)");
	/* A botnet's next logins: refused, and not logged again within the
	 * minute (the time is kept in the account's record, and the module
	 * is unloaded after every login, so nothing in memory helps). */
	login_ok("guard3", "alice", "192.0.2.5");
	login_ok("guard3", "alice", "192.0.2.6");
	assert_false(recorded("192.0.2.5", NULL));
	assert_int_equal(warnings(NULL, 0), 0);
	/* Nor from another process. */
	assert_int_equal(login_in_child("guard3", "alice", "192.0.2.8"), 0);
	assert_false(recorded("192.0.2.8", NULL));
	assert_int_equal(warnings(NULL, 0), 0);
	/* Other accounts are not held back. */
	login_ok("guard3", "bob", "192.0.2.5");
	assert_true(recorded("192.0.2.5", NULL));
	owner_of("192.0.2.5", line, sizeof(line));
	assert_string_equal(line, "bob\tguard3");
	/* A minute later, the next refusal warns again. */
	run("%s/tests/store-tool age %s alice 61", build, store_path);
	login_ok("guard3", "alice", "192.0.2.7");
	assert_int_equal(warnings(line, sizeof(line)), 1);
	assert_non_null(strstr(line, "relay refused for 192.0.2.7: user \"alice\""));
}

static void held_address_refreshes_past_the_limit(void **state)
{
	int64_t stamp = 0;

	(void)state;
	login_ok("guard3", "alice", "192.0.2.1");
	login_ok("guard3", "alice", "192.0.2.2");
	login_ok("guard3", "alice", "192.0.2.3");
	login_ok("guard3", "alice", "192.0.2.4");
	assert_false(recorded("192.0.2.4", NULL));
	run("%s/vsmtprelay -f %s add 192.0.2.1 1000", build, store_path);
	login_ok("guard3", "alice", "192.0.2.1");
	assert_true(recorded("192.0.2.1", &stamp));
	assert_true(stamp >= time(NULL) - 5);
	assert_int_equal(warnings(NULL, 0), 1); /* only the one refusal */
}

static void window_slides(void **state)
{
	(void)state;
	login_ok("guard3", "alice", "192.0.2.1");
	login_ok("guard3", "alice", "192.0.2.2");
	login_ok("guard3", "alice", "192.0.2.3");
	/* 59 minutes later the three still count ... */
	run("%s/tests/store-tool age %s alice %d", build, store_path, 59 * 60);
	login_ok("guard3", "alice", "192.0.2.4");
	assert_false(recorded("192.0.2.4", NULL));
	/* ... 61 minutes later they no longer do. */
	run("%s/tests/store-tool age %s alice %d", build, store_path, 2 * 60);
	login_ok("guard3", "alice", "192.0.2.4");
	assert_true(recorded("192.0.2.4", NULL));
	/* One new address in the window now, so two more fit and no more. */
	login_ok("guard3", "alice", "192.0.2.5");
	login_ok("guard3", "alice", "192.0.2.6");
	login_ok("guard3", "alice", "192.0.2.7");
	assert_true(recorded("192.0.2.6", NULL));
	assert_false(recorded("192.0.2.7", NULL));
	/* The addresses that left the window are still relays until expire. */
	assert_true(recorded("192.0.2.1", NULL));
}

static void max_addrs_zero_turns_the_guard_off(void **state)
{
	char text[64], owner[256];

	(void)state;
	for (int i = 1; i <= 40; i++) {
		snprintf(text, sizeof(text), "198.51.100.%d", i);
		login_ok("guard_off", "alice", text);
	}
	for (int i = 1; i <= 40; i++) {
		snprintf(text, sizeof(text), "198.51.100.%d", i);
		assert_true(recorded(text, NULL));
	}
	owner_of("198.51.100.40", owner, sizeof(owner));
	assert_string_equal(owner, "alice\tguard_off");
	assert_int_equal(warnings(NULL, 0), 0);
}

static void default_limit_is_twenty_an_hour(void **state)
{
	char text[64], line[1024];

	(void)state;
	for (int i = 1; i <= 21; i++) {
		snprintf(text, sizeof(text), "198.51.100.%d", i);
		login_ok("guard_default", "carol", text);
	}
	assert_true(recorded("198.51.100.20", NULL));
	assert_false(recorded("198.51.100.21", NULL));
	assert_int_equal(warnings(line, sizeof(line)), 1);
	assert_non_null(strstr(line, "20 addresses in 60 minutes (max_addrs=20)"));
}

static void wave1_store_works_unchanged(void **state)
{
	char owner[256];

	(void)state;
	/* vsmtprelay add writes what wave 1 wrote: the marker and entries. */
	run("%s/vsmtprelay -f %s add 192.0.2.50 1700000000", build, store_path);
	run("%s/vsmtprelay -f %s add 192.0.2.51 1700000001", build, store_path);
	run("test \"$(%s/tests/store-tool keys %s | sort | tr '\\n' ' ')\" = "
	    "'192.0.2.50 192.0.2.51 relayers:store '",
	    build, store_path);
	login_ok("guard3", "alice", "192.0.2.52");
	login_ok("guard3", "alice", "192.0.2.50");
	owner_of("192.0.2.51", owner, sizeof(owner));
	assert_string_equal(owner, "-\t-");
	owner_of("192.0.2.50", owner, sizeof(owner));
	assert_string_equal(owner, "alice\tguard3");
	/* dump still prints addresses and times only. */
	run("test \"$(%s/vsmtprelay -f %s dump | grep -c -v '^[0-9.]*\t[0-9]*$')\" = 0",
	    build, store_path);
}

struct hostile_case {
	const char *user;
	const char *rhost;
};

static void hostile_user_names(void **state)
{
	static char long_a[10240], long_b[10240];
	const struct hostile_case cases[] = {
		{ "tab\tuser", "203.0.113.1" },
		{ "back\\x41slash", "203.0.113.2" },
		{ "quote\"user\" root", "203.0.113.3" },
		{ "203.0.113.99", "203.0.113.4" }, /* looks like an address */
		{ "relayers:acct:alice", "203.0.113.5" },
		{ "relayers:by:203.0.113.1", "203.0.113.6" },
		{ "relayers:store", "203.0.113.7" },
		{ "-", "203.0.113.8" },
		{ "\x1b[2J\x7f\xff\r", "203.0.113.9" },
		{ long_a, "203.0.113.10" },
		{ long_b, "203.0.113.11" }, /* differs at the end */
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);

	(void)state;
	memset(long_a, 'x', sizeof(long_a) - 1);
	memcpy(long_b, long_a, sizeof(long_b));
	long_b[sizeof(long_b) - 2] = 'y';
	/* alice at her limit first: no name below may move it. */
	login_ok("guard3", "alice", "192.0.2.1");
	login_ok("guard3", "alice", "192.0.2.2");
	login_ok("guard3", "alice", "192.0.2.3");
	for (size_t i = 0; i < n; i++)
		login_ok("guard3", cases[i].user, cases[i].rhost);
	for (size_t i = 0; i < n; i++)
		assert_true(recorded(cases[i].rhost, NULL));
	assert_false(recorded("203.0.113.99", NULL));
	/* Every who line: four fields, printable, nothing split. */
	run("%s/vsmtprelay -f %s who > %s/who && test $(wc -l < %s/who) = %zu && "
	    "test $(awk -F'\\t' 'NF != 4' %s/who | wc -l) = 0 && "
	    "! LC_ALL=C grep -q '[^[:print:]\t]' %s/who",
	    build, store_path, dir, dir, n + 3, dir, dir);
	run("grep -q '^203.0.113.1\t[0-9]*\ttab\\\\x09user\tguard3$' %s/who", dir);
	run("grep -q '^203.0.113.8\t[0-9]*\t\\\\x2d\tguard3$' %s/who", dir);
	run("%s/vsmtprelay -f %s check | grep -q 'ok, %zu entries$'", build,
	    store_path, n + 3);
	/* Each name revokes exactly its own address; alice keeps hers. */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(revoke_user(cases[i].user), 1);
	assert_int_equal(revoke_user("alice"), 3);
	for (size_t i = 0; i < n; i++)
		assert_false(recorded(cases[i].rhost, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(n_recorded_then_refused_with_one_warning, reset),
		cmocka_unit_test_setup(held_address_refreshes_past_the_limit, reset),
		cmocka_unit_test_setup(window_slides, reset),
		cmocka_unit_test_setup(max_addrs_zero_turns_the_guard_off, reset),
		cmocka_unit_test_setup(default_limit_is_twenty_an_hour, reset),
		cmocka_unit_test_setup(wave1_store_works_unchanged, reset),
		cmocka_unit_test_setup(hostile_user_names, reset),
	};

	return cmocka_run_group_tests_name("pam-guard", tests, setup, teardown);
}
