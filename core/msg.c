#include "msg.h"

#include <stdio.h>
#include <stdlib.h>

static const char *program = "relayers";
static bool to_syslog;
static int syslog_facility;
static int stderr_level = LOG_DEBUG;

void msg_set_program(const char *name)
{
	program = name;
}

void msg_open_syslog(int facility)
{
	to_syslog = true;
	syslog_facility = facility;
	/* LOG_NDELAY: connect now, while /dev/log is still reachable. */
	openlog(program, LOG_PID | LOG_NDELAY, facility);
}

void msg_reopen_syslog(void)
{
	closelog();
	openlog(program, LOG_PID | LOG_NDELAY, syslog_facility);
}

void msg_set_stderr_level(int priority)
{
	stderr_level = priority;
}

void msg_vlog(int priority, const char *fmt, va_list ap)
{
	char line[1024];

	/* First, while errno is still the caller's, for "%m". */
	vsnprintf(line, sizeof(line), fmt, ap);
	if (to_syslog)
		syslog(priority, "%s", line);
	if (!to_syslog || priority <= stderr_level)
		fprintf(stderr, "%s: %s\n", program, line);
}

void msg_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(priority, fmt, ap);
	va_end(ap);
}

#define MSG_AT(name, priority)               \
	void name(const char *fmt, ...)      \
	{                                    \
		va_list ap;                  \
                                             \
		va_start(ap, fmt);           \
		msg_vlog(priority, fmt, ap); \
		va_end(ap);                  \
	}

MSG_AT(msg_error, LOG_ERR)
MSG_AT(msg_warn, LOG_WARNING)
MSG_AT(msg_info, LOG_INFO)

void msg_fatal(int exit_code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(exit_code);
}
