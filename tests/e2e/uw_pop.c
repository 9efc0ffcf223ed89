/* uw_server's POP3 dialogue: USER, PASS, NOOP and QUIT (RFC 1939), which
 * is all a client needs to log in. */
#include <string.h>
#include <strings.h>

#include "uw_protocol.h"

static void pop_pass(const char *user, char *password, bool *logged_in,
		     int argc, char **argv)
{
	char name[UW_LINE_MAX];

	if (*logged_in)
		uw_reply("-ERR Already logged in");
	else if (!*user)
		uw_reply("-ERR USER first");
	else {
		strcpy(name, user); /* server_login may change its copy */
		*logged_in = uw_login(name, password, argc, argv);
		uw_reply(*logged_in ? "+OK Mailbox open" : "-ERR Bad login");
	}
}

void uw_serve_pop(int argc, char **argv)
{
	char line[UW_LINE_MAX], user[UW_LINE_MAX] = "";
	bool logged_in = false;

	uw_reply("+OK uw_server POP3 (c-client server_login) ready");
	while (uw_read_line(line, sizeof line)) {
		char *arg = strchr(line, ' ');

		if (arg)
			*arg++ = '\0';
		else
			arg = line + strlen(line);
		if (!strcasecmp(line, "USER") && !logged_in) {
			strcpy(user, arg);
			uw_reply("+OK User name accepted, password please");
		} else if (!strcasecmp(line, "PASS"))
			pop_pass(user, arg, &logged_in, argc, argv);
		else if (!strcasecmp(line, "NOOP") && logged_in)
			uw_reply("+OK No-op to you too!");
		else if (!strcasecmp(line, "QUIT")) {
			uw_reply("+OK Sayonara");
			return;
		} else
			uw_reply("-ERR Unknown AUTHORIZATION state command");
	}
}
