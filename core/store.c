/* The relay store's handle and its entry operations.  Opening lives in
 * store_open.c, snapshots in store_snapshot.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stamp.h"
#include "store_private.h"
#include "store_trust.h"

struct relay_store *store_new(const char *path,
			      const struct relay_store_options *options,
			      struct relay_error *err)
{
	struct relay_store *store = calloc(1, sizeof(*store));

	if (store == NULL || (store->path = strdup(path)) == NULL) {
		free(store);
		store_fail(err, RELAY_FAILED, path, "out of memory");
		return NULL;
	}
	store->timeout_ms = options->timeout_ms;
	store->log = options->log;
	store->log_context = options->log_context;
	return store;
}

enum relay_status relay_store_open(const char *path,
				   const struct relay_store_options *options,
				   struct relay_store **out,
				   struct relay_error *err)
{
	struct relay_store *store = store_new(path, options, err);
	enum relay_status status;

	*out = NULL;
	if (store == NULL)
		return RELAY_FAILED;
	store_kept_release();
	store_guard_begin(store);
	status = store_open_guarded(store, options, err);
	store_guard_end(store);
	if (status != RELAY_OK) {
		relay_store_close(store);
		return status;
	}
	*out = store;
	return RELAY_OK;
}

void relay_store_close(struct relay_store *store)
{
	if (store == NULL)
		return;
	if (store->tdb != NULL)
		tdb_close(store->tdb);
	free(store->path);
	free(store);
}

struct chain_attempt {
	struct tdb_context *tdb;
	TDB_DATA key;
};

static bool try_chainlock(void *arg)
{
	struct chain_attempt *attempt = arg;

	return tdb_chainlock_nonblock(attempt->tdb, attempt->key) == 0;
}

bool store_still_in_place(struct relay_store *store)
{
	struct stat open_file, named;
	char why[160];

	if (!store->open_file_known) {
		if (fstat(tdb_fd(store->tdb), &open_file) != 0)
			return false;
		store->open_dev = open_file.st_dev;
		store->open_ino = open_file.st_ino;
		store->seen_size = open_file.st_size;
		store->open_file_known = true;
	}
	/* lstat: a symlink put in the store's place is another file. */
	if (lstat(store->path, &named) != 0 || store->open_dev != named.st_dev ||
	    store->open_ino != named.st_ino ||
	    !relay_file_trusted(&named, why, sizeof(why)) ||
	    named.st_size < store->seen_size)
		return false;
	store->seen_size = named.st_size;
	return true;
}

/* Takes key's chain lock, within the timeout, on the file that the path
 * still names.  A repair swaps the store only while it holds every
 * chain lock of the old file, so a writer that passes this check under
 * its lock writes to the store in place, never to one already left. */
static enum relay_status lock_current_chain(struct relay_store *store,
					    TDB_DATA key,
					    struct relay_error *err)
{
	struct chain_attempt attempt = { store->tdb, key };

	if (!store_retry_bounded(store, try_chainlock, &attempt))
		return store_fail(err, RELAY_BUSY, store->path,
				  "no lock within %u ms",
				  store->timeout_ms);
	if (!store_still_in_place(store)) {
		tdb_chainunlock(store->tdb, key);
		store->replaced = true;
		return store_fail(err, RELAY_BUSY, store->path,
				  "it was replaced (repaired) while "
				  "open; try again");
	}
	return RELAY_OK;
}

static enum relay_status put_guarded(struct relay_store *store,
				     const struct relay_addr *addr,
				     int64_t stamp, struct relay_error *err)
{
	char key_text[RELAY_ADDR_TEXT_MAX], value[RELAY_STAMP_TEXT_MAX];
	TDB_DATA key = store_key(addr, key_text);
	size_t len = relay_stamp_format(stamp, value);
	enum relay_status status = lock_current_chain(store, key, err);

	if (status != RELAY_OK)
		return status;
	if (tdb_store(store->tdb, key, store_data(value, len), TDB_REPLACE) != 0)
		status = store_tdb_failure(store, err, "storing");
	tdb_chainunlock(store->tdb, key);
	return status;
}

enum relay_status relay_store_put(struct relay_store *store,
				  const struct relay_addr *addr, int64_t stamp,
				  struct relay_error *err)
{
	enum relay_status status;

	store_guard_begin(store);
	status = put_guarded(store, addr, stamp, err);
	store_guard_end(store);
	return status;
}

static enum relay_status write_login(struct relay_store *store,
				     const struct login_write *w,
				     struct relay_error *err)
{
	if (w->login == NULL)
		return put_guarded(store, w->addr, w->stamp, err);
	return store_login_guarded(store, w->addr, w->stamp, w->login,
				   w->result, err);
}

enum relay_status store_open_and_write(struct relay_store *store,
				       const struct relay_store_options *options,
				       const struct login_write *w,
				       struct relay_error *err)
{
	enum relay_status status = RELAY_OK;

	for (int tries = 0; tries < 3; tries++) {
		if (store->tdb == NULL || store->replaced)
			status = store_open_guarded(store, options, err);
		if (status == RELAY_OK)
			status = write_login(store, w, err);
		if (!store->replaced)
			break;
	}
	return status;
}

enum relay_status store_record_one_shot(const char *path,
					const struct relay_store_options *options,
					const struct login_write *w,
					struct relay_error *err)
{
	struct relay_store *store = store_new(path, options, err);
	enum relay_status status;

	if (store == NULL)
		return RELAY_FAILED;
	store->extra_tdb_flags = TDB_NOMMAP;
	store_guard_begin(store);
	status = store_open_and_write(store, options, w, err);
	store_guard_end(store);
	relay_store_close(store);
	return status;
}

/* Writes through the handle kept open (options->keep_open), or opens,
 * writes and closes. */
static enum relay_status record_once(const char *path,
				     const struct relay_store_options *options,
				     const struct login_write *w,
				     struct relay_error *err)
{
	if (options->keep_open)
		return store_record_kept(path, options, w, err);
	store_kept_release();
	return store_record_one_shot(path, options, w, err);
}

enum relay_status relay_store_record(const char *path,
				     const struct relay_store_options *options,
				     const struct relay_addr *addr,
				     int64_t stamp, struct relay_error *err)
{
	struct login_write w = { addr, stamp, NULL, NULL };

	return record_once(path, options, &w, err);
}

enum relay_status relay_store_record_login(const char *path,
					   const struct relay_store_options *options,
					   const struct relay_addr *addr,
					   int64_t stamp,
					   const struct relay_login *login,
					   struct relay_login_result *result,
					   struct relay_error *err)
{
	struct login_write w = { addr, stamp, login, result };

	memset(result, 0, sizeof(*result));
	return record_once(path, options, &w, err);
}

enum relay_status relay_store_get(struct relay_store *store,
				  const struct relay_addr *addr, int64_t *stamp,
				  struct relay_error *err)
{
	char key_text[RELAY_ADDR_TEXT_MAX];
	TDB_DATA key = store_key(addr, key_text), value;
	enum relay_status status;

	store_guard_begin(store);
	value = tdb_fetch(store->tdb, key);
	store_guard_end(store);
	if (value.dptr == NULL) {
		if (tdb_error(store->tdb) == TDB_ERR_NOEXIST)
			return store_fail(err, RELAY_NOT_FOUND, store->path,
					  "%s: no such entry", key_text);
		return store_tdb_failure(store, err, "reading");
	}
	status = store_parse_value(value, stamp);
	free(value.dptr);
	if (status != RELAY_OK)
		return store_fail(err, status, store->path,
				  "%s: stored time is not a number", key_text);
	return RELAY_OK;
}

enum relay_status relay_store_delete(struct relay_store *store,
				     const struct relay_addr *addr,
				     struct relay_error *err)
{
	char key_text[RELAY_ADDR_TEXT_MAX];
	TDB_DATA key = store_key(addr, key_text);
	enum relay_status status = RELAY_OK;
	int deleted = -1;

	store_guard_begin(store);
	/* A transaction holds the whole store, checked when it began. */
	if (!store->in_transaction)
		status = lock_current_chain(store, key, err);
	if (status == RELAY_OK)
		deleted = tdb_delete(store->tdb, key);
	if (status == RELAY_OK && !store->in_transaction)
		tdb_chainunlock(store->tdb, key);
	store_guard_end(store);
	if (status != RELAY_OK)
		return status;
	if (deleted == 0)
		return RELAY_OK;
	if (tdb_error(store->tdb) == TDB_ERR_NOEXIST)
		return store_fail(err, RELAY_NOT_FOUND, store->path,
				  "%s: no such entry", key_text);
	return store_tdb_failure(store, err, "deleting");
}

/* One whole-store tdb call, its lock waits bounded by the timeout. */
static enum relay_status guarded(struct relay_store *store,
				 int (*call)(struct tdb_context *tdb),
				 const char *what, struct relay_error *err)
{
	int result;

	store_guard_begin(store);
	result = call(store->tdb);
	store_guard_end(store);
	return result == 0 ? RELAY_OK : store_tdb_failure(store, err, what);
}

enum relay_status relay_store_begin(struct relay_store *store,
				    struct relay_error *err)
{
	enum relay_status status =
		guarded(store, tdb_transaction_start, "starting a transaction",
			err);

	/* The transaction's lock keeps a repair from swapping the store
	 * until it ends; it must have begun on the store in place. */
	if (status == RELAY_OK && !store_still_in_place(store)) {
		tdb_transaction_cancel(store->tdb);
		store->replaced = true;
		return store_fail(err, RELAY_BUSY, store->path,
				  "it was replaced (repaired) while "
				  "open; try again");
	}
	store->in_transaction = status == RELAY_OK;
	return status;
}

enum relay_status relay_store_commit(struct relay_store *store,
				     struct relay_error *err)
{
	store->in_transaction = false;
	return guarded(store, tdb_transaction_commit, "committing", err);
}

bool relay_store_in_transaction(const struct relay_store *store)
{
	return store->in_transaction;
}

void relay_store_cancel(struct relay_store *store)
{
	if (store->in_transaction)
		tdb_transaction_cancel(store->tdb);
	store->in_transaction = false;
}

uint64_t relay_store_seqnum(struct relay_store *store)
{
	return (uint64_t)(unsigned)tdb_get_seqnum(store->tdb);
}

struct check_tally {
	uint64_t entries;
	uint64_t bad;
};

static int check_record(TDB_DATA key, TDB_DATA value, void *private_data)
{
	struct check_tally *tally = private_data;
	struct relay_addr addr;
	int64_t stamp;

	if (store_is_marker(key))
		return 0;
	/* Owner and account records are neither entries nor damage. */
	if (store_has_bookkeeping_prefix(key) && store_is_bookkeeping(key, value))
		return 0;
	if (store_decode(key, value, &addr, &stamp))
		tally->entries++;
	else
		tally->bad++;
	return 0;
}

enum relay_status relay_store_check(struct relay_store *store,
				    uint64_t *entries, uint64_t *bad_entries,
				    struct relay_error *err)
{
	struct check_tally tally = { 0, 0 };
	int checked;

	store_guard_begin(store);
	checked = tdb_check(store->tdb, check_record, &tally);
	store_guard_end(store);
	*entries = tally.entries;
	*bad_entries = tally.bad;
	if (checked != 0) {
		if (store->timer.expired)
			return store_tdb_failure(store, err, "checking");
		/* tdb_check does not always set an error code. */
		return store_fail(err, RELAY_CORRUPT, store->path,
				  "integrity check failed: %s",
				  tdb_error(store->tdb) == TDB_SUCCESS
					  ? "leaked space or damaged records"
					  : tdb_errorstr(store->tdb));
	}
	return RELAY_OK;
}

enum relay_status relay_store_repack(struct relay_store *store,
				     struct relay_error *err)
{
	return guarded(store, tdb_repack, "repacking", err);
}
