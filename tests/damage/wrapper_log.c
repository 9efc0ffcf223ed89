/* damage-wrapper-log SERVICE COUNT: COUNT logins, each its own
 * pam_start ... pam_end (libpamtest's run_pamtest), under pam_wrapper.
 * pam_wrapper replaces pam_syslog and prints its lines on stderr with
 * PAM_WRAPPER_DEBUGLEVEL set, so the caller counts the module's repair
 * lines there: -z nodelete must keep the module's memory across the
 * dlclose at each pam_end under pam_wrapper too.  Exits 1 if a login
 * failed. */
#include <stdio.h>
#include <stdlib.h>

#include <libpamtest.h>

int main(int argc, char **argv)
{
	const char *answers[] = { "secret", NULL };
	unsigned count, failed = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: damage-wrapper-log SERVICE COUNT\n");
		return 64;
	}
	count = (unsigned)strtoul(argv[2], NULL, 10);
	for (unsigned i = 0; i < count; i++) {
		struct pamtest_conv_data conv = { .in_echo_off = answers };
		struct pam_testcase steps[] = {
			pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
			pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		};

		if (run_pamtest(argv[1], "alice", &conv, steps, NULL) != PAMTEST_ERR_OK)
			failed++;
	}
	printf("logins %u/%u\n", count - failed, count);
	return failed ? 1 : 0;
}
