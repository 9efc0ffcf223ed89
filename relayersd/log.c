#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

static bool verbose;
static bool to_stderr;

void rd_log_open(bool want_verbose)
{
	verbose = want_verbose;
	to_stderr = want_verbose || isatty(STDERR_FILENO);
	msg_set_program("relayersd");
	msg_open_syslog(LOG_MAIL);
	/* Whoever starts the server sees why it did not start. */
	msg_set_stderr_level(to_stderr ? LOG_DEBUG : LOG_WARNING);
}

void rd_log_reopen(void)
{
	msg_reopen_syslog();
}

void rd_log_serving(void)
{
	if (!to_stderr)
		msg_set_stderr_level(-1);
}

bool rd_log_verbose(void)
{
	return verbose;
}

void rd_log(int priority, const char *fmt, ...)
{
	va_list ap;

	if (priority == LOG_DEBUG && !verbose)
		return;
	va_start(ap, fmt);
	msg_vlog(priority, fmt, ap);
	va_end(ap);
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
