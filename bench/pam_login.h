/* One login through the real libpam, the way a POP/IMAP server makes it:
 * pam_start_confdir (no pam_wrapper preload), PAM_RHOST, authenticate,
 * account management, end.  Linux-PAM loads the stack's modules at start
 * and unloads them at end, so each login pays for that too. */
#ifndef RELAYERS_BENCH_PAM_LOGIN_H
#define RELAYERS_BENCH_PAM_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

struct login_times {
	uint64_t acct_ns;  /* pam_acct_mgmt alone */
	uint64_t whole_ns; /* pam_start_confdir to pam_end */
};

/* The account a login uses: one of BENCH_USERS (u0, u1, ...), each with
 * password "secret", so that a guard-on stack sees a pool of accounts
 * that each open a few addresses, as a real site does. */
#define BENCH_USERS 499 /* prime: no step of the interleaving aliases it */
void bench_user_text(uint32_t n, char out[16]);

/* Logs user in with password "secret" through service (a file
 * in confdir) from rhost.  False, after saying why on stderr, when any
 * step fails: a benchmark of failing logins would measure nothing. */
bool pam_login_timed(const char *confdir, const char *service,
		     const char *user, const char *rhost,
		     struct login_times *times);

#endif
