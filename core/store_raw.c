/* The whole-store read lock and the file descriptor, for raw readers;
 * see store_raw.h. */
#include "store_raw.h"

#include "store_private.h"

enum relay_status relay_store_read_lock(struct relay_store *store,
					struct relay_error *err)
{
	int locked;

	if (store->unlocked || store->in_transaction)
		return RELAY_OK;
	store_guard_begin(store);
	locked = tdb_lockall_read(store->tdb);
	store_guard_end(store);
	if (locked != 0)
		return store_tdb_failure(store, err, "taking the read lock");
	return RELAY_OK;
}

void relay_store_read_unlock(struct relay_store *store)
{
	if (store->unlocked || store->in_transaction)
		return;
	tdb_unlockall_read(store->tdb);
}

int relay_store_fd(struct relay_store *store)
{
	return store->tdb != NULL ? tdb_fd(store->tdb) : -1;
}
