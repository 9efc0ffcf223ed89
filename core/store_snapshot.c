/* A consistent view of every entry: raw records copied under one
 * whole-store read lock, checked and handed out after it is released. */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "store_private.h"

/* Records copied raw under the read lock and decoded after it is
 * released: checking a million keys must not hold logins back.  Each
 * record is [key length][key][value length][value]; no relay entry
 * needs more than a byte for either length. */
struct raw_records {
	unsigned char *bytes;
	size_t used;
	size_t capacity;
	size_t records; /* the most entries the copy can hold */
	uint64_t oversized;
	bool out_of_memory;
};

bool store_bytes_reserve(unsigned char **bytes, size_t *capacity, size_t used,
			 size_t more)
{
	size_t grown_capacity = *capacity ? *capacity : 1 << 16;
	unsigned char *grown;

	if (used + more <= *capacity)
		return true;
	while (grown_capacity < used + more)
		grown_capacity *= 2;
	grown = realloc(*bytes, grown_capacity);
	if (grown == NULL)
		return false;
	*bytes = grown;
	*capacity = grown_capacity;
	return true;
}

static int copy_raw(struct tdb_context *tdb, TDB_DATA key, TDB_DATA value,
		    void *private_data)
{
	struct raw_records *raw = private_data;

	(void)tdb;
	/* The marker and the owner and account records (bookkeeping.h)
	 * are ours and never entries: left out silently, by their prefix
	 * alone, so that the read lock is not held to decode them. */
	if (store_has_bookkeeping_prefix(key))
		return 0;
	if (key.dsize > UINT8_MAX || value.dsize > UINT8_MAX) {
		raw->oversized++;
		return 0;
	}
	if (!store_bytes_reserve(&raw->bytes, &raw->capacity, raw->used,
				 2 + key.dsize + value.dsize)) {
		raw->out_of_memory = true;
		return 1;
	}
	raw->bytes[raw->used++] = (unsigned char)key.dsize;
	memcpy(raw->bytes + raw->used, key.dptr, key.dsize);
	raw->used += key.dsize;
	raw->bytes[raw->used++] = (unsigned char)value.dsize;
	memcpy(raw->bytes + raw->used, value.dptr, value.dsize);
	raw->used += value.dsize;
	raw->records++;
	return 0;
}

/* Decodes raw into snapshot's entries, allocated once for every record
 * copied; counts the records that are not relay entries as skipped.
 * False when the entries do not fit in memory. */
static bool decode_raw(const struct raw_records *raw,
		       struct relay_snapshot *snapshot)
{
	size_t at = 0;

	snapshot->skipped = raw->oversized;
	if (raw->records > 0) {
		snapshot->entries = calloc(raw->records, sizeof(*snapshot->entries));
		if (snapshot->entries == NULL)
			return false;
		snapshot->capacity = raw->records;
	}
	while (at < raw->used) {
		struct relay_entry *entry = &snapshot->entries[snapshot->count];
		TDB_DATA key, value;

		key.dsize = raw->bytes[at++];
		key.dptr = raw->bytes + at;
		at += key.dsize;
		value.dsize = raw->bytes[at++];
		value.dptr = raw->bytes + at;
		at += value.dsize;
		if (store_is_marker(key))
			continue;
		if (store_decode(key, value, &entry->addr, &entry->stamp))
			snapshot->count++;
		else
			snapshot->skipped++;
	}
	return true;
}

enum relay_status store_traverse_read_locked(struct relay_store *store,
					     tdb_traverse_func fn, void *context,
					     int *walked, struct relay_error *err)
{
	/* A read-only tdb has no locks to take, and a transaction holds the
	 * whole store already; tdb_lockall_read fails on both. */
	bool lock = !store->unlocked && !store->in_transaction;
	int locked;

	if (lock) {
		store_guard_begin(store);
		locked = tdb_lockall_read(store->tdb);
		store_guard_end(store);
		if (locked != 0)
			return store_tdb_failure(store, err, "taking the read lock");
	}
	*walked = tdb_traverse_read(store->tdb, fn, context);
	if (lock)
		tdb_unlockall_read(store->tdb);
	return RELAY_OK;
}

enum relay_status relay_snapshot_take(struct relay_store *store,
				      struct relay_snapshot *snapshot,
				      struct relay_error *err)
{
	struct raw_records raw = { 0 };
	enum relay_status status;
	int walked;

	memset(snapshot, 0, sizeof(*snapshot));
	status = store_traverse_read_locked(store, copy_raw, &raw, &walked, err);
	if (status != RELAY_OK)
		return status;
	if (walked < 0 && !raw.out_of_memory)
		status = store_tdb_failure(store, err, "reading entries");
	else if (raw.out_of_memory || !decode_raw(&raw, snapshot))
		status = store_fail(err, RELAY_FAILED, store->path,
				    "out of memory copying the store");
	free(raw.bytes);
	if (status != RELAY_OK)
		relay_snapshot_free(snapshot);
	return status;
}

void relay_snapshot_free(struct relay_snapshot *snapshot)
{
	free(snapshot->entries);
	memset(snapshot, 0, sizeof(*snapshot));
}

enum relay_status relay_store_snapshot(struct relay_store *store,
				       relay_entry_fn fn, void *context,
				       uint64_t *skipped,
				       struct relay_error *err)
{
	struct relay_snapshot snapshot;
	enum relay_status status = relay_snapshot_take(store, &snapshot, err);
	size_t i;

	if (status != RELAY_OK)
		return status;
	for (i = 0; i < snapshot.count; i++)
		if (!fn(&snapshot.entries[i].addr, snapshot.entries[i].stamp,
			context))
			break;
	if (skipped != NULL)
		*skipped = snapshot.skipped;
	relay_snapshot_free(&snapshot);
	return RELAY_OK;
}
