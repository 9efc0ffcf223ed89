/* The exit code of a command-line program for a store status.  A file
 * of its own so that the PAM module, which never exits, does not link
 * it: only the front ends do (tests/pam/link_rule.sh checks). */
#include <sysexits.h>

#include "store_exit.h"

int relay_status_exit_code(enum relay_status status)
{
	switch (status) {
	case RELAY_OK: return 0;
	case RELAY_MISSING: return EX_NOINPUT;
	case RELAY_INSECURE: return EX_NOPERM;
	case RELAY_NOT_STORE:
	case RELAY_CORRUPT:
	case RELAY_MALFORMED: return EX_DATAERR;
	case RELAY_BUSY: return EX_TEMPFAIL;
	case RELAY_FAILED: return EX_IOERR;
	case RELAY_NOT_FOUND: return 1;
	case RELAY_CANNOT_CREATE: return EX_CANTCREAT;
	case RELAY_OS_ERROR: return EX_OSERR;
	case RELAY_USAGE: return EX_USAGE;
	}
	return EX_IOERR;
}
