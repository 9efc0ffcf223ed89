/* Reading a relay store from another process, for tests that log in
 * through the module in their own: the module keeps the store open in
 * the process, and tdb refuses a second open of one file in one process
 * (EBUSY).  Runs $RELAYERS_BUILD/tests/store-tool (default build/). */
#ifndef RELAYERS_TESTS_STORE_PROBE_H
#define RELAYERS_TESTS_STORE_PROBE_H

#include <stddef.h>

/* Runs "store-tool COMMAND STORE [ARG]" (ARG may be NULL), without a
 * shell, and puts the first line it prints, without its newline, in
 * out.  Returns its exit status, or -1 if it could not be run. */
int store_probe(const char *command, const char *store, const char *arg,
		char *out, size_t size);

#endif
