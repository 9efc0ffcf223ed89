/* A copy of every entry, taken under one read lock and used after it is
 * released, so that slow output never holds logins back (the one copy,
 * in store_snapshot.c; relay_store_snapshot() walks it). */
#ifndef RELAYERS_SNAPSHOT_H
#define RELAYERS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

struct relay_entry {
	struct relay_addr addr;
	int64_t stamp;
};

struct relay_snapshot {
	struct relay_entry *entries;
	size_t count;
	size_t capacity;
	uint64_t skipped; /* records that were not relay entries */
};

/* Fills snapshot (which must be zeroed or freed) with every entry. */
enum relay_status relay_snapshot_take(struct relay_store *store,
				      struct relay_snapshot *snapshot,
				      struct relay_error *err);

void relay_snapshot_free(struct relay_snapshot *snapshot);

#endif
