/* check --repair: a store that fails check is salvaged (see
 * relay_store_salvage in store.h); rehash shares the report. */
#ifndef VSMTPRELAY_REPAIR_H
#define VSMTPRELAY_REPAIR_H

#include <stdint.h>

#include "store.h"

/* check's line for a sound store. */
void check_print_ok(const char *path, uint64_t entries, uint64_t bad);

/* Checks the store at path and salvages it if it is damaged; returns
 * the exit status. */
int check_repair(const char *path);

/* The salvage's line of how long it read, wrote and held writers off. */
void salvage_print_times(const char *path, const struct relay_salvage_report *r);

#endif
