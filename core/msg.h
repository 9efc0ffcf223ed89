/* The front ends' one way to report: "PROGRAM: message" on stderr, the
 * program named once (msg_set_program), and optionally syslog as well
 * (relayersd).  The format is printf's, "%m" included (glibc: errno's
 * text at the time of the call), so that no caller saves errno and calls
 * strerror by hand.  The PAM module does not use this: it logs through
 * pam_syslog only (tests/pam/link_rule.sh checks it links none of it). */
#ifndef RELAY_MSG_H
#define RELAY_MSG_H

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

/* Names the program in every line; call once, first thing in main. */
void msg_set_program(const char *name);

/* Every message goes to syslog too, as the program, with facility
 * (LOG_MAIL); stderr then gets only priorities at or above
 * msg_set_stderr_level's. */
void msg_open_syslog(int facility);
void msg_reopen_syslog(void);

/* The least urgent priority that still goes to stderr (LOG_DEBUG: all,
 * -1: none).  Without syslog every message goes to stderr. */
void msg_set_stderr_level(int priority);

void msg_log(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void msg_vlog(int priority, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* The levels as Postfix names them; the line carries no level word, so
 * that each message reads the same whatever its level. */
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reports at LOG_ERR and exits with exit_code (an EX_* name). */
void msg_fatal(int exit_code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#endif
