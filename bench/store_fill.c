/* store_fill STORE COUNT [HASH_SIZE]: makes a relay store holding COUNT
 * entries for the benchmarks, quickly, with HASH_SIZE hash chains
 * (default RELAY_STORE_HASH_SIZE), as vsmtprelay rehash would leave it.
 * The store is created through the core, so it
 * is a real relay store (marker, mode, hash size); the entries go in
 * through tdb in one transaction, since a million guarded single puts
 * would take most of the benchmark's time budget.
 *
 * Half the entries (the even ones) are three days old, the rest less
 * than an hour, so that expiring or exporting with a one-day age limit
 * keeps half. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sysexits.h>
#include <stdlib.h>
#include <string.h>
#include <tdb.h>
#include <time.h>

#include "addresses.h"
#include "stamp.h"
#include "store.h"

#define OLD_AGE_SECONDS (3 * 86400)

static bool create_empty(const char *path, unsigned hash_size)
{
	struct relay_store_options options = { .timeout_ms = 1000,
					       .create = true,
					       .hash_size = hash_size };
	struct relay_store *store;
	struct relay_error err;

	if (relay_store_open(path, &options, &store, &err) != RELAY_OK) {
		fprintf(stderr, "store_fill: %s\n", err.text);
		return false;
	}
	relay_store_close(store);
	return true;
}

static bool store_entry(struct tdb_context *tdb, uint32_t n, int64_t now)
{
	struct relay_addr addr;
	char key[RELAY_ADDR_TEXT_MAX], value[RELAY_STAMP_TEXT_MAX];
	int64_t stamp = n % 2 == 0 ? now - OLD_AGE_SECONDS : now - n % 3600;
	size_t len = relay_stamp_format(stamp, value);
	TDB_DATA k, v = { (unsigned char *)value, len };

	filled_entry_addr(n, &addr);
	relay_addr_format(&addr, key);
	k.dptr = (unsigned char *)key;
	k.dsize = strlen(key);
	return tdb_store(tdb, k, v, TDB_INSERT) == 0;
}

static bool fill(const char *path, uint32_t count)
{
	/* The file exists: tdb keeps the hash size it was created with. */
	struct tdb_context *tdb = tdb_open(path, 0,
					   TDB_SEQNUM | TDB_INCOMPATIBLE_HASH,
					   O_RDWR, 0);
	int64_t now = time(NULL);

	if (tdb == NULL || tdb_transaction_start(tdb) != 0) {
		fprintf(stderr, "store_fill: %s: cannot open for filling\n", path);
		return false;
	}
	for (uint32_t n = 0; n < count; n++) {
		if (!store_entry(tdb, n, now)) {
			fprintf(stderr, "store_fill: entry %u: %s\n", n,
				tdb_errorstr(tdb));
			tdb_transaction_cancel(tdb);
			tdb_close(tdb);
			return false;
		}
	}
	if (tdb_transaction_commit(tdb) != 0) {
		fprintf(stderr, "store_fill: commit: %s\n", tdb_errorstr(tdb));
		tdb_close(tdb);
		return false;
	}
	return tdb_close(tdb) == 0;
}

/* A whole number from 0 to max, or false. */
static bool parse_number(const char *text, unsigned long max,
			 unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(text, &end, 10);
	return errno == 0 && end != text && *end == '\0' && text[0] != '-' &&
	       *out <= max;
}

int main(int argc, char **argv)
{
	unsigned long count, hash_size = RELAY_STORE_HASH_SIZE;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: store_fill STORE COUNT [HASH_SIZE]\n");
		return EX_USAGE;
	}
	if (!parse_number(argv[2], 16u << 20, &count)) {
		fprintf(stderr, "store_fill: bad count \"%s\"\n", argv[2]);
		return EX_USAGE;
	}
	if (argc == 4 && (!parse_number(argv[3], RELAY_STORE_HASH_SIZE_MAX,
					&hash_size) ||
			  hash_size == 0)) {
		fprintf(stderr, "store_fill: bad hash size \"%s\"\n", argv[3]);
		return EX_USAGE;
	}
	if (!create_empty(argv[1], (unsigned)hash_size) ||
	    !fill(argv[1], (uint32_t)count))
		return 1;
	return 0;
}
