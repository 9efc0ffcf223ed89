/* Keeping tdb's free list short after a bulk delete.
 *
 * tdb allocates a new record by a best-fit walk of its one global free
 * list, which stops early only once it holds a hole big enough; a list
 * of small holes none of which fits (the IPv4 records expire freed, met
 * by an IPv6 key) is walked to its end, two reads per hole, inside a
 * login.  Repacking rewrites every record into one block, leaving the
 * free list a handful of large holes, so the next allocations stop at
 * the first. */
#include "store_private.h"

/* Beyond this many holes a repack pays: a login may walk this many. */
#define COMPACT_HOLES_MAX 32

enum relay_status relay_store_compact(struct relay_store *store,
				      struct relay_error *err)
{
	int holes;

	store_guard_begin(store);
	holes = tdb_freelist_size(store->tdb);
	store_guard_end(store);
	if (holes < 0)
		return store_tdb_failure(store, err, "reading the free list");
	if (holes <= COMPACT_HOLES_MAX)
		return RELAY_OK;
	return relay_store_repack(store, err);
}
