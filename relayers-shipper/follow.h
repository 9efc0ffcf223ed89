/* The store side of the shipper: what changed since the last look,
 * found the way mapgen --watch finds it (core's store_diff.h: the file
 * compared page by page with a private copy, each candidate then read
 * through the store API), never by rereading every entry. */
#ifndef SHIPPER_FOLLOW_H
#define SHIPPER_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ship.h"
#include "snapshot.h"
#include "store.h"
#include "store_diff.h"

/* More changed entries at once than this: a full sync is cheaper. */
#define FOLLOW_CHANGES_MAX 20000
#define FOLLOW_STORE_TIMEOUT_MS 2000

struct follower {
	const char *path;
	struct relay_store *store;
	dev_t dev;
	ino_t ino;
	struct store_diff diff;
	bool diff_ok; /* the copy is a base to compare with */
};

/* Opens the store read-only, noting its inode.  False with err. */
bool follow_open(struct follower *f, struct relay_error *err);

void follow_close(struct follower *f);

/* True when the path now names another file, or none. */
bool follow_replaced(const struct follower *f);

/* Every entry, and a new base for the comparisons after; *seqnum is the
 * store's sequence number before both (a change in between is then in
 * the snapshot and found again next time, never in neither). */
bool follow_snapshot(struct follower *f, struct relay_snapshot *out,
		     uint64_t *seqnum, struct relay_error *err);

enum follow_outcome { FOLLOW_OK,
		      FOLLOW_FULL,
		      FOLLOW_FAILED };

/* What changed since the base, each entry's state now, in *changes
 * (malloc'd, *count of them), and the sequence number they reflect.
 * FOLLOW_FULL: the comparison cannot say (too many, a reshaped file):
 * sync in full.  FOLLOW_FAILED: err says why. */
enum follow_outcome follow_changes(struct follower *f,
				   struct ship_change **changes, size_t *count,
				   uint64_t *seqnum, struct relay_error *err);

#endif
