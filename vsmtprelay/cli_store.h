/* Opening the store from the command line: errors go to stderr, and
 * the exit status that goes with them comes back. */
#ifndef VSMTPRELAY_CLI_STORE_H
#define VSMTPRELAY_CLI_STORE_H

#include <stdbool.h>

#include "store.h"

enum cli_access { CLI_READ,
		  CLI_WRITE,
		  CLI_CREATE };

/* NULL on failure, with the message printed and *exit_code set. */
struct relay_store *cli_store_open(const char *path, enum cli_access access,
				   int *exit_code);

/* Prints err and returns its exit code. */
int cli_store_error(const struct relay_error *err);

#endif
