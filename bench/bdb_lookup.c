/* bdb_lookup MAP.db SECONDS ENTRIES: the floor an MTA pays today for the
 * same question relayersd_bench asks: a lookup in the hash map mapgen
 * exported, in process, the way sendmail 8.17 does it (map.c
 * db_map_lookup: flock LOCK_SH, fstat for a newer map, get, LOCK_UN).
 * Keys as relayersd_bench makes them, lower-cased as sendmail sends
 * them.  Prints lookups per second and p50/p99; figures only. */
#include <db.h>
#include <stdio.h>
#include <sysexits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "addresses.h"
#include "samples.h"

static void make_key(unsigned long n, unsigned long entries, char *out, size_t room)
{
	if (entries == 0 || n % 4 == 3) {
		login_client_text((uint32_t)n, out);
	} else {
		struct relay_addr addr;
		char text[RELAY_ADDR_TEXT_MAX];

		filled_entry_addr((uint32_t)((n * 2654435761u) % entries), &addr);
		relay_addr_format_full(&addr, text);
		snprintf(out, room, "%s%s", addr.family == AF_INET6 ? "ipv6:" : "", text);
	}
}

int main(int argc, char **argv)
{
	unsigned long seconds, entries, found = 0, n = 0;
	struct samples samples;
	uint64_t end;
	DB *db;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: bdb_lookup MAP.db SECONDS ENTRIES\n");
		return EX_USAGE;
	}
	seconds = strtoul(argv[2], NULL, 10);
	entries = strtoul(argv[3], NULL, 10);
	if (db_create(&db, NULL, 0) != 0 ||
	    db->open(db, NULL, argv[1], NULL, DB_HASH, DB_RDONLY, 0) != 0 ||
	    db->fd(db, &fd) != 0) {
		fprintf(stderr, "bdb_lookup: cannot open %s\n", argv[1]);
		return EX_NOINPUT;
	}
	samples_init(&samples, 1 << 20);
	end = now_ns() + seconds * 1000000000ull;
	for (uint64_t t0 = now_ns(); t0 < end; t0 = now_ns(), n++) {
		char key[64];
		DBT k, v;
		struct stat st;

		make_key(n, entries, key, sizeof(key));
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		k.data = key;
		k.size = (u_int32_t)strlen(key);
		flock(fd, LOCK_SH);
		fstat(fd, &st);
		if (db->get(db, NULL, &k, &v, 0) == 0)
			found++;
		flock(fd, LOCK_UN);
		samples_add(&samples, now_ns() - t0);
	}
	printf("berkeley db %lu entries, in process: %.0f lookups/s;",
	       entries, (double)n / (double)seconds);
	samples_print("", &samples);
	printf("  answers: %lu found, %lu not\n", found, n - found);
	samples_free(&samples);
	db->close(db, 0);
	return 0;
}
