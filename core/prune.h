/* Removing many entries at once, as expire does, without holding every
 * login back for the length of a full pass over the store. */
#ifndef RELAYERS_PRUNE_H
#define RELAYERS_PRUNE_H

#include "store.h"

/* Deletes every entry for which keep() says false, all in one
 * transaction (the caller's, or one of its own).  Candidates are found
 * first in one quick pass under the read lock, so the transaction, which
 * holds every login back, only deletes; each candidate is asked about
 * again inside it, since a login may have refreshed it meanwhile.
 * *removed gets the count. */
typedef bool (*relay_keep_fn)(const struct relay_addr *addr, int64_t stamp,
			      void *context);
enum relay_status relay_store_prune(struct relay_store *store,
				    relay_keep_fn keep, void *context,
				    uint64_t *removed, struct relay_error *err);

#endif
