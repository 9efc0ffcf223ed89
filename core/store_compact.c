/* Keeping tdb's free list short after a bulk delete.
 *
 * tdb allocates a new record by a best-fit walk of its one global free
 * list, which stops early only once it holds a hole big enough; a list
 * of small holes none of which fits (the IPv4 records expire freed, met
 * by an IPv6 key) is walked to its end, two reads per hole, inside a
 * login.  Repacking rewrites every record into one block, leaving the
 * free list a handful of large holes, so the next allocations stop at
 * the first.  A repack is one transaction, which holds every login
 * back: it is done only on a file small enough to be repacked well
 * within a login's timeout.  The size is the file's after expire's
 * transactions, whose recovery area roughly doubles it: 8 MiB is a store
 * of some 45,000 entries, which expire halves and repacks in 0.30 s all
 * told, against about 3.3 s for the repack alone at 1M entries.
 *
 * A larger store is rewritten beside itself instead, as a repair does
 * (relay_store_salvage): writers go on while it is read and written and
 * are held off only for the swap (23 ms for 500,000 entries, idle).
 * Left as it was, a 1M-entry store halved by expire cost every login
 * that allocated a record 36 ms of free-list walk, under the free-list
 * lock that every other allocating login waits for. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "store_private.h"

/* Beyond this many holes a repack pays: a login may walk this many. */
#define COMPACT_HOLES_MAX 32
/* Beyond this size the repack itself would hold logins too long. */
#define COMPACT_FILE_MAX (8 << 20)

enum relay_status relay_store_compact(struct relay_store *store,
				      bool *rewrite, struct relay_error *err)
{
	struct stat st;
	int holes;

	*rewrite = false;
	if (fstat(tdb_fd(store->tdb), &st) != 0)
		return store_fail(err, RELAY_OS_ERROR, store->path,
				  "cannot stat: %s", strerror(errno));
	store_guard_begin(store);
	holes = tdb_freelist_size(store->tdb);
	store_guard_end(store);
	if (holes < 0)
		return store_tdb_failure(store, err, "reading the free list");
	if (holes <= COMPACT_HOLES_MAX)
		return RELAY_OK;
	if (st.st_size > COMPACT_FILE_MAX) {
		*rewrite = true;
		return RELAY_OK;
	}
	return relay_store_repack(store, err);
}
