/* Writing a Berkeley DB hash file, the format of `makemap hash`: one
 * record per key, key and value as plain bytes with no NUL.  sendmail
 * and Postfix (hash:) open any DB_HASH file of this library version.
 *
 * Speed: a million puts in arbitrary order cost seconds, most of it in
 * finding and reordering the bucket page of each key.  The table is
 * therefore made at its final size up front (no bucket ever splits),
 * and the caller inserts keys grouped by bucket and sorted within it,
 * as hash_db_bucket() and hash_db_key_order() say; each put then finds
 * its page already in hand and appends to it.  Any order gives the same
 * map; this one is just several times faster. */
#ifndef MAPGEN_HASH_DB_H
#define MAPGEN_HASH_DB_H

#include <stddef.h>
#include <stdint.h>

#include "failure.h"

/* The table's shape, fixed before the first put. */
struct hash_db_layout {
	uint32_t page_size;
	uint32_t fill_factor; /* keys per bucket before a split */
	uint32_t buckets;     /* a power of two */
};

/* Plans a table for keys keys of key_bytes key and value bytes in all. */
void hash_db_plan(size_t keys, size_t data_bytes,
		  struct hash_db_layout *layout);

/* Room for pairs in one bucket page, and what one pair takes of it: a
 * bucket whose pairs take more needs an overflow page. */
size_t hash_db_page_room(const struct hash_db_layout *layout);
size_t hash_db_pair_bytes(size_t key_len, size_t value_len);

/* Twice the buckets, for a table whose fullest bucket would overflow. */
void hash_db_widen(struct hash_db_layout *layout);

/* The bucket Berkeley DB will file key under in a table so planned. */
uint32_t hash_db_bucket(const struct hash_db_layout *layout, const char *key,
			size_t key_len);

/* The order of keys within a bucket page (memcmp, shorter first). */
int hash_db_key_order(const char *a, size_t a_len, const char *b,
		      size_t b_len);

struct hash_db;

/* Opens path, which must exist and be empty (the caller created it with
 * O_EXCL), as a new hash database of the planned shape. */
int hash_db_create(const char *path, const struct hash_db_layout *layout,
		   struct hash_db **out, struct relay_error *failure);

int hash_db_put(struct hash_db *db, const char *key, size_t key_len,
		const char *value, size_t value_len,
		struct relay_error *failure);

/* Writes every cached page to the file and closes it; the caller still
 * has to fsync.  db is gone afterwards, even on failure. */
int hash_db_finish(struct hash_db *db, struct relay_error *failure);

/* Closes without caring about the file, which the caller removes. */
void hash_db_discard(struct hash_db *db);

#endif
