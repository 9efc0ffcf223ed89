/* The relay store: a tdb file mapping a client address (canonical text,
 * see addr.h) to the time of its last login (ASCII epoch seconds).
 *
 * Every writer, from PAM login paths to cron, writes at once; tdb's
 * fcntl locks keep them apart.  Nothing here waits on a lock for longer
 * than the timeout the store was opened with.  Who opened each address,
 * and the guard, are in bookkeeping.h. */
#ifndef RELAYERS_STORE_H
#define RELAYERS_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

#ifndef RELAY_DEFAULT_STORE
#define RELAY_DEFAULT_STORE "/var/lib/relayers/relayers.tdb"
#endif

/* The number of hash chains a new store gets unless told otherwise:
 * one record per chain at 100,000 records, ten at a million.  tdb fixes
 * it when it creates the file; vsmtprelay rehash moves a store to a new
 * file with another (relay_store_salvage). */
#define RELAY_STORE_HASH_SIZE 100003
/* 1 GiB of table: the most any relay store could use. */
#define RELAY_STORE_HASH_SIZE_MAX (1u << 28)

enum relay_status {
	RELAY_OK = 0,
	RELAY_MISSING,	 /* no store at that path */
	RELAY_INSECURE,	 /* wrong type, owner or mode: not trusted */
	RELAY_NOT_STORE, /* not a tdb, or a tdb without the marker */
	RELAY_CORRUPT,	 /* a relay store tdb cannot read */
	RELAY_MALFORMED, /* an entry whose value is not a time */
	RELAY_BUSY,	 /* the lock wait ran out */
	RELAY_FAILED,	 /* any other error (I/O, full disk, memory) */
	RELAY_NOT_FOUND, /* no entry for that address */
	/* The map's (mapgen): the same error type for the store and the map. */
	RELAY_CANNOT_CREATE, /* a file or directory cannot be made */
	RELAY_OS_ERROR,	     /* the system refused: fork, waitpid */
	RELAY_USAGE,	     /* an argument that cannot work, e.g. too long */
};

/* A message for the admin, naming the store and the cause. */
struct relay_error {
	enum relay_status status;
	char text[768]; /* room for a map's path and its directory's */
};

struct relay_store_options {
	unsigned timeout_ms; /* longest wait for any lock */
	bool create;	     /* make the store if it is missing */
	/* Reads only: opens O_RDWR for tdb's locks, falls back to O_RDONLY
	 * when that is refused, and never creates the store. */
	bool fallback_read_only;
	/* relay_store_record*: from this process's second call on, keep
	 * the store open for the later ones (the module's logins), instead
	 * of open, write and close each time.  See store_kept.c. */
	bool keep_open;
	/* Where tdb's own diagnostics go; NULL drops them. */
	void (*log)(void *context, const char *message);
	void *log_context;
	/* The hash chains of a store created now (at most
	 * RELAY_STORE_HASH_SIZE_MAX); 0: RELAY_STORE_HASH_SIZE for a new
	 * store, relay_store_hash_size_for() for a salvaged one.  An
	 * existing store keeps its own. */
	unsigned hash_size;
};

struct relay_store;

/* Opens the store at path after checking that it can be trusted: a
 * regular file, not a symlink, owned by root or the caller, writable by
 * no one else, and holding the relay store marker.  A missing store is
 * created (mode 0600, never over an existing file) only when
 * options->create is set and its directory exists. */
enum relay_status relay_store_open(const char *path,
				   const struct relay_store_options *options,
				   struct relay_store **out,
				   struct relay_error *err);

void relay_store_close(struct relay_store *store);

/* Opens (creating as options say), sets addr's time and closes, with one
 * lock timeout for the whole: the login path's single call. */
enum relay_status relay_store_record(const char *path,
				     const struct relay_store_options *options,
				     const struct relay_addr *addr,
				     int64_t stamp, struct relay_error *err);

/* Sets addr's time to stamp, creating or replacing the entry. */
enum relay_status relay_store_put(struct relay_store *store,
				  const struct relay_addr *addr, int64_t stamp,
				  struct relay_error *err);

/* Reads addr's time. */
enum relay_status relay_store_get(struct relay_store *store,
				  const struct relay_addr *addr, int64_t *stamp,
				  struct relay_error *err);

/* Called once per entry.  Return false to stop the walk. */
typedef bool (*relay_entry_fn)(const struct relay_addr *addr, int64_t stamp,
			       void *context);

/* Walks every entry of one consistent snapshot (relay_snapshot_take in
 * snapshot.h, one whole-store read lock), after the lock is released.
 * Records that are not relay entries are skipped and counted in
 * *skipped (may be NULL). */
enum relay_status relay_store_snapshot(struct relay_store *store,
				       relay_entry_fn fn, void *context,
				       uint64_t *skipped,
				       struct relay_error *err);

/* Bulk changes are made in a transaction: all of them or none. */
enum relay_status relay_store_begin(struct relay_store *store,
				    struct relay_error *err);
enum relay_status relay_store_commit(struct relay_store *store,
				     struct relay_error *err);
void relay_store_cancel(struct relay_store *store);
bool relay_store_in_transaction(const struct relay_store *store);

/* Removes addr's entry; RELAY_NOT_FOUND if it had none. */
enum relay_status relay_store_delete(struct relay_store *store,
				     const struct relay_addr *addr,
				     struct relay_error *err);

/* A counter that changes whenever any writer changes the store; cheap
 * enough to poll. */
uint64_t relay_store_seqnum(struct relay_store *store);

/* Verifies the store's structure (tdb_check) and every entry's form. */
enum relay_status relay_store_check(struct relay_store *store,
				    uint64_t *entries, uint64_t *bad_entries,
				    struct relay_error *err);

/* Rebuilds the store's free space in a transaction, reclaiming what a
 * writer killed mid-store leaked; every entry is kept. */
enum relay_status relay_store_repack(struct relay_store *store,
				     struct relay_error *err);

/* Shortens the store's free list when it holds more holes than a login
 * should walk, as a bulk delete (expire) leaves it: a file small enough
 * (8 MiB) to repack within a login's timeout is repacked; for a larger
 * one *rewrite is set, and the caller closes the store and rewrites it
 * beside itself with relay_store_salvage (store_compact.c). */
enum relay_status relay_store_compact(struct relay_store *store,
				      bool *rewrite, struct relay_error *err);

/* The number of hash chains of the open store, fixed when it was
 * created: records / hash size is the length of the chain a login walks
 * (store_shape.c). */
unsigned relay_store_hash_size(struct relay_store *store);

/* Counts every record of the store, entries, owner and account records
 * and the marker, under one whole-store read lock. */
enum relay_status relay_store_count_records(struct relay_store *store,
					    uint64_t *records,
					    struct relay_error *err);

/* The hash size for a store of that many records: the first of a short
 * list of primes (RELAY_STORE_HASH_SIZE up to about ten million) that
 * is at least records, so that chains average a record or less. */
unsigned relay_store_hash_size_for(uint64_t records);

/* What a salvage found and kept (store_salvage.c). */
struct relay_salvage_report {
	uint64_t entries;   /* relay entries in the new store */
	uint64_t records;   /* records written, the marker included */
	bool marker;	    /* the old store's marker was found */
	uint64_t not_relay; /* intact records a relay store may not hold */
	uint64_t stale;	    /* older copies of a key that was kept */
	uint64_t freed;	    /* copies in freed space: deleted records */
	uint64_t damaged;   /* record headers whose lengths or hash fail */
	unsigned hash_size; /* of the new store */
	bool reread;	    /* writers changed the store meanwhile */
	bool rescanned;	    /* not only logins: the whole file again */
	double read_ms;	    /* reading and sorting, writers running */
	double build_ms;    /* writing the new store, writers running */
	double held_ms;	    /* writers held off: final read and swap */
};

/* Reads every intact record of the store at path from the file itself,
 * whatever the state of its header, hash table or free list, and puts a
 * new store with what a relay store may hold (same owner, mode and
 * marker) in its place by rename().  Writers are held off (tdb's open
 * lock and every chain lock of the old file) only while the file is
 * read again and the new one renamed; what they wrote since the first
 * read is taken over.  A file that holds neither the marker nor any
 * entry is left as it was: RELAY_NOT_STORE.  The new store has
 * options->hash_size chains, or, when that is 0, as many as
 * relay_store_hash_size_for() gives for the records first read. */
enum relay_status relay_store_salvage(const char *path,
				      const struct relay_store_options *options,
				      struct relay_salvage_report *report,
				      struct relay_error *err);

/* The command that repairs the store at path, for messages that tell
 * the admin what to run: vsmtprelay -f PATH check --repair. */
const char *relay_store_repair_command(const char *path, char *buf,
				       size_t size);

const char *relay_status_name(enum relay_status status);

/* True for the statuses that say the data is not what a relay store
 * holds (RELAY_NOT_STORE, RELAY_CORRUPT, RELAY_MALFORMED): the store is
 * left as it was, and vsmtprelay check --repair is the way out. */
bool relay_status_is_bad_data(enum relay_status status);

#endif
