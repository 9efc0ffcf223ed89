#include "failure.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "msg.h"
#include "store_exit.h"

int map_fail(struct relay_error *failure, enum relay_status status,
	     const char *fmt, ...)
{
	va_list ap;

	failure->status = status;
	va_start(ap, fmt);
	vsnprintf(failure->text, sizeof(failure->text), fmt, ap);
	va_end(ap);
	return relay_status_exit_code(status);
}

enum relay_status map_errno_status(int error)
{
	switch (error) {
	case EACCES:
	case EPERM:
	case EROFS:
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
		return RELAY_CANNOT_CREATE;
	default:
		return RELAY_FAILED;
	}
}

void map_report_unchanged(const char *why, const char *then)
{
	msg_error("%s; map left unchanged%s%s", why, then != NULL ? ", " : "",
		  then != NULL ? then : "");
}
