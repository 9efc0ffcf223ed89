/* What the store's files share and no one else sees: the handle, the
 * record format and the bounded waits.  See store.h for the API. */
#ifndef RELAYERS_STORE_PRIVATE_H
#define RELAYERS_STORE_PRIVATE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <tdb.h>

#include "lock_timer.h"
#include "store.h"

/* A record every relay store holds from birth.  It tells a relay store
 * from any other tdb, so that no other file is ever written to. */
#define MARKER_KEY "relayers:store"
#define MARKER_VALUE "1"

/* Every opener asks for sequence numbers, so any change is seen. */
#define STORE_TDB_FLAGS (TDB_SEQNUM | TDB_INCOMPATIBLE_HASH)

struct relay_store {
	struct tdb_context *tdb;
	char *path;
	unsigned timeout_ms;
	/* TDB_NOMMAP on the login path: it writes one record, and mapping
	 * (then unmapping) a large store costs far more than reading one
	 * hash chain with pread.  See docs/PERFORMANCE.md. */
	int extra_tdb_flags;
	struct relay_lock_timer timer;
	bool in_transaction;
	bool unlocked;		/* opened read-only: tdb takes no locks */
	/* The path names another file than the one open (a repair put a
	 * new store in place): reopen and try again. */
	bool replaced;
	void (*log)(void *context, const char *message);
	void *log_context;
};

/* --- the record format (store_format.c) --- */

TDB_DATA store_text(const char *text, size_t len);
TDB_DATA store_marker_key(void);
bool store_is_marker(TDB_DATA key);
/* The key of addr, written into text. */
TDB_DATA store_key(const struct relay_addr *addr, char text[RELAY_ADDR_TEXT_MAX]);
enum relay_status store_parse_value(TDB_DATA value, int64_t *stamp);
/* False for records that are not relay entries (the marker, or anything
 * a foreign writer left). */
bool store_decode(TDB_DATA key, TDB_DATA value, struct relay_addr *addr,
		  int64_t *stamp);
/* Whether key and value form a record a relay store may hold (today the
 * marker or an entry); *order ranks two copies of one key, newer higher.
 * The salvage keeps only what this accepts. */
bool store_record_admissible(TDB_DATA key, TDB_DATA value, int64_t *order);

/* --- errors (store_error.c) --- */

enum relay_status store_fail(struct relay_error *err, enum relay_status status,
			     const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Maps a failed tdb call to a status, telling a lock that ran out of
 * time from a real fault. */
enum relay_status store_tdb_failure(struct relay_store *store,
				    struct relay_error *err, const char *what);

/* --- bounded waits (store_wait.c) --- */

/* Brackets every lock-taking call: the timer makes a blocked lock fail
 * once the timeout has passed. */
void store_guard_begin(struct relay_store *store);
void store_guard_end(struct relay_store *store);
/* Retries a lock attempt that does not wait, with short backoff, until
 * it succeeds or the timeout passes. */
bool store_retry_bounded(struct relay_store *store, bool (*attempt)(void *arg),
			 void *arg);

/* --- opening (store_open.c), with the guard armed --- */

enum relay_status store_open_guarded(struct relay_store *store,
				     const struct relay_store_options *options,
				     struct relay_error *err);
/* A new store with its marker, at scratch->path, which must not exist;
 * left open in scratch->tdb.  Used for creating and for salvaging. */
enum relay_status store_create_scratch(struct relay_store *scratch,
				       struct relay_error *err);
/* Whether store->path still names the file open; false after a repair
 * replaced it. */
bool store_still_in_place(struct relay_store *store);

#endif
