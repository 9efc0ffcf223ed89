/* Why an export failed: the core's struct relay_error (one error type for
 * the store and the map), filled with one line for the admin, and the
 * sysexits(3) code for the caller (cron, systemd, a shell script). */
#ifndef MAPGEN_FAILURE_H
#define MAPGEN_FAILURE_H

#include "store.h"

/* Fills failure and returns status's exit code, so that callers can
 * write "return map_fail(f, RELAY_FAILED, ...)". */
int map_fail(struct relay_error *failure, enum relay_status status,
	     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The status for an errno met while creating or writing the map: a full
 * disk or an I/O fault is RELAY_FAILED, a directory that cannot be
 * written (permissions, read-only mount, missing) RELAY_CANNOT_CREATE. */
enum relay_status map_errno_status(int error);

/* The one wording for a failure that left the map as it was:
 * "WHY; map left unchanged", then ", THEN" unless then is NULL. */
void map_report_unchanged(const char *why, const char *then);

#endif
