#include "failure.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int map_fail(struct map_failure *failure, int code, const char *fmt, ...)
{
	va_list ap;

	failure->exit_code = code;
	va_start(ap, fmt);
	vsnprintf(failure->text, sizeof(failure->text), fmt, ap);
	va_end(ap);
	return code;
}

int map_errno_exit_code(int error)
{
	switch (error) {
	case EACCES:
	case EPERM:
	case EROFS:
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
		return EX_CANTCREAT;
	default:
		return EX_IOERR;
	}
}
