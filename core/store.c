#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tdb.h>
#include <time.h>
#include <unistd.h>

#include "lock_timer.h"
#include "stamp.h"
#include "store_trust.h"

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
	void (*log)(void *context, const char *message);
	void *log_context;
};

static TDB_DATA text_data(const char *text, size_t len)
{
	TDB_DATA data = { .dptr = (unsigned char *)text, .dsize = len };
	return data;
}

static TDB_DATA marker_key(void)
{
	return text_data(MARKER_KEY, sizeof(MARKER_KEY) - 1);
}

static enum relay_status fail(struct relay_error *err, enum relay_status status,
			      const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum relay_status fail(struct relay_error *err, enum relay_status status,
			      const char *path, const char *fmt, ...)
{
	va_list ap;
	int used;

	err->status = status;
	used = snprintf(err->text, sizeof(err->text), "store %s: ", path);
	if (used < 0 || (size_t)used >= sizeof(err->text))
		return status;
	va_start(ap, fmt);
	vsnprintf(err->text + used, sizeof(err->text) - (size_t)used, fmt, ap);
	va_end(ap);
	return status;
}

/* Maps a failed tdb call to a status, telling a lock that ran out of
 * time from a real fault. */
static enum relay_status tdb_failure(struct relay_store *store,
				     struct relay_error *err, const char *what)
{
	enum TDB_ERROR code = tdb_error(store->tdb);

	if (code == TDB_ERR_LOCK || code == TDB_ERR_LOCK_TIMEOUT ||
	    (code == TDB_ERR_NOLOCK && store->timer.expired))
		return fail(err, RELAY_BUSY, store->path,
			    "store busy: %s gave up after %u ms", what,
			    store->timeout_ms);
	if (code == TDB_ERR_CORRUPT)
		return fail(err, RELAY_FOREIGN, store->path, "%s: store is corrupt",
			    what);
	return fail(err, RELAY_FAILED, store->path, "%s: %s", what,
		    tdb_errorstr(store->tdb));
}

static void tdb_log_bridge(struct tdb_context *tdb, enum tdb_debug_level level,
			   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tdb_log_bridge(struct tdb_context *tdb, enum tdb_debug_level level,
			   const char *fmt, ...)
{
	struct relay_store *store = tdb_get_logging_private(tdb);
	char message[512];
	va_list ap;
	size_t len;

	if (store == NULL || store->log == NULL || level > TDB_DEBUG_ERROR)
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	len = strlen(message);
	if (len > 0 && message[len - 1] == '\n')
		message[len - 1] = '\0';
	store->log(store->log_context, message);
}

/* Wraps every lock-taking call: the timer makes a blocked lock fail
 * once the timeout has passed. */
static void guard_begin(struct relay_store *store)
{
	if (!relay_lock_timer_arm(&store->timer, store->timeout_ms))
		store->timer.expired = 0;
	if (store->tdb != NULL)
		tdb_setalarm_sigptr(store->tdb, &store->timer.expired);
}

static void guard_end(struct relay_store *store)
{
	relay_lock_timer_disarm(&store->timer);
	if (store->tdb != NULL)
		tdb_setalarm_sigptr(store->tdb, NULL);
}

/* The first bytes of every tdb file. */
#define TDB_MAGIC "TDB file\n"

static bool past(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* Retries a lock attempt that does not wait, with short backoff, until
 * it succeeds or the timeout passes.  The clock check stands in should
 * the timer be missing. */
static bool retry_bounded(struct relay_store *store,
			  bool (*attempt)(void *arg), void *arg)
{
	struct timespec pause = { 0, 200000 };	/* 0.2 ms, doubling */
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += store->timeout_ms / 1000;
	deadline.tv_nsec += (long)(store->timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while (!attempt(arg)) {
		if (store->timer.expired || past(&deadline))
			return false;
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 16000000)
			pause.tv_nsec *= 2;
	}
	return true;
}

/* tdb_open waits for byte 0 (its open lock) with no timeout, and no
 * alarm can break that wait: tdb has no handle yet to check a flag on.
 * Taking that lock here first, without waiting, turns a stuck holder
 * into "busy"; tdb's own wait then succeeds at once, because this
 * process holds the lock, and tdb's unlock releases it. */
static bool claim_open_lock(void *arg)
{
	struct flock lock = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1
	};

	return fcntl(*(int *)arg, F_SETLK, &lock) == 0;
}

/* Checks the file at path and leaves it open in *fd, so that what tdb
 * opens next can be compared with what was checked. */
static enum relay_status inspect(const char *path, int access, int *fd,
				 struct stat *st, struct relay_error *err)
{
	char why[160], head[sizeof(TDB_MAGIC) - 1];

	*fd = relay_open_regular(path, access);
	if (*fd < 0) {
		if (errno == ENOENT)
			return fail(err, RELAY_MISSING, path, "no such file");
		if (errno == ELOOP)
			return fail(err, RELAY_INSECURE, path,
				    "is a symbolic link; refusing to follow it");
		if (errno == EINVAL)
			return fail(err, RELAY_INSECURE, path,
				    "not a regular file");
		int saved = errno;	/* the caller tells EACCES apart */

		fail(err, RELAY_FAILED, path, "cannot open%s: %s",
		     access == O_RDWR ? " for writing" : "", strerror(saved));
		errno = saved;
		return RELAY_FAILED;
	}
	if (fstat(*fd, st) != 0 || !relay_file_trusted(st, why, sizeof(why)))
		return fail(err, RELAY_INSECURE, path, "not trusted: %s", why);
	if (pread(*fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    memcmp(head, TDB_MAGIC, sizeof(head)) != 0)
		return fail(err, RELAY_FOREIGN, path,
			    "not a relay store (no tdb header); left untouched");
	return RELAY_OK;
}

static struct tdb_context *open_tdb(struct relay_store *store, int open_flags,
				    mode_t mode)
{
	struct tdb_logging_context log = { tdb_log_bridge, store };

	return tdb_open_ex(store->path, RELAY_STORE_HASH_SIZE,
			   STORE_TDB_FLAGS | store->extra_tdb_flags,
			   open_flags | O_NOFOLLOW | O_CLOEXEC, mode, &log, NULL);
}

static bool is_marker(TDB_DATA key)
{
	return key.dsize == sizeof(MARKER_KEY) - 1 &&
	       memcmp(key.dptr, MARKER_KEY, key.dsize) == 0;
}

static bool has_marker(struct relay_store *store)
{
	return tdb_exists(store->tdb, marker_key()) == 1;
}

/* Builds a new store under a private name and links it into place, so
 * that the path never shows a store without its marker and an existing
 * file is never replaced. */
static enum relay_status create_store(struct relay_store *store,
				      struct relay_error *err)
{
	char tmp[PATH_MAX];
	struct relay_store scratch = *store;
	int linked;

	if (snprintf(tmp, sizeof(tmp), "%s.new.%ld", store->path,
		     (long)getpid()) >= (int)sizeof(tmp))
		return fail(err, RELAY_FAILED, store->path, "path too long");
	unlink(tmp);	/* a leftover of this pid's crash, never a store */
	scratch.path = tmp;
	scratch.tdb = open_tdb(&scratch, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (scratch.tdb == NULL) {
		int saved = errno;

		/* tdb may have made the file before failing (a full disk). */
		if (saved != EEXIST)
			unlink(tmp);
		return fail(err, saved == ENOENT ? RELAY_MISSING : RELAY_FAILED,
			    store->path, "cannot create: %s", strerror(saved));
	}
	if (tdb_store(scratch.tdb, marker_key(),
		      text_data(MARKER_VALUE, sizeof(MARKER_VALUE) - 1),
		      TDB_INSERT) != 0) {
		tdb_close(scratch.tdb);
		unlink(tmp);
		return fail(err, RELAY_FAILED, store->path,
			    "cannot create: writing the marker failed "
			    "(is the disk full?)");
	}
	tdb_close(scratch.tdb);
	linked = link(tmp, store->path);
	if (linked != 0 && errno != EEXIST) {
		int saved = errno;
		unlink(tmp);
		return fail(err, RELAY_FAILED, store->path, "cannot create: %s",
			    strerror(saved));
	}
	unlink(tmp);
	return RELAY_OK;	/* ours, or a racing creator's: open it next */
}

static enum relay_status attach(struct relay_store *store, int access,
				int inspected_fd, const struct stat *inspected,
				struct relay_error *err)
{
	struct stat st;

	if (access == O_RDWR &&
	    !retry_bounded(store, claim_open_lock, &inspected_fd))
		return fail(err, RELAY_BUSY, store->path,
			    "store busy: another process holds its open lock "
			    "(waited %u ms)", store->timeout_ms);
	store->tdb = open_tdb(store, access, 0);
	store->unlocked = access == O_RDONLY;
	if (store->tdb == NULL) {
		/* tdb's words for a header it cannot use: bad magic or
		 * version (EIO), a hash table past the end (EINVAL), an
		 * unknown layout (ENOSYS). */
		if (errno == EIO || errno == EINVAL || errno == ENOSYS)
			return fail(err, RELAY_FOREIGN, store->path,
				    "not a valid tdb file (truncated or corrupt); "
				    "left untouched");
		return fail(err, RELAY_FAILED, store->path, "cannot open: %s",
			    strerror(errno));
	}
	/* The file opened must be the one inspected, not a swapped one. */
	if (fstat(tdb_fd(store->tdb), &st) != 0 ||
	    st.st_dev != inspected->st_dev || st.st_ino != inspected->st_ino)
		return fail(err, RELAY_INSECURE, store->path,
			    "file was replaced while opening");
	tdb_setalarm_sigptr(store->tdb, &store->timer.expired);
	if (!has_marker(store)) {
		if (tdb_error(store->tdb) == TDB_ERR_NOEXIST)
			return fail(err, RELAY_FOREIGN, store->path,
				    "a tdb but not a relay store (no marker); "
				    "left untouched");
		return tdb_failure(store, err, "reading the marker");
	}
	return RELAY_OK;
}

/* Opens for writing where the caller may, since tdb only locks a store
 * opened so; a reader without write access gets an unlocked view. */
static enum relay_status inspect_for(const struct relay_store_options *options,
				     const char *path, int *access, int *fd,
				     struct stat *st, struct relay_error *err)
{
	enum relay_status status;

	*access = O_RDWR;
	status = inspect(path, O_RDWR, fd, st, err);
	if (status == RELAY_FAILED && options->read_only &&
	    (errno == EACCES || errno == EROFS)) {
		*access = O_RDONLY;
		status = inspect(path, O_RDONLY, fd, st, err);
	}
	return status;
}

static enum relay_status open_guarded(struct relay_store *store,
				      const struct relay_store_options *options,
				      struct relay_error *err)
{
	struct stat st;
	int access, fd = -1;
	enum relay_status status = inspect_for(options, store->path, &access,
					       &fd, &st, err);

	if (status == RELAY_MISSING && options->create && !options->read_only) {
		status = create_store(store, err);
		if (status == RELAY_OK)
			status = inspect_for(options, store->path, &access, &fd,
					     &st, err);
	}
	if (status == RELAY_OK)
		status = attach(store, access, fd, &st, err);
	/* Closing drops every fcntl lock this process has on the file; tdb
	 * holds none between calls, and its open lock is released. */
	if (fd >= 0)
		close(fd);
	return status;
}

static struct relay_store *store_new(const char *path,
				     const struct relay_store_options *options,
				     struct relay_error *err)
{
	struct relay_store *store = calloc(1, sizeof(*store));

	if (store == NULL || (store->path = strdup(path)) == NULL) {
		free(store);
		fail(err, RELAY_FAILED, path, "out of memory");
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
	guard_begin(store);
	status = open_guarded(store, options, err);
	guard_end(store);
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

static TDB_DATA addr_key(const struct relay_addr *addr,
			 char text[RELAY_ADDR_TEXT_MAX])
{
	relay_addr_format(addr, text);
	return text_data(text, strlen(text));
}

static bool try_chainlock(void *arg)
{
	struct chain_attempt *attempt = arg;

	return tdb_chainlock_nonblock(attempt->tdb, attempt->key) == 0;
}

static enum relay_status put_guarded(struct relay_store *store,
				     const struct relay_addr *addr,
				     int64_t stamp, struct relay_error *err)
{
	char key_text[RELAY_ADDR_TEXT_MAX], value[RELAY_STAMP_TEXT_MAX];
	TDB_DATA key = addr_key(addr, key_text);
	size_t len = relay_stamp_format(stamp, value);
	enum relay_status status = RELAY_OK;

	struct chain_attempt attempt = { store->tdb, key };

	if (!retry_bounded(store, try_chainlock, &attempt))
		return fail(err, RELAY_BUSY, store->path,
			    "store busy: no lock within %u ms", store->timeout_ms);
	if (tdb_store(store->tdb, key, text_data(value, len), TDB_REPLACE) != 0)
		status = tdb_failure(store, err, "storing");
	tdb_chainunlock(store->tdb, key);
	return status;
}

enum relay_status relay_store_put(struct relay_store *store,
				  const struct relay_addr *addr, int64_t stamp,
				  struct relay_error *err)
{
	enum relay_status status;

	guard_begin(store);
	status = put_guarded(store, addr, stamp, err);
	guard_end(store);
	return status;
}

enum relay_status relay_store_record(const char *path,
				     const struct relay_store_options *options,
				     const struct relay_addr *addr,
				     int64_t stamp, struct relay_error *err)
{
	struct relay_store *store = store_new(path, options, err);
	enum relay_status status;

	if (store == NULL)
		return RELAY_FAILED;
	store->extra_tdb_flags = TDB_NOMMAP;
	guard_begin(store);
	status = open_guarded(store, options, err);
	if (status == RELAY_OK)
		status = put_guarded(store, addr, stamp, err);
	guard_end(store);
	relay_store_close(store);
	return status;
}

static enum relay_status parse_value(TDB_DATA value, int64_t *stamp)
{
	return relay_stamp_parse((const char *)value.dptr, value.dsize, stamp)
		       ? RELAY_OK
		       : RELAY_FOREIGN;
}

enum relay_status relay_store_get(struct relay_store *store,
				  const struct relay_addr *addr, int64_t *stamp,
				  struct relay_error *err)
{
	char key_text[RELAY_ADDR_TEXT_MAX];
	TDB_DATA key = addr_key(addr, key_text), value;
	enum relay_status status;

	/* Inside a transaction every lock is held already. */
	if (!store->in_transaction)
		guard_begin(store);
	value = tdb_fetch(store->tdb, key);
	if (!store->in_transaction)
		guard_end(store);
	if (value.dptr == NULL) {
		if (tdb_error(store->tdb) == TDB_ERR_NOEXIST)
			return fail(err, RELAY_NOT_FOUND, store->path,
				    "%s: no such entry", key_text);
		return tdb_failure(store, err, "reading");
	}
	status = parse_value(value, stamp);
	free(value.dptr);
	if (status != RELAY_OK)
		return fail(err, status, store->path,
			    "%s: stored time is not a number", key_text);
	return RELAY_OK;
}

enum relay_status relay_store_delete(struct relay_store *store,
				     const struct relay_addr *addr,
				     struct relay_error *err)
{
	char key_text[RELAY_ADDR_TEXT_MAX];
	TDB_DATA key = addr_key(addr, key_text);
	int deleted;

	if (!store->in_transaction)
		guard_begin(store);
	deleted = tdb_delete(store->tdb, key);
	if (!store->in_transaction)
		guard_end(store);
	if (deleted == 0)
		return RELAY_OK;
	if (tdb_error(store->tdb) == TDB_ERR_NOEXIST)
		return fail(err, RELAY_NOT_FOUND, store->path, "%s: no such entry",
			    key_text);
	return tdb_failure(store, err, "deleting");
}

/* Decodes one record; false for records that are not relay entries
 * (anything a foreign writer left). */
static bool decode(TDB_DATA key, TDB_DATA value, struct relay_addr *addr,
		   int64_t *stamp)
{
	return relay_addr_is_canonical_key((const char *)key.dptr, key.dsize,
					   addr) &&
	       parse_value(value, stamp) == RELAY_OK;
}

/* Records copied raw under the read lock and decoded after it is
 * released: checking a million keys must not hold logins back.  Each
 * record is [key length][key][value length][value]; no relay entry
 * needs more than a byte for either length. */
struct raw_records {
	unsigned char *bytes;
	size_t used;
	size_t capacity;
	uint64_t oversized;
	bool out_of_memory;
};

static bool raw_reserve(struct raw_records *raw, size_t more)
{
	size_t capacity = raw->capacity ? raw->capacity : 1 << 16;
	unsigned char *grown;

	if (raw->used + more <= raw->capacity)
		return true;
	while (capacity < raw->used + more)
		capacity *= 2;
	grown = realloc(raw->bytes, capacity);
	if (grown == NULL)
		return false;
	raw->bytes = grown;
	raw->capacity = capacity;
	return true;
}

static int copy_raw(struct tdb_context *tdb, TDB_DATA key, TDB_DATA value,
		    void *private_data)
{
	struct raw_records *raw = private_data;

	(void)tdb;
	if (key.dsize > UINT8_MAX || value.dsize > UINT8_MAX) {
		raw->oversized++;
		return 0;
	}
	if (!raw_reserve(raw, 2 + key.dsize + value.dsize)) {
		raw->out_of_memory = true;
		return 1;
	}
	raw->bytes[raw->used++] = (unsigned char)key.dsize;
	memcpy(raw->bytes + raw->used, key.dptr, key.dsize);
	raw->used += key.dsize;
	raw->bytes[raw->used++] = (unsigned char)value.dsize;
	memcpy(raw->bytes + raw->used, value.dptr, value.dsize);
	raw->used += value.dsize;
	return 0;
}

/* Hands each relay entry in raw to fn; counts the rest as skipped. */
static void decode_raw(const struct raw_records *raw, relay_entry_fn fn,
		       void *context, uint64_t *skipped)
{
	size_t at = 0;

	*skipped = raw->oversized;
	while (at < raw->used) {
		TDB_DATA key, value;
		struct relay_addr addr;
		int64_t stamp;

		key.dsize = raw->bytes[at++];
		key.dptr = raw->bytes + at;
		at += key.dsize;
		value.dsize = raw->bytes[at++];
		value.dptr = raw->bytes + at;
		at += value.dsize;
		if (is_marker(key))
			continue;
		if (!decode(key, value, &addr, &stamp))
			(*skipped)++;
		else if (!fn(&addr, stamp, context))
			return;
	}
}

enum relay_status relay_store_snapshot(struct relay_store *store,
				       relay_entry_fn fn, void *context,
				       uint64_t *skipped,
				       struct relay_error *err)
{
	/* A read-only tdb has no locks to take, and a transaction holds the
	 * whole store already; tdb_lockall_read fails on both. */
	bool lock = !store->unlocked && !store->in_transaction;
	struct raw_records raw = { 0 };
	uint64_t not_entries;
	int locked, walked;

	if (lock) {
		guard_begin(store);
		locked = tdb_lockall_read(store->tdb);
		guard_end(store);
		if (locked != 0)
			return tdb_failure(store, err, "taking the read lock");
	}
	walked = tdb_traverse_read(store->tdb, copy_raw, &raw);
	if (lock)
		tdb_unlockall_read(store->tdb);
	if (walked < 0 && !raw.out_of_memory) {
		free(raw.bytes);
		return tdb_failure(store, err, "reading entries");
	}
	if (raw.out_of_memory) {
		free(raw.bytes);
		return fail(err, RELAY_FAILED, store->path,
			    "out of memory copying the store");
	}
	decode_raw(&raw, fn, context, &not_entries);
	free(raw.bytes);
	if (skipped != NULL)
		*skipped = not_entries;
	return RELAY_OK;
}

enum relay_status relay_store_begin(struct relay_store *store,
				    struct relay_error *err)
{
	int started;

	guard_begin(store);
	started = tdb_transaction_start(store->tdb);
	guard_end(store);
	if (started != 0)
		return tdb_failure(store, err, "starting a transaction");
	store->in_transaction = true;
	return RELAY_OK;
}

enum relay_status relay_store_commit(struct relay_store *store,
				     struct relay_error *err)
{
	int committed;

	guard_begin(store);
	committed = tdb_transaction_commit(store->tdb);
	guard_end(store);
	store->in_transaction = false;
	if (committed != 0)
		return tdb_failure(store, err, "committing");
	return RELAY_OK;
}

void relay_store_cancel(struct relay_store *store)
{
	if (store->in_transaction)
		tdb_transaction_cancel(store->tdb);
	store->in_transaction = false;
}

struct candidates {
	relay_keep_fn keep;
	void *context;
	struct relay_addr *addrs;
	size_t count;
	size_t capacity;
	bool out_of_memory;
};

static bool note_candidate(const struct relay_addr *addr, int64_t stamp,
			   void *context)
{
	struct candidates *c = context;

	if (c->keep(addr, stamp, c->context))
		return true;
	if (c->count == c->capacity) {
		size_t capacity = c->capacity ? c->capacity * 2 : 256;
		struct relay_addr *grown =
			realloc(c->addrs, capacity * sizeof(*grown));

		if (grown == NULL) {
			c->out_of_memory = true;
			return false;
		}
		c->addrs = grown;
		c->capacity = capacity;
	}
	c->addrs[c->count++] = *addr;
	return true;
}

/* Inside the transaction: deletes each candidate that keep() still
 * rejects. */
static enum relay_status delete_candidates(struct relay_store *store,
					   const struct candidates *c,
					   uint64_t *removed,
					   struct relay_error *err)
{
	for (size_t i = 0; i < c->count; i++) {
		int64_t stamp;
		enum relay_status status =
			relay_store_get(store, &c->addrs[i], &stamp, err);

		if (status == RELAY_NOT_FOUND ||
		    (status == RELAY_OK && c->keep(&c->addrs[i], stamp, c->context)))
			continue;
		if (status == RELAY_OK)
			status = relay_store_delete(store, &c->addrs[i], err);
		if (status != RELAY_OK)
			return status;
		(*removed)++;
	}
	return RELAY_OK;
}

enum relay_status relay_store_prune(struct relay_store *store,
				    relay_keep_fn keep, void *context,
				    uint64_t *removed, struct relay_error *err)
{
	struct candidates c = { .keep = keep, .context = context };
	bool own_transaction = !store->in_transaction;
	enum relay_status status;

	*removed = 0;
	status = relay_store_snapshot(store, note_candidate, &c, NULL, err);
	if (status == RELAY_OK && c.out_of_memory)
		status = fail(err, RELAY_FAILED, store->path, "out of memory");
	if (status == RELAY_OK && c.count > 0 && own_transaction)
		status = relay_store_begin(store, err);
	if (status == RELAY_OK && c.count > 0) {
		status = delete_candidates(store, &c, removed, err);
		if (own_transaction && status == RELAY_OK)
			status = relay_store_commit(store, err);
		else if (own_transaction)
			relay_store_cancel(store);
	}
	if (status != RELAY_OK)
		*removed = 0;
	free(c.addrs);
	return status;
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

	if (is_marker(key))
		return 0;
	if (decode(key, value, &addr, &stamp))
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

	guard_begin(store);
	checked = tdb_check(store->tdb, check_record, &tally);
	guard_end(store);
	*entries = tally.entries;
	*bad_entries = tally.bad;
	if (checked != 0) {
		if (store->timer.expired)
			return tdb_failure(store, err, "checking");
		return fail(err, RELAY_FOREIGN, store->path,
			    "integrity check failed: %s",
			    tdb_errorstr(store->tdb));
	}
	return RELAY_OK;
}

enum relay_status relay_store_repack(struct relay_store *store,
				     struct relay_error *err)
{
	int repacked;

	guard_begin(store);
	repacked = tdb_repack(store->tdb);
	guard_end(store);
	if (repacked != 0)
		return tdb_failure(store, err, "repacking");
	return RELAY_OK;
}

const char *relay_status_name(enum relay_status status)
{
	switch (status) {
	case RELAY_OK: return "ok";
	case RELAY_MISSING: return "missing";
	case RELAY_INSECURE: return "insecure";
	case RELAY_FOREIGN: return "foreign or corrupt";
	case RELAY_BUSY: return "busy";
	case RELAY_FAILED: return "failed";
	case RELAY_NOT_FOUND: return "not found";
	}
	return "unknown";
}

int relay_status_exit_code(enum relay_status status)
{
	switch (status) {
	case RELAY_OK: return 0;
	case RELAY_MISSING: return 66;		/* EX_NOINPUT */
	case RELAY_INSECURE: return 77;		/* EX_NOPERM */
	case RELAY_FOREIGN: return 65;		/* EX_DATAERR */
	case RELAY_BUSY: return 75;		/* EX_TEMPFAIL */
	case RELAY_FAILED: return 74;		/* EX_IOERR */
	case RELAY_NOT_FOUND: return 1;
	}
	return 74;
}
