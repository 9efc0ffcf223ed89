#include "prune.h"

#include "snapshot.h"

/* Keeps, in place, only the entries that keep() rejects. */
static void select_candidates(struct relay_snapshot *snap, relay_keep_fn keep,
			      void *context)
{
	size_t kept = 0;

	for (size_t i = 0; i < snap->count; i++)
		if (!keep(&snap->entries[i].addr, snap->entries[i].stamp, context))
			snap->entries[kept++] = snap->entries[i];
	snap->count = kept;
}

/* Deletes each candidate that keep() still rejects, asked again now
 * that no login can change it, from *next on, until the end or until
 * limit deletions are done; *next is left at the first not yet seen. */
static enum relay_status delete_candidates(struct relay_store *store,
					   const struct relay_snapshot *snap,
					   size_t *next, uint64_t limit,
					   relay_keep_fn keep, void *context,
					   uint64_t *removed,
					   struct relay_error *err)
{
	uint64_t done = 0;

	for (; *next < snap->count && done < limit; (*next)++) {
		const struct relay_addr *addr = &snap->entries[*next].addr;
		int64_t stamp;
		enum relay_status status = relay_store_get(store, addr, &stamp, err);

		if (status == RELAY_NOT_FOUND ||
		    (status == RELAY_OK && keep(addr, stamp, context)))
			continue;
		if (status == RELAY_OK)
			status = relay_store_delete(store, addr, err);
		if (status != RELAY_OK)
			return status;
		done++;
	}
	*removed += done;
	return RELAY_OK;
}

/* One transaction of its own per RELAY_PRUNE_CHUNK deletions: between
 * two, the waiting logins write, so none waits past its timeout however
 * many entries go.  A failure keeps the chunks already committed. */
static enum relay_status delete_in_chunks(struct relay_store *store,
					  const struct relay_snapshot *snap,
					  relay_keep_fn keep, void *context,
					  uint64_t *removed,
					  struct relay_error *err)
{
	size_t next = 0;
	uint64_t chunk_removed;
	enum relay_status status = RELAY_OK;

	while (status == RELAY_OK && next < snap->count) {
		chunk_removed = 0;
		status = relay_store_begin(store, err);
		if (status != RELAY_OK)
			break;
		status = delete_candidates(store, snap, &next, RELAY_PRUNE_CHUNK,
					   keep, context, &chunk_removed, err);
		if (status == RELAY_OK)
			status = relay_store_commit(store, err);
		else
			relay_store_cancel(store);
		if (status == RELAY_OK)
			*removed += chunk_removed;
	}
	return status;
}

enum relay_status relay_store_prune(struct relay_store *store,
				    relay_keep_fn keep, void *context,
				    uint64_t *removed, struct relay_error *err)
{
	bool own_transaction = !relay_store_in_transaction(store);
	struct relay_snapshot snap;
	enum relay_status status;
	size_t next = 0;

	*removed = 0;
	status = relay_snapshot_take(store, &snap, err);
	if (status != RELAY_OK)
		return status;
	select_candidates(&snap, keep, context);
	if (own_transaction)
		status = delete_in_chunks(store, &snap, keep, context, removed,
					  err);
	else
		status = delete_candidates(store, &snap, &next, UINT64_MAX, keep,
					   context, removed, err);
	if (status != RELAY_OK && !own_transaction)
		*removed = 0;
	relay_snapshot_free(&snap);
	return status;
}
