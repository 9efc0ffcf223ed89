#include "records.h"

#include <stdlib.h>
#include <string.h>

#include "hash_db.h"
#include "stamp.h"

static bool reserve(struct map_records *records, size_t count,
		    size_t arena_bytes)
{
	records->items = malloc((count ? count : 1) * sizeof(*records->items));
	records->arena = malloc(arena_bytes ? arena_bytes : 1);
	if (records->items == NULL || records->arena == NULL) {
		map_records_free(records);
		return false;
	}
	return true;
}

/* Zero-padded, so that comparing prefixes as numbers orders keys as
 * memcmp does over those bytes. */
static uint64_t key_prefix(const char *key, size_t len)
{
	uint64_t prefix = 0;

	for (size_t i = 0; i < sizeof(prefix); i++)
		prefix = prefix << 8 | (i < len ? (unsigned char)key[i] : 0);
	return prefix;
}

static void add_forms(struct map_records *records, int64_t stamp,
		      const struct map_keys *forms, size_t value_len)
{
	for (unsigned k = 0; k < forms->count; k++) {
		struct map_record *record = &records->items[records->count++];

		record->bucket = 0;
		record->key_offset = (uint32_t)records->arena_used;
		record->stamp = stamp;
		record->prefix = key_prefix(forms->text[k], forms->len[k]);
		record->key_len = (uint8_t)forms->len[k];
		memcpy(records->arena + records->arena_used, forms->text[k],
		       forms->len[k]);
		records->arena_used += forms->len[k];
		records->data_bytes += forms->len[k] + value_len;
	}
}

bool map_records_build(const struct relay_snapshot *snap,
		       const struct map_window *window,
		       enum map_flavour flavour, struct map_records *records)
{
	size_t most = 0;

	memset(records, 0, sizeof(*records));
	for (size_t i = 0; i < snap->count; i++)
		if (map_window_holds(window, snap->entries[i].stamp))
			most += map_keys_most(&snap->entries[i].addr, flavour);
	/* Offsets are 32 bits: a map of 60 million keys is out of reach. */
	if (most > UINT32_MAX / MAP_KEY_MAX ||
	    !reserve(records, most, most * MAP_KEY_MAX))
		return false;
	for (size_t i = 0; i < snap->count; i++) {
		const struct relay_entry *entry = &snap->entries[i];
		char value[RELAY_STAMP_TEXT_MAX];
		struct map_keys forms;

		if (!map_window_holds(window, entry->stamp))
			continue;
		map_keys_for(&entry->addr, flavour, &forms);
		add_forms(records, entry->stamp, &forms,
			  relay_stamp_format(entry->stamp, value));
	}
	return true;
}

/* Counting sort by bucket: linear, where qsort would cost more than the
 * inserts it speeds up. */
static bool group_by_bucket(struct map_records *records, uint32_t buckets)
{
	size_t *start = calloc((size_t)buckets + 1, sizeof(*start));
	struct map_record *sorted = malloc((records->count ? records->count : 1) *
					   sizeof(*sorted));

	if (start == NULL || sorted == NULL) {
		free(start);
		free(sorted);
		return false;
	}
	for (size_t i = 0; i < records->count; i++)
		start[records->items[i].bucket + 1]++;
	for (uint32_t b = 0; b < buckets; b++)
		start[b + 1] += start[b];
	for (size_t i = 0; i < records->count; i++)
		sorted[start[records->items[i].bucket]++] = records->items[i];
	free(start);
	free(records->items);
	records->items = sorted;
	return true;
}

static bool key_after(const struct map_records *records,
		      const struct map_record *a, const struct map_record *b)
{
	if (a->prefix != b->prefix)
		return a->prefix > b->prefix;
	return hash_db_key_order(map_record_key(records, a), a->key_len,
				 map_record_key(records, b), b->key_len) > 0;
}

/* Insertion sort of one bucket's few dozen keys. */
static void sort_run(const struct map_records *records, struct map_record *run,
		     size_t len)
{
	for (size_t i = 1; i < len; i++) {
		struct map_record moving = run[i];
		size_t j = i;

		while (j > 0 && key_after(records, &run[j - 1], &moving)) {
			run[j] = run[j - 1];
			j--;
		}
		run[j] = moving;
	}
}

bool map_records_sort(struct map_records *records,
		      uint32_t (*bucket_of)(const void *context,
					    const char *key, size_t len),
		      const void *context, uint32_t buckets)
{
	size_t run_start = 0;

	for (size_t i = 0; i < records->count; i++) {
		struct map_record *record = &records->items[i];

		record->bucket = bucket_of(context, map_record_key(records, record),
					   record->key_len);
	}
	if (!group_by_bucket(records, buckets))
		return false;
	for (size_t i = 1; i <= records->count; i++) {
		if (i < records->count &&
		    records->items[i].bucket == records->items[run_start].bucket)
			continue;
		sort_run(records, records->items + run_start, i - run_start);
		run_start = i;
	}
	return true;
}

void map_records_free(struct map_records *records)
{
	free(records->items);
	free(records->arena);
	memset(records, 0, sizeof(*records));
}
