/* What the store's files share and no one else sees: the handle, the
 * record format and the bounded waits.  See store.h for the API. */
#ifndef RELAYERS_STORE_PRIVATE_H
#define RELAYERS_STORE_PRIVATE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <tdb.h>

#include "bookkeeping.h"
#include "lock_timer.h"
#include "owner.h"
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
	/* TDB_NOMMAP for a one-shot write (relay_store_record without
	 * keep_open): mapping, then unmapping, a large store to write one
	 * record costs more than reading one hash chain with pread.  The
	 * kept handle maps it once.  See docs/PERFORMANCE.md. */
	int extra_tdb_flags;
	struct relay_lock_timer timer;
	bool in_transaction;
	bool unlocked; /* opened read-only: tdb takes no locks */
	/* The path names another file than the one open (a repair put a
	 * new store in place): reopen and try again. */
	bool replaced;
	/* The device and inode of the file tdb has open, taken once when it
	 * was opened (an open file's never change), so that checking the
	 * path against it costs one stat; false until then. */
	bool open_file_known;
	dev_t open_dev;
	ino_t open_ino;
	/* The largest size the path was seen with.  tdb only ever grows a
	 * file; one that shrank was cut beneath the mapping, where a read
	 * past its new end would be SIGBUS, so the handle is reopened. */
	off_t seen_size;
	void (*log)(void *context, const char *message);
	void *log_context;
};

/* --- what one login writes (store.c) --- */

struct login_write {
	const struct relay_addr *addr;
	int64_t stamp;
	const struct relay_login *login; /* NULL: the entry alone */
	struct relay_login_result *result;
};

struct relay_store *store_new(const char *path,
			      const struct relay_store_options *options,
			      struct relay_error *err);
/* Writes w, opening the store first if it is not open, and again (up
 * to three times) when the file was replaced under us meanwhile; the
 * handle is left open.  Under the guard. */
enum relay_status store_open_and_write(struct relay_store *store,
				       const struct relay_store_options *options,
				       const struct login_write *w,
				       struct relay_error *err);

/* Opens (TDB_NOMMAP), writes w and closes, with one lock timeout for
 * the whole. */
enum relay_status store_record_one_shot(const char *path,
					const struct relay_store_options *options,
					const struct login_write *w,
					struct relay_error *err);

/* --- the handle kept across logins (store_kept.c) --- */

/* Writes w through this process's kept handle for path. */
enum relay_status store_record_kept(const char *path,
				    const struct relay_store_options *options,
				    const struct login_write *w,
				    struct relay_error *err);
/* Closes the kept handle, if any: tdb refuses a second open of one file
 * in one process (EBUSY), so every other open yields to it first. */
void store_kept_release(void);

/* --- the record format (store_format.c) --- */

TDB_DATA store_data(const char *text, size_t len);
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

/* --- bookkeeping records (store_format.c, see bookkeeping.h) ---
 * Who opened each address, and each account's recent addresses for the
 * guard, live in records of their own whose keys begin with "relayers:",
 * which no canonical address can (they are digits, hex, '.' and ':').
 *   relayers:by:ADDRESS   USER_CODE <TAB> SERVICE_CODE   (owner.h codes)
 *   relayers:acct:USER_CODE   the account record below, binary:
 *     "RLA1", warned (int64, little-endian), capacity (uint32 LE),
 *     then capacity slots of stamp (int64 LE), family (0 empty, 4, 6)
 *     and 16 address bytes. */
#define BOOKKEEPING_PREFIX "relayers:"
#define OWNER_KEY_PREFIX "relayers:by:"
#define ACCOUNT_KEY_PREFIX "relayers:acct:"
#define OWNER_KEY_MAX (sizeof(OWNER_KEY_PREFIX) + RELAY_ADDR_TEXT_MAX)
#define ACCOUNT_KEY_MAX (sizeof(ACCOUNT_KEY_PREFIX) + RELAY_USER_CODE_MAX)
#define OWNER_VALUE_MAX (RELAY_USER_CODE_MAX + RELAY_SERVICE_CODE_MAX + 1)
#define ACCOUNT_MAGIC "RLA1"
#define ACCOUNT_HEADER_SIZE 16
#define ACCOUNT_SLOT_SIZE 25
#define ACCOUNT_VALUE_MAX \
	(ACCOUNT_HEADER_SIZE + ACCOUNT_SLOT_SIZE * RELAY_MAX_ADDRS_LIMIT)

struct account_slot {
	int64_t stamp;
	struct relay_addr addr; /* family 0: an empty slot */
};

struct account {
	int64_t warned;	   /* last refusal logged, epoch seconds */
	unsigned capacity; /* slots in use or free: max_addrs */
	struct account_slot slots[RELAY_MAX_ADDRS_LIMIT];
};

TDB_DATA store_owner_key(const struct relay_addr *addr, char text[OWNER_KEY_MAX]);
TDB_DATA store_account_key(const char *user_code, char text[ACCOUNT_KEY_MAX]);
TDB_DATA store_owner_value(const char *user_code, const char *service_code,
			   char text[OWNER_VALUE_MAX]);
/* Splits an owner value into its two codes; false if it is malformed. */
bool store_owner_parse(TDB_DATA value, char user[RELAY_USER_CODE_MAX],
		       char service[RELAY_SERVICE_CODE_MAX]);
/* True for a key "relayers:by:ADDRESS"; *addr gets the address. */
bool store_owner_key_parse(TDB_DATA key, struct relay_addr *addr);
/* The user code in an account key, or false. */
bool store_account_key_parse(TDB_DATA key, char user[RELAY_USER_CODE_MAX]);
TDB_DATA store_account_encode(const struct account *account,
			      unsigned char bytes[ACCOUNT_VALUE_MAX]);
bool store_account_decode(TDB_DATA value, struct account *account);
/* A cheap test that needs no decoding: the key is one of ours (marker,
 * owner or account record), never an entry. */
bool store_has_bookkeeping_prefix(TDB_DATA key);

/* Walks every record with fn under the whole-file read lock (none on a
 * read-only handle or inside a transaction, which tdb_lockall_read
 * refuses and which need none); *walked is tdb_traverse_read's count,
 * negative on a failed walk.  Fails only when the lock cannot be had. */
enum relay_status store_traverse_read_locked(struct relay_store *store,
					     tdb_traverse_func fn, void *context,
					     int *walked, struct relay_error *err);

/* Grows *bytes (of *capacity, *used of it taken) so that more bytes fit,
 * doubling from 64 KiB: the buffers that raw copies under a read lock
 * are made in.  False, with *bytes untouched, when memory runs out. */
bool store_bytes_reserve(unsigned char **bytes, size_t *capacity, size_t used,
			 size_t more);
/* The one test of "a valid bookkeeping record": an owner record whose
 * key is relayers:by: and a canonical address and whose value is two
 * valid codes, or an account record whose key is relayers:acct: and a
 * valid user code and whose value decodes.  A salvage that keeps what
 * belongs in a relay store keeps these beside the marker and entries. */
bool store_is_bookkeeping(TDB_DATA key, TDB_DATA value);

/* --- errors (store_error.c) --- */

/* Fills err with "store PATH: " and the message, or "store PATH is busy: "
 * for RELAY_BUSY, and returns status. */
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

/* --- logins with owners and the guard (store_owner.c) --- */

/* Records one login under the guard already armed. */
enum relay_status store_login_guarded(struct relay_store *store,
				      const struct relay_addr *addr,
				      int64_t stamp,
				      const struct relay_login *login,
				      struct relay_login_result *result,
				      struct relay_error *err);

/* --- opening (store_open.c), with the guard armed --- */

enum relay_status store_open_guarded(struct relay_store *store,
				     const struct relay_store_options *options,
				     struct relay_error *err);
/* A new store with its marker, at scratch->path, which must not exist;
 * left open in scratch->tdb, with hash_size chains (0: the default).
 * Used for creating and for salvaging. */
enum relay_status store_create_scratch(struct relay_store *scratch,
				       unsigned hash_size, struct relay_error *err);
/* Whether store->path still names the file open, as it was: false
 * after a repair replaced it, or when it became a symlink, lost its
 * owner or mode, or shrank.  One lstat. */
bool store_still_in_place(struct relay_store *store);

#endif
