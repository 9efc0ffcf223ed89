#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

static bool append(const struct relay_addr *addr, int64_t stamp, void *context)
{
	struct relay_snapshot *snap = context;

	if (snap->count == snap->capacity) {
		size_t capacity = snap->capacity ? snap->capacity * 2 : 1024;
		struct relay_entry *grown =
			realloc(snap->entries, capacity * sizeof(*grown));

		if (grown == NULL) {
			snap->out_of_memory = true;
			return false;
		}
		snap->entries = grown;
		snap->capacity = capacity;
	}
	snap->entries[snap->count].addr = *addr;
	snap->entries[snap->count].stamp = stamp;
	snap->count++;
	return true;
}

enum relay_status relay_snapshot_take(struct relay_store *store,
				      struct relay_snapshot *snapshot,
				      struct relay_error *err)
{
	enum relay_status status;

	memset(snapshot, 0, sizeof(*snapshot));
	status = relay_store_snapshot(store, append, snapshot, &snapshot->skipped,
				      err);
	if (status == RELAY_OK && snapshot->out_of_memory) {
		err->status = RELAY_FAILED;
		strcpy(err->text, "out of memory while copying the store");
		status = RELAY_FAILED;
	}
	if (status != RELAY_OK)
		relay_snapshot_free(snapshot);
	return status;
}

void relay_snapshot_free(struct relay_snapshot *snapshot)
{
	free(snapshot->entries);
	memset(snapshot, 0, sizeof(*snapshot));
}
