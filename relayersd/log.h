/* relayersd's one log: syslog (LOG_MAIL, as "relayersd") and, with -v
 * or when stderr is a terminal, stderr too.  Faults that repeat with
 * every lookup (a missing store) are logged once while they last. */
#ifndef RELAYERSD_LOG_H
#define RELAYERSD_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Names the program once for syslog; verbose adds per-lookup lines and
 * the copy on stderr. */
void rd_log_open(bool verbose);

/* Closes and opens syslog again (SIGHUP), for a restarted syslogd. */
void rd_log_reopen(void);

/* Until this is called, warnings and errors go to stderr as well:
 * whoever starts the server sees why it did not start. */
void rd_log_serving(void);

bool rd_log_verbose(void);

void rd_log(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One fault that may repeat: logged the first time it is seen and each
 * time its text changes, not once per occurrence. */
struct rd_fault {
	char last[512];
	bool active;
};

/* Logs text at LOG_ERR unless it is the fault already reported. */
void rd_fault_report(struct rd_fault *fault, const char *text);

/* The fault is over: says so once (LOG_NOTICE) with what ended it. */
void rd_fault_clear(struct rd_fault *fault, const char *text);

#endif
