#include "tdb_floor.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <tdb.h>
#include <time.h>

#include "store.h"

bool tdb_floor_record(const char *path, const char *key, int extra_flags)
{
	char value[24];
	int len = snprintf(value, sizeof(value), "%lld", (long long)time(NULL));
	TDB_DATA k = { (unsigned char *)key, strlen(key) };
	TDB_DATA v = { (unsigned char *)value, (size_t)len };
	struct tdb_context *tdb;
	int stored;

	tdb = tdb_open(path, RELAY_STORE_HASH_SIZE,
		       TDB_SEQNUM | TDB_INCOMPATIBLE_HASH | extra_flags, O_RDWR,
		       0);
	if (tdb == NULL) {
		perror(path);
		return false;
	}
	stored = tdb_store(tdb, k, v, TDB_REPLACE);
	if (stored != 0)
		fprintf(stderr, "%s: %s\n", path, tdb_errorstr(tdb));
	tdb_close(tdb);
	return stored == 0;
}
