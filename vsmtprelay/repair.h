/* check --repair: a store that fails check is salvaged (see
 * relay_store_salvage in store.h). */
#ifndef VSMTPRELAY_REPAIR_H
#define VSMTPRELAY_REPAIR_H

#include <stdint.h>

/* check's line for a sound store. */
void check_print_ok(const char *path, uint64_t entries, uint64_t bad);

/* Checks the store at path and salvages it if it is damaged; returns
 * the exit status. */
int check_repair(const char *path);

#endif
