/* uw_server: stands in for UW-IMAP's imapd and ipop3d in the end-to-end
 * tests.  Debian no longer ships those servers, but its c-client library
 * still holds their login path: server_login() runs checkpw() from
 * ckp_pam.c, which calls pam_authenticate, pam_acct_mgmt and pam_setcred
 * with PAM_RHOST from getpeername(0), then setuid()s to the mail user.
 * At logout the logout hook runs pam_setcred(DELETE_CRED) and pam_end as
 * that user.  This program does exactly what imapd and ipop3d do around
 * that call, and speaks just enough IMAP (LOGIN) and POP3 (USER/PASS) for
 * a real client to log in.
 *
 *   uw_server imap|pop
 *
 * It runs inetd-style: standard input and output are the client socket
 * (systemd-socket-activate --inetd). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c-client.h"
#include "linkage.h"

#include "uw_protocol.h"

/* An idle or stuck client never keeps a test waiting for long. */
#define SESSION_TIMEOUT_S 30

static void end_on_signal(int sig)
{
	_exit(sig == SIGALRM ? 2 : 0);
}

/* Sets up c-client as imapd's and ipop3d's main() do.  The service name
 * is what PAM sees: "imap" for imapd and "pop" (not "pop3") for ipop3d. */
static void init_like_uw(char *program, char *service, char *port_name,
			 char *ssl_port_name)
{
	mail_parameters(NIL, SET_SERVICENAME, (void *)service);
#include "linkage.c"
	server_init(program, port_name, ssl_port_name, (void *)end_on_signal,
		    (void *)end_on_signal, (void *)end_on_signal,
		    (void *)end_on_signal, NIL);
	/* Debian's linkage.c refuses plaintext logins without TLS; the
	 * tests speak plain text on loopback. */
	mail_parameters(NIL, SET_DISABLEPLAINTEXT, (void *)0);
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "imap") && strcmp(argv[1], "pop"))) {
		fprintf(stderr, "usage: uw_server imap|pop\n");
		return 64;
	}
	if (!strcmp(argv[1], "imap"))
		init_like_uw("imapd", "imap", "imap", "imaps");
	else
		init_like_uw("ipop3d", "pop", "pop3", "pop3s");
	alarm(SESSION_TIMEOUT_S);
	if (!strcmp(argv[1], "imap"))
		uw_serve_imap(argc, argv);
	else
		uw_serve_pop(argc, argv);
	uw_logout();
	return 0;
}
