#include "tdb_floor.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <tdb.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

#define FLOOR_TDB_FLAGS (TDB_SEQNUM | TDB_INCOMPATIBLE_HASH)

static TDB_DATA now_value(char value[24])
{
	int len = snprintf(value, 24, "%lld", (long long)time(NULL));

	return (TDB_DATA){ (unsigned char *)value, (size_t)len };
}

bool tdb_floor_record_kept(const char *path, const char *key)
{
	static struct tdb_context *tdb;
	char value[24];
	TDB_DATA k = { (unsigned char *)key, strlen(key) };
	int stored;

	if (tdb == NULL &&
	    (tdb = tdb_open(path, 0, FLOOR_TDB_FLAGS, O_RDWR, 0)) == NULL) {
		perror(path);
		return false;
	}
	if (tdb_chainlock(tdb, k) != 0)
		return false;
	stored = tdb_store(tdb, k, now_value(value), TDB_REPLACE);
	tdb_chainunlock(tdb, k);
	if (stored != 0)
		fprintf(stderr, "%s: %s\n", path, tdb_errorstr(tdb));
	return stored == 0;
}

bool tdb_floor_copy(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = -1;
	struct stat st;
	bool copied = false;

	unlink(to);
	if (in >= 0 && fstat(in, &st) == 0 &&
	    (out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0) {
		off_t left = st.st_size;
		ssize_t n = 1;

		while (left > 0 && (n = copy_file_range(in, NULL, out, NULL,
							(size_t)left, 0)) > 0)
			left -= n;
		copied = left == 0;
	}
	if (!copied)
		perror(to);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return copied;
}

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
