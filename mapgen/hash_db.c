#include "hash_db.h"

#include <db.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hash_db {
	DB *db;
	const char *path;
	char last_message[256]; /* Berkeley DB's own words on a failure */
};

#define PAGE_SIZE 4096
/* A page's own header, and per key/value pair two index slots and two
 * item headers. */
#define PAGE_HEADER 26
#define PAIR_OVERHEAD 6
/* Buckets are filled to at most this share of a page on average, so
 * that an unlucky bucket rarely needs an overflow page. */
#define FILL_PERCENT 75
#define CACHE_SLACK (4u << 20)
#define CACHE_MAX (1u << 30)

void hash_db_plan(size_t keys, size_t data_bytes,
		  struct hash_db_layout *layout)
{
	size_t pair = keys ? data_bytes / keys + PAIR_OVERHEAD : 32;
	size_t per_bucket = (PAGE_SIZE - PAGE_HEADER) * FILL_PERCENT / 100 / pair;
	uint32_t buckets = 2;

	if (per_bucket < 1)
		per_bucket = 1;
	/* A quarter to spare: mapgen --watch adds keys in place, and a
	 * split would end that (see map_update.h). */
	while (buckets < (1u << 30) &&
	       (size_t)buckets * per_bucket < keys + keys / 4)
		buckets <<= 1;
	layout->page_size = PAGE_SIZE;
	/* Above the planned load, so that no bucket ever splits. */
	layout->fill_factor = (uint32_t)per_bucket + 1;
	layout->buckets = buckets;
}

size_t hash_db_page_room(const struct hash_db_layout *layout)
{
	return layout->page_size - PAGE_HEADER;
}

size_t hash_db_pair_bytes(size_t key_len, size_t value_len)
{
	return key_len + value_len + PAIR_OVERHEAD;
}

void hash_db_widen(struct hash_db_layout *layout)
{
	if (layout->buckets < (1u << 30))
		layout->buckets <<= 1;
}

/* Berkeley DB's default hash since version 5 of the format (hash_func.c,
 * __ham_func5: FNV-1 from zero).  Used only to choose an insert order;
 * were it ever to differ, the map would be the same, only slower made. */
static uint32_t ham_func5(const char *key, size_t len)
{
	uint32_t h = 0;

	for (size_t i = 0; i < len; i++) {
		h *= 16777619u;
		h ^= (unsigned char)key[i];
	}
	return h;
}

uint32_t hash_db_bucket(const struct hash_db_layout *layout, const char *key,
			size_t key_len)
{
	return ham_func5(key, key_len) & (layout->buckets - 1);
}

int hash_db_key_order(const char *a, size_t a_len, const char *b,
		      size_t b_len)
{
	int cmp = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (cmp != 0)
		return cmp;
	return a_len < b_len ? -1 : a_len > b_len;
}

static void keep_message(const DB_ENV *env, const char *prefix,
			 const char *message)
{
	struct hash_db *hdb = env->app_private;

	(void)prefix;
	if (hdb != NULL)
		snprintf(hdb->last_message, sizeof(hdb->last_message), "%s",
			 message);
}

static int db_failure(struct hash_db *hdb, struct relay_error *failure,
		      const char *what, int code)
{
	/* Berkeley DB returns errno values for system errors and its own
	 * negative codes for the rest. */
	enum relay_status status = code > 0 ? map_errno_status(code) : RELAY_FAILED;

	if (code == ENOSPC || code == EDQUOT)
		status = RELAY_FAILED;
	if (hdb->last_message[0] != '\0' && code < 0)
		return map_fail(failure, status, "%s: %s: %s (%s)", hdb->path,
				what, db_strerror(code), hdb->last_message);
	return map_fail(failure, status, "%s: %s: %s", hdb->path, what,
			db_strerror(code));
}

/* Room in memory for every page, so that none is written before the
 * end or read back. */
static uint32_t cache_bytes(const struct hash_db_layout *layout)
{
	uint64_t bytes = (uint64_t)layout->buckets * layout->page_size * 5 / 4 +
			 CACHE_SLACK;

	return bytes > CACHE_MAX ? CACHE_MAX : (uint32_t)bytes;
}

/* The shape only changes where records land, never what a reader sees:
 * h_nelem / h_ffactor make every bucket at once. */
static int configure(struct hash_db *hdb, const struct hash_db_layout *layout)
{
	DB *db = hdb->db;
	uint64_t nelem = (uint64_t)layout->buckets * layout->fill_factor;
	int rc;

	db->dbenv->app_private = hdb;
	db->set_errcall(db, keep_message);
	rc = db->set_cachesize(db, 0, cache_bytes(layout), 1);
	if (rc == 0)
		rc = db->set_pagesize(db, layout->page_size);
	if (rc == 0)
		rc = db->set_h_ffactor(db, layout->fill_factor);
	if (rc == 0)
		rc = db->set_h_nelem(db, nelem > UINT32_MAX ? UINT32_MAX
							    : (u_int32_t)nelem);
	return rc;
}

int hash_db_create(const char *path, const struct hash_db_layout *layout,
		   struct hash_db **out, struct relay_error *failure)
{
	struct hash_db *hdb = calloc(1, sizeof(*hdb));
	int rc;

	*out = NULL;
	if (hdb == NULL)
		return map_fail(failure, RELAY_OS_ERROR, "%s: out of memory", path);
	hdb->path = path;
	rc = db_create(&hdb->db, NULL, 0);
	if (rc != 0) {
		hdb->db = NULL;
		rc = db_failure(hdb, failure, "cannot start Berkeley DB", rc);
		goto fail;
	}
	rc = configure(hdb, layout);
	/* The file is empty, which Berkeley DB treats as new; it says so
	 * through the error callback, which only keeps the words. */
	if (rc == 0)
		rc = hdb->db->open(hdb->db, NULL, path, NULL, DB_HASH, DB_CREATE,
				   0600);
	if (rc != 0) {
		rc = db_failure(hdb, failure, "cannot create the map", rc);
		goto fail;
	}
	hdb->last_message[0] = '\0';
	*out = hdb;
	return 0;
fail:
	hash_db_discard(hdb);
	return rc;
}

int hash_db_put(struct hash_db *hdb, const char *key, size_t key_len,
		const char *value, size_t value_len,
		struct relay_error *failure)
{
	DBT k = { .data = (void *)key, .size = (u_int32_t)key_len };
	DBT v = { .data = (void *)value, .size = (u_int32_t)value_len };
	int rc = hdb->db->put(hdb->db, NULL, &k, &v, 0);

	if (rc != 0)
		return db_failure(hdb, failure, "writing a record", rc);
	return 0;
}

int hash_db_finish(struct hash_db *hdb, struct relay_error *failure)
{
	/* close() flushes the cache; a full disk shows up here. */
	int rc = hdb->db->close(hdb->db, 0);

	if (rc != 0)
		rc = db_failure(hdb, failure, "writing the map", rc);
	free(hdb);
	return rc;
}

void hash_db_discard(struct hash_db *hdb)
{
	if (hdb == NULL)
		return;
	if (hdb->db != NULL)
		hdb->db->close(hdb->db, DB_NOSYNC);
	free(hdb);
}
