/* Removing many entries at once, as expire does, without holding every
 * login back for the length of a full pass over the store. */
#ifndef RELAYERS_PRUNE_H
#define RELAYERS_PRUNE_H

#include "store.h"

/* Deletes every entry for which keep() says false.  Inside the caller's
 * transaction, all in it: all or nothing.  Otherwise in transactions of
 * its own of at most RELAY_PRUNE_CHUNK deletions each, so that logins
 * write between them: a failure keeps the chunks already committed.
 * Candidates are found first in one quick pass under the read lock, so a
 * transaction, which holds every login back, only deletes; each
 * candidate is asked about again inside it, since a login may have
 * refreshed it meanwhile.  *removed gets the count removed for good
 * (0 on failure inside the caller's transaction). */
#define RELAY_PRUNE_CHUNK 4096
typedef bool (*relay_keep_fn)(const struct relay_addr *addr, int64_t stamp,
			      void *context);
enum relay_status relay_store_prune(struct relay_store *store,
				    relay_keep_fn keep, void *context,
				    uint64_t *removed, struct relay_error *err);

#endif
