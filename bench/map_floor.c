/* map_floor MAP.db LOOKUPS ENTRIES: the floor an MTA pays today for a
 * relay lookup, beside relayersd_bench's lookups through the socket.
 *
 * The keys relayersd_bench sends, in its order: store_fill's entries
 * spread over the store (IPv6 in sendmail's "ipv6:" full form) and, one
 * in four, addresses not in the store; looked up in the hash map mapgen
 * exported from that store, through Berkeley DB 5.3, in one process with
 * the map kept open, each get bracketed as sendmail 8.17 brackets it
 * (FIELD-NOTES): fstat for the mtime, flock(LOCK_SH), get,
 * flock(LOCK_UN).  Each lookup is timed alone with CLOCK_MONOTONIC.
 * Left out: what a sendmail child pays per SMTP session to open the map.
 *
 * Prints "map floor ...: N lookups/s;" and the samples' line, then the
 * answers.  Exits 69 if the map cannot be opened, 71 on a failed lock.
 * Berkeley DB is linked here only: relayersd and the login path never. */
#include <db.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "addresses.h"
#include "samples.h"

struct tally {
	unsigned long found, notfound, other;
};

/* The n-th key relayersd_bench sends (its make_request). */
static void key_of(unsigned long n, unsigned long entries,
		   char key[RELAY_ADDR_TEXT_MAX + 8])
{
	struct relay_addr addr;
	char text[RELAY_ADDR_TEXT_MAX];

	if (entries == 0 || n % 4 == 3) {
		login_client_text((uint32_t)n, key);
		return;
	}
	filled_entry_addr((uint32_t)((n * 2654435761u) % entries), &addr);
	relay_addr_format_full(&addr, text);
	snprintf(key, RELAY_ADDR_TEXT_MAX + 8, "%s%s",
		 addr.family == AF_INET6 ? "ipv6:" : "", text);
}

/* One lookup as sendmail makes it; the DB return code. */
static int sendmail_get(DB *db, int fd, const char *key)
{
	DBT k = { .data = (void *)key, .size = (u_int32_t)strlen(key) };
	DBT v = { 0 };
	struct stat st;
	int rc;

	if (fstat(fd, &st) != 0 || flock(fd, LOCK_SH) != 0) {
		perror("map_floor: flock");
		exit(EX_OSERR);
	}
	rc = db->get(db, NULL, &k, &v, 0);
	(void)flock(fd, LOCK_UN);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long lookups, entries;
	struct tally t = { 0, 0, 0 };
	struct samples s;
	char key[RELAY_ADDR_TEXT_MAX + 8], label[96];
	uint64_t began, wall;
	DB *db = NULL;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: map_floor MAP.db LOOKUPS ENTRIES\n");
		return EX_USAGE;
	}
	lookups = strtoul(argv[2], NULL, 10);
	entries = strtoul(argv[3], NULL, 10);
	if (db_create(&db, NULL, 0) != 0 ||
	    db->open(db, NULL, argv[1], NULL, DB_HASH, DB_RDONLY, 0) != 0 ||
	    db->fd(db, &fd) != 0) {
		fprintf(stderr, "map_floor: cannot open %s\n", argv[1]);
		return EX_UNAVAILABLE;
	}
	samples_init(&s, lookups);
	began = now_ns();
	for (unsigned long n = 0; n < lookups; n++) {
		uint64_t one;
		int rc;

		key_of(n, entries, key);
		one = now_ns();
		rc = sendmail_get(db, fd, key);
		samples_add(&s, now_ns() - one);
		if (rc == 0)
			t.found++;
		else if (rc == DB_NOTFOUND)
			t.notfound++;
		else
			t.other++;
	}
	wall = now_ns() - began;
	snprintf(label, sizeof(label), "map floor %lu entries, 1 process:", entries);
	printf("%s %.0f lookups/s;", label,
	       wall > 0 ? (double)s.count * 1e9 / (double)wall : 0.0);
	samples_print("", &s);
	printf("  answers: %lu found, %lu not found, %lu other\n",
	       t.found, t.notfound, t.other);
	samples_free(&s);
	db->close(db, 0);
	return t.other == 0 ? EX_OK : EX_SOFTWARE;
}
