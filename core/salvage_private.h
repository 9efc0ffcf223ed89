/* What the salvage's two files share: the images of the old store, the
 * records chosen from them, and catching up with writers.  See
 * store_salvage.c and salvage_catch_up.c. */
#ifndef RELAYERS_SALVAGE_PRIVATE_H
#define RELAYERS_SALVAGE_PRIVATE_H

#include <sys/stat.h>

#include "salvage_scan.h"
#include "store_private.h"

struct image {
	unsigned char *bytes;
	size_t size;
};

/* One record chosen for the new store; key and value point into the
 * image it was read from. */
struct pick {
	uint32_t hash; /* of the key: orders picks before the key does */
	TDB_DATA key;
	TDB_DATA value;
};

struct copy {
	const struct salvage_record *rec;
	TDB_DATA key;
	TDB_DATA value;
	int64_t order;
};

struct selection {
	struct pick *picks; /* sorted by the key's hash, then the key */
	size_t count;
	uint64_t entries;
	bool marker;
	uint64_t not_relay, stale, freed, damaged;
};

/* The old file as the salvage found it: open, checked, and read once. */
struct old_store {
	const char *path;
	int fd;
	struct stat st;
	struct image image;
	struct selection sel;
	struct salvage_scan scan; /* of image */
};

int salvage_compare_keys(TDB_DATA a, TDB_DATA b);
/* Records are ordered by the hash of their key first: a million keys
 * sort without reading most of them (they lie all over the image). */
int salvage_compare_hashed(uint32_t ha, TDB_DATA a, uint32_t hb, TDB_DATA b);

/* What writers do to a store while it is being salvaged is almost always
 * logins: new records and new times, never a record moved or removed.
 * That much is taken over into fresh from the pages of now (the file
 * read again under the locks) that differ from old's image: RELAY_OK
 * when done, RELAY_NOT_FOUND when the changes are of another kind (a
 * delete, an expire, a truncation) and the whole image must be chosen
 * from again. */
enum relay_status salvage_catch_up(const struct old_store *old,
				   const struct image *now,
				   struct relay_store *fresh,
				   struct relay_salvage_report *report,
				   struct relay_error *err);

#endif
