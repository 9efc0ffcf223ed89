#include "export.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hash_db.h"
#include "map_target.h"
#include "records.h"
#include "signals.h"
#include "snapshot.h"
#include "store_exit.h"
#include "stamp.h"
#include "window.h"

/* How often (in records) a long export looks for a pending SIGTERM. */
#define STOP_CHECK_EVERY 65536

/* Records are in bucket order, their keys scattered over the arena:
 * asking for a key this many puts ahead overlaps the cache misses that
 * would otherwise stall each put in turn (a fifth of the put time). */
#define PREFETCH_AHEAD 16

static int interrupted(struct relay_error *failure)
{
	return map_fail(failure, RELAY_BUSY, "interrupted by a signal");
}

/* When the map next changes without a store change: the first time an
 * entry it holds ages past the window. */
static int64_t next_change(const struct relay_snapshot *snap,
			   const struct map_window *window)
{
	int64_t first = MAP_NEVER;

	for (size_t i = 0; i < snap->count; i++) {
		int64_t stamp = snap->entries[i].stamp;

		if (map_window_holds(window, stamp) &&
		    map_window_leaves_at(window, stamp) < first)
			first = map_window_leaves_at(window, stamp);
	}
	return first;
}

static size_t record_value(const struct map_record *record,
			   char value[RELAY_STAMP_TEXT_MAX])
{
	return relay_stamp_format(record->stamp, value);
}

static int write_text(const struct map_records *records,
		      struct relay_error *failure)
{
	for (size_t i = 0; i < records->count; i++) {
		const struct map_record *record = &records->items[i];
		char value[RELAY_STAMP_TEXT_MAX];
		size_t value_len = record_value(record, value);

		fwrite(map_record_key(records, record), 1, record->key_len,
		       stdout);
		putchar('\t');
		fwrite(value, 1, value_len, stdout);
		putchar('\n');
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return map_fail(failure, RELAY_FAILED,
				"writing to standard output failed");
	return 0;
}

static int put_all(struct hash_db *db, const struct map_records *records,
		   struct relay_error *failure)
{
	for (size_t i = 0; i < records->count; i++) {
		const struct map_record *record = &records->items[i];
		char value[RELAY_STAMP_TEXT_MAX];
		size_t value_len = record_value(record, value);
		int rc;

		if (i + PREFETCH_AHEAD < records->count)
			__builtin_prefetch(map_record_key(
				records, &records->items[i + PREFETCH_AHEAD]));
		if (i % STOP_CHECK_EVERY == STOP_CHECK_EVERY - 1 &&
		    mapgen_stop_pending())
			return interrupted(failure);
		rc = hash_db_put(db, map_record_key(records, record),
				 record->key_len, value, value_len, failure);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Fills the private file and, only when every step worked, installs it. */
static int fill_and_install(struct map_target *target,
			    const struct hash_db_layout *layout,
			    const struct map_records *records,
			    struct relay_error *failure)
{
	struct hash_db *db;
	int rc = hash_db_create(target->temp_path, layout, &db, failure);

	if (rc != 0)
		return rc;
	rc = put_all(db, records, failure);
	if (rc != 0) {
		hash_db_discard(db);
		return rc;
	}
	rc = hash_db_finish(db, failure);
	if (rc == 0 && mapgen_stop_pending())
		rc = interrupted(failure);
	if (rc == 0)
		rc = map_target_commit(target, failure);
	return rc;
}

static uint32_t bucket_of(const void *layout, const char *key, size_t len)
{
	return hash_db_bucket(layout, key, len);
}

/* True when some bucket's pairs would not fit its page (records sorted
 * by bucket). */
static bool some_bucket_overflows(const struct map_records *records,
				  const struct hash_db_layout *layout)
{
	size_t room = hash_db_page_room(layout), used = 0;

	for (size_t i = 0; i < records->count; i++) {
		const struct map_record *record = &records->items[i];
		char value[RELAY_STAMP_TEXT_MAX];

		if (i > 0 && record->bucket != records->items[i - 1].bucket)
			used = 0;
		used += hash_db_pair_bytes(record->key_len,
					   record_value(record, value));
		if (used > room)
			return true;
	}
	return false;
}

/* A map with no overflow page, so that mapgen --watch can change it in
 * place bucket page by bucket page (map_update.h): an unlucky bucket
 * doubles the table, which is rare at the planned fill. */
static int plan_and_sort(struct map_records *records,
			 struct hash_db_layout *layout,
			 struct relay_error *failure)
{
	hash_db_plan(records->count, records->data_bytes, layout);
	for (;;) {
		if (!map_records_sort(records, bucket_of, layout, layout->buckets))
			return map_fail(failure, RELAY_OS_ERROR,
					"out of memory sorting %zu keys",
					records->count);
		if (!some_bucket_overflows(records, layout) ||
		    layout->buckets >= (1u << 30))
			return 0;
		hash_db_widen(layout);
	}
}

static int write_map(const char *db_path, struct map_records *records, struct relay_error *failure)
{
	struct hash_db_layout layout;
	struct map_target target;
	int rc = plan_and_sort(records, &layout, failure);

	if (rc != 0)
		return rc;
	rc = map_target_begin(&target, db_path, failure);
	if (rc != 0)
		return rc;
	rc = fill_and_install(&target, &layout, records, failure);
	map_target_abandon(&target);
	return rc;
}

static int take_snapshot(struct relay_store *store,
			 struct relay_snapshot *snap,
			 struct relay_error *failure)
{
	if (relay_snapshot_take(store, snap, failure) != RELAY_OK)
		return relay_status_exit_code(failure->status);
	return 0;
}

/* Takes the snapshot's entries into records and frees it: a million
 * entries need their memory back before the hash table is built. */
static int write_out(const struct export_options *options,
		     struct relay_snapshot *snap, const struct map_window *window,
		     struct export_result *result, struct relay_error *failure)
{
	struct map_records records;
	bool built = map_records_build(snap, window, options->flavour, &records);
	size_t entries = snap->count;
	int rc;

	relay_snapshot_free(snap);
	if (!built)
		return map_fail(failure, RELAY_OS_ERROR,
				"out of memory formatting %zu entries", entries);
	result->keys = records.count;
	if (options->db_path == NULL)
		rc = write_text(&records, failure);
	else
		rc = write_map(options->db_path, &records, failure);
	map_records_free(&records);
	return rc;
}

/* Fills the heap before the snapshot goes: the map's entries are the
 * ones it names. */
static bool fill_aging(const struct relay_snapshot *snap,
		       const struct map_window *window, struct aging *aging)
{
	aging_clear(aging);
	if (window->max_age == MAP_NO_MAX_AGE)
		return true;
	for (size_t i = 0; i < snap->count; i++) {
		const struct relay_entry *entry = &snap->entries[i];

		if (map_window_holds(window, entry->stamp) &&
		    !aging_append(aging, map_window_leaves_at(window, entry->stamp),
				  &entry->addr))
			return false;
	}
	aging_heapify(aging);
	return true;
}

static size_t entries_held(const struct relay_snapshot *snap,
			   const struct map_window *window)
{
	size_t held = 0;

	for (size_t i = 0; i < snap->count; i++)
		held += map_window_holds(window, snap->entries[i].stamp);
	return held;
}

int export_run(struct relay_store *store, const struct export_options *options,
	       struct export_result *result, struct relay_error *failure)
{
	struct relay_snapshot snap;
	struct map_window window = { 0, options->max_age };
	int rc;

	memset(result, 0, sizeof(*result));
	rc = take_snapshot(store, &snap, failure);
	if (rc != 0)
		return rc;
	window.now = (int64_t)time(NULL);
	result->skipped = snap.skipped;
	result->entries = entries_held(&snap, &window);
	result->next_change = next_change(&snap, &window);
	if (options->aging != NULL && !fill_aging(&snap, &window, options->aging)) {
		relay_snapshot_free(&snap);
		return map_fail(failure, RELAY_OS_ERROR, "out of memory noting when "
							 "%zu entries age out",
				result->entries);
	}
	return write_out(options, &snap, &window, result, failure);
}
