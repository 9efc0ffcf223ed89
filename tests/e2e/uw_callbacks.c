/* The callbacks every c-client program must define.  uw_server opens no
 * mailbox, so none of them has anything to do: c-client calls them only
 * to report on mail streams, and mm_log/mm_fatal for errors, which go to
 * syslog as imapd's do. */
#include <syslog.h>

#include "c-client.h"

void mm_searched(MAILSTREAM *stream, unsigned long number)
{
}
void mm_exists(MAILSTREAM *stream, unsigned long number)
{
}
void mm_expunged(MAILSTREAM *stream, unsigned long number)
{
}
void mm_flags(MAILSTREAM *stream, unsigned long number)
{
}
void mm_notify(MAILSTREAM *stream, char *string, long errflg)
{
}
void mm_list(MAILSTREAM *stream, int delimiter, char *name, long attributes)
{
}
void mm_lsub(MAILSTREAM *stream, int delimiter, char *name, long attributes)
{
}
void mm_status(MAILSTREAM *stream, char *mailbox, MAILSTATUS *status)
{
}
void mm_dlog(char *string)
{
}
void mm_login(NETMBX *mb, char *user, char *pwd, long trial)
{
}
void mm_critical(MAILSTREAM *stream)
{
}
void mm_nocritical(MAILSTREAM *stream)
{
}

void mm_log(char *string, long errflg)
{
	if (errflg == ERROR || errflg == WARN)
		syslog(LOG_NOTICE, "%s", string);
}

long mm_diskerror(MAILSTREAM *stream, long errcode, long serious)
{
	return 1; /* give up on the operation, as imapd does */
}

void mm_fatal(char *string)
{
	syslog(LOG_ALERT, "fatal: %s", string);
}
