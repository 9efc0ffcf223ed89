/* Opening a store, and trusting it only when it deserves it: a regular
 * file, not a symlink, owned by root or the caller, writable by no one
 * else, a tdb, and carrying the relay marker.  A missing store is
 * created so that the path never shows a store without its marker. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_private.h"
#include "store_trust.h"

/* The first bytes of every tdb file. */
#define TDB_MAGIC "TDB file\n"

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
			return store_fail(err, RELAY_MISSING, path, "no such file");
		if (errno == ELOOP)
			return store_fail(err, RELAY_INSECURE, path,
					  "is a symbolic link; refusing to follow it");
		if (errno == EINVAL)
			return store_fail(err, RELAY_INSECURE, path,
					  "not a regular file");
		int saved = errno; /* the caller tells EACCES apart */

		store_fail(err, RELAY_FAILED, path, "cannot open%s: %s",
			   access == O_RDWR ? " for writing" : "", strerror(saved));
		errno = saved;
		return RELAY_FAILED;
	}
	if (fstat(*fd, st) != 0 || !relay_file_trusted(st, why, sizeof(why)))
		return store_fail(err, RELAY_INSECURE, path, "not trusted: %s", why);
	if (pread(*fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    memcmp(head, TDB_MAGIC, sizeof(head)) != 0)
		return store_fail(err, RELAY_NOT_STORE, path,
				  "not a relay store (no tdb header); left untouched");
	return RELAY_OK;
}

/* hash_size counts only when tdb makes the file (O_CREAT): an existing
 * store keeps the one it was created with. */
static struct tdb_context *open_tdb(struct relay_store *store,
				    unsigned hash_size, int open_flags,
				    mode_t mode)
{
	struct tdb_logging_context log = { tdb_log_bridge, store };

	return tdb_open_ex(store->path, (int)hash_size,
			   STORE_TDB_FLAGS | store->extra_tdb_flags,
			   open_flags | O_NOFOLLOW | O_CLOEXEC, mode, &log, NULL);
}

static bool has_marker(struct relay_store *store)
{
	return tdb_exists(store->tdb, store_marker_key()) == 1;
}

/* Makes an empty store with its marker at scratch->path, a name no one
 * else uses (O_EXCL), mode 0600, and leaves it open in scratch->tdb.  A
 * file tdb made before failing is removed. */
enum relay_status store_create_scratch(struct relay_store *scratch,
				       unsigned hash_size, struct relay_error *err)
{
	if (hash_size == 0)
		hash_size = RELAY_STORE_HASH_SIZE;
	if (hash_size > RELAY_STORE_HASH_SIZE_MAX)
		return store_fail(err, RELAY_USAGE, scratch->path,
				  "cannot create: a hash size of %u is more "
				  "than %u",
				  hash_size, RELAY_STORE_HASH_SIZE_MAX);
	scratch->tdb = open_tdb(scratch, hash_size, O_RDWR | O_CREAT | O_EXCL,
				0600);
	if (scratch->tdb == NULL) {
		int saved = errno;

		/* tdb may have made the file before failing (a full disk). */
		if (saved != EEXIST)
			unlink(scratch->path);
		return store_fail(err, saved == ENOENT ? RELAY_MISSING : RELAY_FAILED,
				  scratch->path, "cannot create: %s", strerror(saved));
	}
	if (tdb_store(scratch->tdb, store_marker_key(),
		      store_data(MARKER_VALUE, sizeof(MARKER_VALUE) - 1),
		      TDB_INSERT) != 0) {
		tdb_close(scratch->tdb);
		scratch->tdb = NULL;
		unlink(scratch->path);
		return store_fail(err, RELAY_FAILED, scratch->path,
				  "cannot create: writing the marker failed "
				  "(is the disk full?)");
	}
	return RELAY_OK;
}

/* Builds a new store under a private name and links it into place, so
 * that the path never shows a store without its marker and an existing
 * file is never replaced. */
static enum relay_status create_store(struct relay_store *store,
				      unsigned hash_size, struct relay_error *err)
{
	char tmp[PATH_MAX];
	struct relay_store scratch = *store;
	enum relay_status status;

	if (snprintf(tmp, sizeof(tmp), "%s.new.%ld", store->path,
		     (long)getpid()) >= (int)sizeof(tmp))
		return store_fail(err, RELAY_FAILED, store->path, "path too long");
	unlink(tmp); /* a leftover of this pid's crash, never a store */
	scratch.path = tmp;
	status = store_create_scratch(&scratch, hash_size, err);
	if (status != RELAY_OK) {
		/* Name the store, not the scratch file. */
		char why[sizeof(err->text)];
		const char *cause = strstr(err->text, "cannot create");

		snprintf(why, sizeof(why), "%s", cause ? cause : err->text);
		status = store_fail(err, status, store->path, "%s", why);
		goto out;
	}
	tdb_close(scratch.tdb);
	/* EEXIST: a racing creator's store; opening it comes next. */
	if (link(tmp, store->path) != 0 && errno != EEXIST)
		status = store_fail(err, RELAY_FAILED, store->path,
				    "cannot create: %s", strerror(errno));
out:
	unlink(tmp);
	return status;
}

static enum relay_status attach(struct relay_store *store, int access,
				int inspected_fd, const struct stat *inspected,
				struct relay_error *err)
{
	struct stat st;

	if (access == O_RDWR &&
	    !store_retry_bounded(store, claim_open_lock, &inspected_fd))
		return store_fail(err, RELAY_BUSY, store->path,
				  "another process holds its open lock "
				  "(waited %u ms)",
				  store->timeout_ms);
	store->tdb = open_tdb(store, RELAY_STORE_HASH_SIZE, access, 0);
	store->unlocked = access == O_RDONLY;
	if (store->tdb == NULL) {
		/* tdb's words for a header it cannot use: bad magic or
		 * version (EIO), a hash table past the end (EINVAL), an
		 * unknown layout (ENOSYS), a header cut short (no
		 * errno at all). */
		if (errno == EIO || errno == EINVAL || errno == ENOSYS ||
		    errno == 0)
			return store_fail(err, RELAY_CORRUPT, store->path,
					  "not a valid tdb file (truncated or "
					  "corrupt); left untouched");
		return store_fail(err, RELAY_FAILED, store->path, "cannot open: %s",
				  strerror(errno));
	}
	/* The file opened must be the one inspected, not a swapped one. */
	if (fstat(tdb_fd(store->tdb), &st) != 0 ||
	    st.st_dev != inspected->st_dev || st.st_ino != inspected->st_ino) {
		store->replaced = true;
		return store_fail(err, RELAY_INSECURE, store->path,
				  "file was replaced while opening");
	}
	store->open_dev = st.st_dev;
	store->open_ino = st.st_ino;
	store->seen_size = st.st_size;
	store->open_file_known = true;
	tdb_setalarm_sigptr(store->tdb, &store->timer.expired);
	if (!has_marker(store)) {
		enum TDB_ERROR code = tdb_error(store->tdb);

		if (code == TDB_ERR_NOEXIST)
			return store_fail(err, RELAY_NOT_STORE, store->path,
					  "a tdb but not a relay store (no "
					  "marker); left untouched");
		/* The header was sound, so a record tdb cannot read
		 * means a damaged hash table or record area. */
		if (code == TDB_ERR_IO || code == TDB_ERR_CORRUPT)
			return store_fail(err, RELAY_CORRUPT, store->path,
					  "corrupt: its records cannot be read "
					  "(tdb: %s); left untouched",
					  tdb_errorstr(store->tdb));
		return store_tdb_failure(store, err, "reading the marker");
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
	if (status == RELAY_FAILED && options->fallback_read_only &&
	    (errno == EACCES || errno == EROFS)) {
		*access = O_RDONLY;
		status = inspect(path, O_RDONLY, fd, st, err);
	}
	return status;
}

/* A repair renames a new store into place (see store_salvage.c): an
 * open that raced with it checks the new file from the start. */
#define REPLACED_RETRIES 3

enum relay_status store_open_guarded(struct relay_store *store,
				     const struct relay_store_options *options,
				     struct relay_error *err)
{
	enum relay_status status;
	int tries = 0;

	do {
		struct stat st;
		int access, fd = -1;

		if (store->tdb != NULL)
			tdb_close(store->tdb);
		store->tdb = NULL;
		store->open_file_known = false;
		store->replaced = false;
		status = inspect_for(options, store->path, &access, &fd, &st, err);
		if (status == RELAY_MISSING && options->create &&
		    !options->fallback_read_only) {
			status = create_store(store, options->hash_size, err);
			if (status == RELAY_OK)
				status = inspect_for(options, store->path, &access,
						     &fd, &st, err);
		}
		if (status == RELAY_OK)
			status = attach(store, access, fd, &st, err);
		/* Closing drops every fcntl lock this process has on the
		 * file; tdb holds none between calls, and its open lock is
		 * released. */
		if (fd >= 0)
			close(fd);
	} while (status != RELAY_OK && store->replaced &&
		 ++tries < REPLACED_RETRIES);
	return status;
}
