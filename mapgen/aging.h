/* When entries leave a map made with --max-age: a min-heap of (time,
 * address), so that the watcher finds the entries that age out next
 * without looking at the others.  An entry refreshed since it was
 * pushed leaves a stale item behind; the caller checks each item it
 * pops against the store and drops those. */
#ifndef MAPGEN_AGING_H
#define MAPGEN_AGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct aging_item {
	int64_t leaves_at;
	struct relay_addr addr;
};

struct aging {
	struct aging_item *items;
	size_t count;
	size_t capacity;
};

/* False when memory runs out (the heap is then left as it was). */
bool aging_push(struct aging *aging, int64_t leaves_at,
		const struct relay_addr *addr);

/* Makes a heap of items pushed with aging_append (cheaper in bulk). */
bool aging_append(struct aging *aging, int64_t leaves_at,
		  const struct relay_addr *addr);
void aging_heapify(struct aging *aging);

/* The earliest time, or INT64_MAX when empty. */
int64_t aging_next(const struct aging *aging);

/* Pops the earliest item into out if it is due by now. */
bool aging_pop_due(struct aging *aging, int64_t now, struct aging_item *out);

void aging_clear(struct aging *aging);
void aging_free(struct aging *aging);

#endif
