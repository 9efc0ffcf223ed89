/* Why an export failed, as one line for the admin and a sysexits(3)
 * code for the caller (cron, systemd, a shell script). */
#ifndef MAPGEN_FAILURE_H
#define MAPGEN_FAILURE_H

#include <sysexits.h>

struct map_failure {
	int exit_code;		/* EX_* from sysexits.h, 0 when none */
	char text[768];
};

/* Fills failure and returns code, so that callers can write
 * "return map_fail(f, EX_IOERR, ...)". */
int map_fail(struct map_failure *failure, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The exit code for an errno met while creating or writing the map:
 * a full disk or an I/O fault is EX_IOERR, a directory that cannot be
 * written (permissions, read-only mount, missing) is EX_CANTCREAT. */
int map_errno_exit_code(int error);

#endif
