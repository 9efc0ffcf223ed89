/* One export: a snapshot of the store, taken under one read lock and
 * used after it is released, written out as a hash map (replaced
 * atomically) or as makemap input on stdout. */
#ifndef MAPGEN_EXPORT_H
#define MAPGEN_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "aging.h"
#include "failure.h"
#include "keys.h"
#include "store.h"

struct export_options {
	enum map_flavour flavour;
	int64_t max_age;     /* seconds, or MAP_NO_MAX_AGE */
	const char *db_path; /* MAP.db; NULL writes text to stdout */
	/* With max_age, filled with when each entry in the map leaves it
	 * (mapgen --watch); NULL otherwise. */
	struct aging *aging;
};

struct export_result {
	size_t entries;	     /* entries in the map */
	size_t keys;	     /* records written */
	uint64_t skipped;    /* store records that were not entries */
	int64_t next_change; /* when an entry leaves the map; MAP_NEVER */
};

/* Returns 0, or an EX_* code with failure filled in.  A SIGTERM or
 * SIGINT that arrives meanwhile stops the export (EX_TEMPFAIL) with
 * nothing left behind; the signal stays pending for the caller. */
int export_run(struct relay_store *store, const struct export_options *options,
	       struct export_result *result, struct relay_error *failure);

#endif
