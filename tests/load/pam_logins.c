/* pam-logins: many real PAM logins in one process, each from its own
 * client address, for the load, crash, lock and hostile-store suites.
 *
 *   pam-logins -d CONFDIR [-m MODULE -a ARGS] [-r RHOST | -w FILE]... \
 *              [-n COUNT [-b FIRST] [-6]] [-v STORE] [-l LIMIT_MS]
 *
 * -r logs in at once, in the order given; -w waits (up to 30 s) until
 * FILE exists before going on, so that a test can change the store
 * between one process's logins, the later ones through the handle the
 * module kept open.
 *
 * -m writes the service files first.  Addresses for -n are 10.x.y.z
 * (or 2001:db8::x:y with -6) numbered from FIRST, so that processes
 * given disjoint ranges never share one.  After each login the address
 * is printed as "ADDR ok" in a single write, so a SIGKILL never leaves
 * half a line; with -v the line is printed only once the address is read
 * back from STORE, so it lists exactly the writes that are known to have
 * succeeded.  Exits 1 if any login failed or (with -l) took longer than
 * LIMIT_MS; prints the count and the slowest login's time on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "pam_login.h"

struct run {
	const char *confdir;
	const char *verify_store;
	long limit_ms;
	long slowest_ms;
	unsigned failed;
	unsigned done;
};

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void one_login(struct run *run, const char *rhost)
{
	struct timespec start;
	char line[256];
	long took;
	int rc, len;

	clock_gettime(CLOCK_MONOTONIC, &start);
	rc = pam_login_run(run->confdir, PAM_LOGIN_USER, PAM_LOGIN_PASSWORD,
			   rhost);
	took = elapsed_ms(&start);
	if (took > run->slowest_ms)
		run->slowest_ms = took;
	run->done++;
	if (rc != PAM_SUCCESS || (run->limit_ms > 0 && took > run->limit_ms)) {
		fprintf(stderr, "pam-logins: %s: %s after %ld ms\n", rhost,
			pam_strerror(NULL, rc), took);
		run->failed++;
		return;
	}
	if (run->verify_store != NULL && !pam_login_recorded(run->verify_store, rhost, NULL))
		return;
	len = snprintf(line, sizeof(line), "%s ok\n", rhost);
	if (write(1, line, (size_t)len) != len)
		run->failed++;
}

static bool wait_for_file(const char *path)
{
	struct timespec pause = { 0, 10000000 };

	for (int i = 0; i < 3000; i++) {
		if (access(path, F_OK) == 0)
			return true;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "pam-logins: %s never appeared\n", path);
	return false;
}

static void numbered_address(unsigned long n, bool v6, char *out, size_t len)
{
	if (v6)
		snprintf(out, len, "2001:db8::%lx:%lx", (n >> 16) & 0xffff,
			 n & 0xffff);
	else
		snprintf(out, len, "10.%lu.%lu.%lu", (n >> 16) & 0xff,
			 (n >> 8) & 0xff, n & 0xff);
}

int main(int argc, char **argv)
{
	struct run run = { 0 };
	const char *module = NULL, *module_args = "";
	unsigned long count = 0, first = 0;
	bool v6 = false;
	int opt;

	while ((opt = getopt(argc, argv, "d:m:a:r:w:n:b:6v:l:")) != -1) {
		switch (opt) {
		case 'd': run.confdir = optarg; break;
		case 'm': module = optarg; break;
		case 'a': module_args = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'b': first = strtoul(optarg, NULL, 10); break;
		case '6': v6 = true; break;
		case 'v': run.verify_store = optarg; break;
		case 'l': run.limit_ms = atol(optarg); break;
		case 'w':
			if (!wait_for_file(optarg))
				return 1;
			break;
		case 'r':
			if (run.confdir == NULL)
				goto usage;
			if (module != NULL &&
			    !pam_login_write_stack(run.confdir, module, module_args))
				return 2;
			module = NULL;
			one_login(&run, optarg);
			break;
		default: goto usage;
		}
	}
	if (run.confdir == NULL || optind != argc)
		goto usage;
	if (module != NULL && !pam_login_write_stack(run.confdir, module, module_args))
		return 2;
	for (unsigned long i = 0; i < count; i++) {
		char rhost[64];

		numbered_address(first + i, v6, rhost, sizeof(rhost));
		one_login(&run, rhost);
	}
	fprintf(stderr, "pam-logins: %u logins, %u failed, slowest %ld ms\n",
		run.done, run.failed, run.slowest_ms);
	return run.failed == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: pam-logins -d CONFDIR [-m MODULE -a ARGS] "
			"[-r RHOST | -w FILE]... [-n COUNT [-b FIRST] [-6]] [-v STORE] [-l MS]\n");
	return 2;
}
