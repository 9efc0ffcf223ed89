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

/* Inside the transaction: deletes each candidate that keep() still
 * rejects, now that no login can change it any more. */
static enum relay_status delete_candidates(struct relay_store *store,
					   const struct relay_snapshot *snap,
					   relay_keep_fn keep, void *context,
					   uint64_t *removed,
					   struct relay_error *err)
{
	for (size_t i = 0; i < snap->count; i++) {
		const struct relay_addr *addr = &snap->entries[i].addr;
		int64_t stamp;
		enum relay_status status = relay_store_get(store, addr, &stamp, err);

		if (status == RELAY_NOT_FOUND ||
		    (status == RELAY_OK && keep(addr, stamp, context)))
			continue;
		if (status == RELAY_OK)
			status = relay_store_delete(store, addr, err);
		if (status != RELAY_OK)
			return status;
		(*removed)++;
	}
	return RELAY_OK;
}

enum relay_status relay_store_prune(struct relay_store *store,
				    relay_keep_fn keep, void *context,
				    uint64_t *removed, struct relay_error *err)
{
	bool own_transaction = !relay_store_in_transaction(store);
	struct relay_snapshot snap;
	enum relay_status status;

	*removed = 0;
	status = relay_snapshot_take(store, &snap, err);
	if (status != RELAY_OK)
		return status;
	select_candidates(&snap, keep, context);
	if (snap.count > 0 && own_transaction)
		status = relay_store_begin(store, err);
	if (status == RELAY_OK && snap.count > 0) {
		status = delete_candidates(store, &snap, keep, context, removed,
					   err);
		if (own_transaction && status == RELAY_OK)
			status = relay_store_commit(store, err);
		else if (own_transaction)
			relay_store_cancel(store);
	}
	if (status != RELAY_OK)
		*removed = 0;
	relay_snapshot_free(&snap);
	return status;
}
