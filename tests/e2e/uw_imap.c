/* uw_server's IMAP dialogue: CAPABILITY, NOOP, LOGIN and LOGOUT, which is
 * all a client needs to log in.  LOGIN's arguments are atoms or quoted
 * strings (RFC 3501); literals are not needed by the tests' clients. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "uw_protocol.h"

/* Takes the next atom or quoted string from *cursor into out (at most
 * size bytes, NUL included).  False when there is none or it is too
 * long. */
static bool next_astring(char **cursor, char *out, size_t size)
{
	char *s = *cursor;
	size_t n = 0;
	bool quoted;

	while (*s == ' ')
		s++;
	quoted = *s == '"';
	if (quoted)
		s++;
	while (*s && (quoted ? *s != '"' : *s != ' ')) {
		if (quoted && *s == '\\' && s[1])
			s++;
		if (n + 1 >= size)
			return false;
		out[n++] = *s++;
	}
	if (quoted && *s++ != '"')
		return false;
	out[n] = '\0';
	*cursor = s;
	return n > 0 || quoted;
}

static void imap_login(const char *tag, char *args, bool *logged_in,
		       int argc, char **argv)
{
	char user[UW_LINE_MAX], password[UW_LINE_MAX];

	if (*logged_in)
		uw_reply("%s BAD Already logged in", tag);
	else if (!next_astring(&args, user, sizeof user) ||
		 !next_astring(&args, password, sizeof password))
		uw_reply("%s BAD Missing LOGIN arguments", tag);
	else if ((*logged_in = uw_login(user, password, argc, argv)))
		uw_reply("%s OK LOGIN completed", tag);
	else
		uw_reply("%s NO LOGIN failed", tag);
}

void uw_serve_imap(int argc, char **argv)
{
	char line[UW_LINE_MAX], *tag, *command, *args;
	bool logged_in = false;

	uw_reply("* OK uw_server IMAP4rev1 (c-client server_login) ready");
	while (uw_read_line(line, sizeof line)) {
		tag = strtok_r(line, " ", &args);
		command = tag ? strtok_r(NULL, " ", &args) : NULL;
		if (!command)
			uw_reply("* BAD Missing command");
		else if (!strcasecmp(command, "CAPABILITY")) {
			uw_reply("* CAPABILITY IMAP4rev1");
			uw_reply("%s OK CAPABILITY completed", tag);
		} else if (!strcasecmp(command, "NOOP"))
			uw_reply("%s OK NOOP completed", tag);
		else if (!strcasecmp(command, "LOGIN"))
			imap_login(tag, args, &logged_in, argc, argv);
		else if (!strcasecmp(command, "LOGOUT")) {
			uw_reply("* BYE uw_server logging out");
			uw_reply("%s OK LOGOUT completed", tag);
			return;
		} else
			uw_reply("%s BAD Command not known here", tag);
	}
}
