/* Real PAM logins for tests, through libpam's pam_start_confdir(): no
 * preload and no /etc/pam.d.  pam_matrix checks the password, pam_permit
 * stands in for the account check, and pam_relayers.so is listed under
 * account as an admin lists it.  Log lines go to the real syslog(3). */
#ifndef RELAYERS_TESTS_PAM_LOGIN_H
#define RELAYERS_TESTS_PAM_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#define PAM_LOGIN_SERVICE "relayers-test"
#define PAM_LOGIN_USER "alice"
#define PAM_LOGIN_PASSWORD "secret"

/* Writes DIR/passdb and DIR/relayers-test (DIR must exist) that load the
 * module at module_path with module_args (e.g. "db=/x exclude=").
 * Returns false, after perror, when a file cannot be written. */
bool pam_login_write_stack(const char *dir, const char *module_path,
			   const char *module_args);

/* Logs in as user with password, with PAM_RHOST set to rhost (unset when
 * NULL), then runs account management, where the module records.
 * Returns the first failing PAM code, or PAM_SUCCESS. */
int pam_login_run(const char *confdir, const char *user,
		  const char *password, const char *rhost);

/* Whether the store at store_path holds rhost (any form addr.h parses),
 * read by store-tool in another process (store_probe.h: the module
 * keeps the store open in this one); *stamp (may be NULL) gets the
 * recorded time. */
bool pam_login_recorded(const char *store_path, const char *rhost,
			int64_t *stamp);

#endif
