#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROGRAM "relayersd"

static bool verbose;
static bool to_stderr;
static bool serving;

void rd_log_open(bool want_verbose)
{
	verbose = want_verbose;
	to_stderr = want_verbose || isatty(STDERR_FILENO);
	/* LOG_NDELAY: connect now, while /dev/log is still reachable. */
	openlog(PROGRAM, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void rd_log_reopen(void)
{
	closelog();
	openlog(PROGRAM, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void rd_log_serving(void)
{
	serving = true;
}

bool rd_log_verbose(void)
{
	return verbose;
}

void rd_log(int priority, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (priority == LOG_DEBUG && !verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	syslog(priority, "%s", line);
	/* Whoever starts the server sees why it did not start. */
	if (to_stderr || (!serving && priority <= LOG_WARNING))
		fprintf(stderr, PROGRAM ": %s\n", line);
}

void rd_fault_report(struct rd_fault *fault, const char *text)
{
	if (fault->active && strcmp(fault->last, text) == 0)
		return;
	snprintf(fault->last, sizeof(fault->last), "%s", text);
	fault->active = true;
	rd_log(LOG_ERR, "%s (answering TEMP until it is fixed)", text);
}

void rd_fault_clear(struct rd_fault *fault, const char *text)
{
	if (!fault->active)
		return;
	fault->active = false;
	fault->last[0] = '\0';
	rd_log(LOG_NOTICE, "%s", text);
}
