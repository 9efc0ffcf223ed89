/* The records of one map, keys formatted once into one arena: what the
 * snapshot holds within the window, in every key form the MTA uses. */
#ifndef MAPGEN_RECORDS_H
#define MAPGEN_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "snapshot.h"
#include "window.h"

struct map_record {
	int64_t stamp;	     /* the value, kept here for locality */
	uint64_t prefix;     /* the key's first 8 bytes, big-endian: most
				 * comparisons end here, without a trip to
				 * the arena */
	uint32_t bucket;     /* for the insert order; 0 until set */
	uint32_t key_offset; /* into the arena */
	uint8_t key_len;
};

struct map_records {
	struct map_record *items;
	size_t count;
	char *arena;
	size_t arena_used;
	size_t data_bytes; /* keys and values, for sizing the table */
};

/* Returns false when memory runs out; records is then empty. */
bool map_records_build(const struct relay_snapshot *snap,
		       const struct map_window *window,
		       enum map_flavour flavour, struct map_records *records);

static inline const char *map_record_key(const struct map_records *records,
					 const struct map_record *record)
{
	return records->arena + record->key_offset;
}

/* Sorts by bucket, then by key within a bucket (see hash_db.h).  Sets
 * each record's bucket with bucket_of first.  False without memory. */
bool map_records_sort(struct map_records *records,
		      uint32_t (*bucket_of)(const void *context,
					    const char *key, size_t len),
		      const void *context, uint32_t buckets);

void map_records_free(struct map_records *records);

#endif
