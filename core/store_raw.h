/* Raw access to the store's file for a watcher that finds changes by
 * comparing the file with an earlier copy (mapgen --watch): the whole-
 * store read lock on its own, and the file descriptor to map.  Whatever
 * such a reader finds in the raw bytes is only a hint; the entries
 * themselves are read through relay_store_get(), which takes nested
 * read locks under this one. */
#ifndef RELAYERS_STORE_RAW_H
#define RELAYERS_STORE_RAW_H

#include "store.h"

/* Holds off every writer until relay_store_read_unlock(), waiting at
 * most the store's timeout (RELAY_BUSY then).  A store opened without
 * locking (read-only file) returns RELAY_OK and locks nothing. */
enum relay_status relay_store_read_lock(struct relay_store *store,
					struct relay_error *err);
void relay_store_read_unlock(struct relay_store *store);

/* The open store file, for fstat and a read-only mmap; -1 if none. */
int relay_store_fd(struct relay_store *store);

#endif
