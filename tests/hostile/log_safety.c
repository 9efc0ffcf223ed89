/* Log safety: what a client controls (PAM_RHOST, PAM_USER) can neither
 * split nor forge a syslog line.  The test runs the real module through
 * pam_start_confdir and reads what it sends to /dev/log: in a private
 * mount namespace, a tmpfs /dev holds a datagram socket of our own.
 * Needs root (unshare); skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
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
#include <unistd.h>

#include "pam_login.h"

#define PAM_MODULE_DIR "/usr/lib/x86_64-linux-gnu/security"

static char dir[] = "/tmp/relayers-log.XXXXXX";
static int log_socket = -1;

struct log_case {
	const char *user;
	const char *rhost;
	bool recorded;
};

static const struct log_case cases[] = {
	{ "alice", "192.0.2.1", true },
	{ "alice\nJan  1 00:00:00 mail pam_relayers: relay allowed for 6.6.6.6",
	  "192.0.2.2", true },
	{ "bob\r\nforged", "192.0.2.3", true },
	{ "carol\"\\ user \"root", "192.0.2.4", true },
	{ "%s%n%x\x1b[2J\x7f\xff", "192.0.2.5", true },
	{ "dave", "192.0.2.6\nJan  1 00:00:00 mail sshd: forged", false },
	{ "dave", "\x1b]0;pwned\x07", false },
	{ "dave", "%n%n%n%s%s", false },
};

/* Bytes a syslog datagram may carry: printable ASCII only. */
static void assert_one_clean_line(const char *msg, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c < 0x20 || c >= 0x7f)
			fail_msg("byte 0x%02x at %zu in log line: %.*s", c, i,
				 (int)len, msg);
	}
}

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
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
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

static int setup(void **state)
{
	const char *build = getenv("RELAYERS_BUILD");
	char path[4200];
	FILE *f;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, PAM_LOGIN_SERVICE);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	/* pam_permit admits any user name, so hostile ones reach the module. */
	fprintf(f, "auth     required %s/pam_permit.so\n"
		   "account  required %s/pam_permit.so\n"
		   "account  optional %s/pam_relayers.so db=%s/relayers.tdb exclude=\n",
		PAM_MODULE_DIR, PAM_MODULE_DIR, build != NULL ? build : "build", dir);
	if (fclose(f) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/other", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "auth required %s/pam_deny.so\n", PAM_MODULE_DIR);
	return fclose(f) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char command[200];

	(void)state;
	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	return system(command) == 0 ? 0 : -1;
}

/* Reads every datagram waiting; returns how many said "relay allowed". */
static int drain_log(void)
{
	char msg[8192];
	int allowed = 0;
	ssize_t len;

	while ((len = recv(log_socket, msg, sizeof(msg) - 1, MSG_DONTWAIT)) > 0) {
		msg[len] = '\0';
		assert_one_clean_line(msg, (size_t)len);
		if (strstr(msg, "pam_relayers(") != NULL &&
		    strstr(msg, "relay allowed for") != NULL)
			allowed++;
		/* A forged line would begin a datagram with its own header. */
		assert_null(strstr(msg, "\nJan"));
		print_message("logged: %s\n", msg);
	}
	return allowed;
}

static void hostile_text_never_splits_a_log_line(void **state)
{
	(void)state;
	if (!make_private_dev_log())
		skip();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(pam_login_run(dir, cases[i].user, "any",
					       cases[i].rhost),
				 PAM_SUCCESS);
		usleep(10000);
		/* Exactly one audit line per recorded login, none otherwise. */
		assert_int_equal(drain_log(), cases[i].recorded ? 1 : 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hostile_text_never_splits_a_log_line),
	};

	return cmocka_run_group_tests_name("hostile-log", tests, setup, teardown);
}
