/* Store status to exit code, for the front ends only (store_exit.c). */
#ifndef RELAY_STORE_EXIT_H
#define RELAY_STORE_EXIT_H

#include "store.h"

/* The sysexits(3) code a command-line program exits with for status:
 * 66 missing, 77 insecure, 65 not a store, corrupt or malformed, 75 busy,
 * 74 failed, 1 not found, 0 ok; for the map 73 cannot create, 71 system
 * error, 64 usage. */
int relay_status_exit_code(enum relay_status status);

#endif
