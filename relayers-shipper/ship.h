/* The Redis side of the shipper: this host's field in each address's
 * hash (redis_link.h has the layout) set or deleted, in pipelined
 * batches; a change counts as shipped only once Redis answered it. */
#ifndef SHIPPER_SHIP_H
#define SHIPPER_SHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "redis_link.h"
#include "snapshot.h"

struct ship_change {
	struct relay_addr addr;
	bool present; /* false: this host no longer holds it */
	int64_t stamp;
};

struct shipper_link {
	redisContext *c; /* NULL while down */
	const char *prefix;
	const char *host;
	int64_t max_age; /* seconds, or -1 */
};

/* Sends every change and reads every answer; false with why filled in
 * when any one failed (the caller drops the link and syncs in full). */
bool ship_changes(struct shipper_link *link, const struct ship_change *changes,
		  size_t count, char *why, size_t whylen);

/* Makes this host's fields match the snapshot: every entry set, and the
 * field deleted from each key under the prefix the snapshot lacks.
 * Sorts the snapshot.  *deleted counts the fields removed. */
bool ship_full_sync(struct shipper_link *link, struct relay_snapshot *snapshot,
		    size_t *deleted, char *why, size_t whylen);

#endif
