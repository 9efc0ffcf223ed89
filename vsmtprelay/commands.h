/* The vsmtprelay commands.  Each takes the store path and its own
 * arguments and returns the process exit status. */
#ifndef VSMTPRELAY_COMMANDS_H
#define VSMTPRELAY_COMMANDS_H

#include <sysexits.h>

#define EXIT_USAGE EX_USAGE /* bad command line */

/* How long a command waits for a busy store before saying so. */
#define CLI_TIMEOUT_MS 5000

int cmd_add(const char *store, int argc, char **argv);
int cmd_delete(const char *store, int argc, char **argv);
int cmd_expire(const char *store, int argc, char **argv);
int cmd_list(const char *store, int argc, char **argv);
int cmd_dump(const char *store, int argc, char **argv);
int cmd_check(const char *store, int argc, char **argv);
int cmd_refresh(const char *store, int argc, char **argv);
int cmd_who(const char *store, int argc, char **argv);
int cmd_revoke(const char *store, int argc, char **argv);
int cmd_rehash(const char *store, int argc, char **argv);

#endif
