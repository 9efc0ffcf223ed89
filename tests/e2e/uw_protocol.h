/* The pieces of uw_server: one dialogue per protocol over a shared
 * session (line I/O on the inetd socket, login, logout). */
#ifndef UW_PROTOCOL_H
#define UW_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

#define UW_LINE_MAX 1024

/* Reads one command line from the client, without its CRLF.  False at
 * end of input or on a line too long to be a command. */
bool uw_read_line(char *line, size_t size);

/* Sends one reply line; CRLF is appended. */
void uw_reply(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* c-client's server_login(): PAM through checkpw(), then setuid to the
 * user.  True when the user is logged in. */
bool uw_login(char *user, char *password, int argc, char **argv);

/* Runs the logout hook checkpw() armed (pam_setcred DELETE_CRED and
 * pam_end, as the mail user), as imapd and ipop3d do when they exit. */
void uw_logout(void);

void uw_serve_imap(int argc, char **argv);
void uw_serve_pop(int argc, char **argv);

#endif
