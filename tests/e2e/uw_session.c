/* What uw_server's IMAP and POP3 dialogues share: line I/O on the inetd
 * socket (stdin and stdout), and c-client's login and logout. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "c-client.h"

#include "uw_protocol.h"

bool uw_read_line(char *line, size_t size)
{
	size_t len;

	if (!fgets(line, (int)size, stdin))
		return false;
	len = strlen(line);
	if (len == 0 || line[len - 1] != '\n')
		return false;
	line[--len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	return true;
}

void uw_reply(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vprintf(format, ap);
	va_end(ap);
	fputs("\r\n", stdout);
	fflush(stdout);
}

bool uw_login(char *user, char *password, int argc, char **argv)
{
	/* No authorisation identity: a plain LOGIN or USER/PASS. */
	return server_login(user, password, NIL, argc, argv) != NIL;
}

void uw_logout(void)
{
	logouthook_t hook = (logouthook_t)mail_parameters(NIL, GET_LOGOUTHOOK,
							  NIL);

	if (hook)
		(*hook)(mail_parameters(NIL, GET_LOGOUTDATA, NIL));
}
