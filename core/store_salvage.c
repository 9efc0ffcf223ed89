/* Salvaging a damaged store: every intact record the file still holds,
 * found by salvage_scan.c without trusting the file's own structure, is
 * written into a fresh store that is then renamed over the old one.
 *
 * The slow part (reading, sorting, writing the new store) runs while
 * logins go on writing the old file.  Then the old file's open lock
 * (byte 0, which every tdb_open takes) and its free-list and chain
 * locks (byte 164 to the end, which every store, delete and transaction
 * takes) are claimed together, within the store's timeout.  With them
 * held the file is compared with the first read; what logins wrote
 * meanwhile is taken over from the pages that changed (catch_up), or,
 * after a delete or an expire, from the whole file read again.  The
 * rename happens before the locks go.  A writer that waited
 * on them then finds, under its own chain lock, that the path names
 * another file (store_still_in_place), and reopens the new one: no
 * write lands on the file that was left behind. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "salvage_private.h"
#include "store_trust.h"

/* tdb's lock offsets (lib/tdb/common/lock.c): the open lock, and the
 * free-list lock, right below the first chain lock; chain locks and the
 * whole-store lock lie above it. */
#define OPEN_LOCK_OFFSET 0
#define FIRST_WRITER_LOCK (SALVAGE_HEADER_SIZE - 4)

static double ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static bool read_image(int fd, struct image *img)
{
	struct stat st;
	size_t done = 0;

	img->bytes = NULL;
	img->size = 0;
	if (fstat(fd, &st) != 0)
		return false;
	if ((uint64_t)st.st_size > UINT32_MAX) { /* tdb offsets are 32 bits */
		errno = EFBIG;
		return false;
	}
	img->bytes = malloc((size_t)st.st_size + 1);
	if (img->bytes == NULL)
		return false;
	while (done < (size_t)st.st_size) {
		ssize_t got = pread(fd, img->bytes + done, (size_t)st.st_size - done,
				    (off_t)done);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(img->bytes);
			img->bytes = NULL;
			return false;
		}
		if (got == 0)
			break; /* shorter than it was a moment ago */
		done += (size_t)got;
	}
	img->size = done;
	return true;
}

int salvage_compare_keys(TDB_DATA a, TDB_DATA b)
{
	if (a.dsize != b.dsize)
		return a.dsize < b.dsize ? -1 : 1;
	return memcmp(a.dptr, b.dptr, a.dsize);
}

int salvage_compare_hashed(uint32_t ha, TDB_DATA a, uint32_t hb, TDB_DATA b)
{
	if (ha != hb)
		return ha < hb ? -1 : 1;
	return salvage_compare_keys(a, b);
}

/* A copy that may be kept when no copy of its key is current. */
static bool eligible(const struct salvage_record *rec)
{
	return !rec->in_free && !rec->orphan;
}

/* By key; within a key the copy to keep first: reached from a hash
 * chain, then one that may be current, then the newest, then the last. */
static int compare_copies(const void *pa, const void *pb)
{
	const struct copy *a = pa, *b = pb;
	int by_key = salvage_compare_hashed(a->rec->full_hash, a->key,
					    b->rec->full_hash, b->key);

	if (by_key != 0)
		return by_key;
	if (a->rec->in_hash != b->rec->in_hash)
		return a->rec->in_hash ? -1 : 1;
	if (eligible(a->rec) != eligible(b->rec))
		return eligible(a->rec) ? -1 : 1;
	if (a->order != b->order)
		return a->order > b->order ? -1 : 1;
	return a->rec->offset > b->rec->offset ? -1 : 1;
}

static size_t collect_copies(const struct image *img,
			     const struct salvage_scan *scan, struct copy *copies,
			     struct selection *sel)
{
	size_t n = 0;

	for (size_t i = 0; i < scan->count; i++) {
		const struct salvage_record *rec = &scan->records[i];
		struct copy c = { .rec = rec };

		c.key.dptr = img->bytes + rec->offset + SALVAGE_RECORD_HEADER;
		c.key.dsize = rec->key_len;
		c.value.dptr = c.key.dptr + rec->key_len;
		c.value.dsize = rec->data_len;
		if (!store_record_admissible(c.key, c.value, &c.order)) {
			sel->not_relay++;
			continue;
		}
		copies[n++] = c;
	}
	return n;
}

/* Keeps one copy of each key: a current one where the hash chains still
 * say which, else the newest that does not lie in freed space. */
static void choose(struct copy *copies, size_t n, struct selection *sel)
{
	for (size_t i = 0; i < n;) {
		size_t end = i + 1;
		const struct copy *best = &copies[i];

		while (end < n && copies[end].rec->full_hash == best->rec->full_hash &&
		       salvage_compare_keys(copies[end].key, best->key) == 0)
			end++;
		if (best->rec->in_hash || eligible(best->rec)) {
			sel->picks[sel->count++] = (struct pick){
				best->rec->full_hash, best->key, best->value
			};
			if (store_is_marker(best->key))
				sel->marker = true;
			else
				sel->entries++;
			for (size_t j = i + 1; j < end; j++) {
				if (!copies[j].rec->in_hash &&
				    !eligible(copies[j].rec))
					sel->freed++;
				else
					sel->stale++;
			}
		} else {
			sel->freed += end - i;
		}
		i = end;
	}
}

/* keep (may be NULL) gets the scan, for catch_up() to start from. */
static enum relay_status select_records(const char *path, const struct image *img,
					struct selection *sel,
					struct salvage_scan *keep,
					struct relay_error *err)
{
	struct salvage_scan scan = { 0 };
	struct copy *copies = NULL;
	size_t n;

	memset(sel, 0, sizeof(*sel));
	if (!salvage_scan_image(img->bytes, img->size, RELAY_STORE_HASH_SIZE,
				&scan))
		goto oom;
	sel->damaged = scan.damaged;
	copies = malloc((scan.count + 1) * sizeof(*copies));
	sel->picks = malloc((scan.count + 1) * sizeof(*sel->picks));
	if (copies == NULL || sel->picks == NULL)
		goto oom;
	n = collect_copies(img, &scan, copies, sel);
	qsort(copies, n, sizeof(*copies), compare_copies);
	choose(copies, n, sel);
	free(copies);
	if (keep != NULL)
		*keep = scan;
	else
		salvage_scan_free(&scan);
	return RELAY_OK;
oom:
	free(copies);
	free(sel->picks);
	sel->picks = NULL;
	salvage_scan_free(&scan);
	return store_fail(err, RELAY_FAILED, path, "salvage: out of memory");
}

static enum relay_status write_picks(struct relay_store *fresh,
				     const struct pick *picks, size_t count,
				     struct relay_error *err)
{
	for (size_t i = 0; i < count; i++)
		if (tdb_store(fresh->tdb, picks[i].key, picks[i].value,
			      TDB_REPLACE) != 0)
			return store_tdb_failure(fresh, err, "salvage: writing");
	return RELAY_OK;
}

/* Brings the new store from what the first read chose (was) to what the
 * read under the locks chose (now); both are sorted by hash and key. */
static enum relay_status apply_difference(struct relay_store *fresh,
					  const struct selection *was,
					  const struct selection *now,
					  struct relay_error *err)
{
	size_t i = 0, j = 0;

	while (i < was->count || j < now->count) {
		int cmp = i == was->count ? 1
			  : j == now->count
				  ? -1
				  : salvage_compare_hashed(was->picks[i].hash,
							   was->picks[i].key,
							   now->picks[j].hash,
							   now->picks[j].key);

		if (cmp < 0) {
			/* Gone meanwhile (deleted, expired); the marker stays. */
			if (!store_is_marker(was->picks[i].key) &&
			    tdb_delete(fresh->tdb, was->picks[i].key) != 0 &&
			    tdb_error(fresh->tdb) != TDB_ERR_NOEXIST)
				return store_tdb_failure(fresh, err,
							 "salvage: deleting");
			i++;
			continue;
		}
		if (cmp > 0 || salvage_compare_keys(was->picks[i].value,
						    now->picks[j].value) != 0) {
			enum relay_status status =
				write_picks(fresh, &now->picks[j], 1, err);

			if (status != RELAY_OK)
				return status;
		}
		if (cmp == 0)
			i++;
		j++;
	}
	return RELAY_OK;
}

static bool lock_byte_range(int fd, off_t start, off_t len)
{
	struct flock lock = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len
	};

	return fcntl(fd, F_SETLK, &lock) == 0;
}

static void unlock_byte_range(int fd, off_t start, off_t len)
{
	struct flock lock = {
		.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len
	};

	fcntl(fd, F_SETLK, &lock);
}

/* Both locks or neither: holding the open lock while waiting for the
 * others would stall every new login for the whole wait, and a login
 * gives up after its own timeout (250 ms by default). */
static bool try_hold_writers(void *arg)
{
	int fd = *(int *)arg;

	if (!lock_byte_range(fd, OPEN_LOCK_OFFSET, 1))
		return false;
	if (lock_byte_range(fd, FIRST_WRITER_LOCK, 0))
		return true;
	unlock_byte_range(fd, OPEN_LOCK_OFFSET, 1);
	return false;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static enum relay_status sync_directory(const char *path,
					struct relay_error *err)
{
	char copy[PATH_MAX];
	int dir;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fsync(dir) != 0) {
		int saved = errno;

		if (dir >= 0)
			close(dir);
		return store_fail(err, RELAY_FAILED, path,
				  "salvage: syncing its directory: %s",
				  strerror(saved));
	}
	close(dir);
	return RELAY_OK;
}

static enum relay_status open_old(struct old_store *old, struct relay_error *err)
{
	char why[160];

	old->fd = relay_open_regular(old->path, O_RDWR);
	if (old->fd < 0) {
		if (errno == ENOENT)
			return store_fail(err, RELAY_MISSING, old->path,
					  "no such file");
		if (errno == ELOOP || errno == EINVAL)
			return store_fail(err, RELAY_INSECURE, old->path,
					  "not a regular file, or a symbolic link");
		return store_fail(err, RELAY_FAILED, old->path,
				  "cannot open for writing: %s", strerror(errno));
	}
	if (fstat(old->fd, &old->st) != 0 ||
	    !relay_file_trusted(&old->st, why, sizeof(why)))
		return store_fail(err, RELAY_INSECURE, old->path, "not trusted: %s",
				  why);
	if (!read_image(old->fd, &old->image))
		return store_fail(err, RELAY_FAILED, old->path, "cannot read: %s",
				  strerror(errno));
	return select_records(old->path, &old->image, &old->sel, &old->scan, err);
}

static void report_selection(const struct selection *sel,
			     struct relay_salvage_report *report)
{
	report->entries = sel->entries;
	report->records = sel->entries + (sel->marker ? 1 : 0);
	report->marker = sel->marker;
	report->not_relay = sel->not_relay;
	report->stale = sel->stale;
	report->freed = sel->freed;
	report->damaged = sel->damaged;
}

/* The new store, made beside the old one under a name of this process,
 * with the old one's owner and mode and hash_size chains. */
static enum relay_status build_fresh(const struct old_store *old,
				     unsigned hash_size, char *tmp,
				     size_t tmp_size, struct relay_store *fresh,
				     struct relay_error *err)
{
	enum relay_status status;

	if (snprintf(tmp, tmp_size, "%s.salvage.%ld", old->path,
		     (long)getpid()) >= (int)tmp_size)
		return store_fail(err, RELAY_FAILED, old->path, "path too long");
	unlink(tmp); /* a leftover of this pid's crash, never a store */
	fresh->path = tmp;
	/* No one else knows the name: no locks, and one fsync at the end. */
	fresh->extra_tdb_flags = TDB_NOLOCK | TDB_NOSYNC;
	status = store_create_scratch(fresh, hash_size, err);
	if (status != RELAY_OK)
		return status;
	if (fchown(tdb_fd(fresh->tdb), old->st.st_uid, old->st.st_gid) != 0 ||
	    fchmod(tdb_fd(fresh->tdb),
		   old->st.st_mode & 0755 & ~(mode_t)(S_IWGRP | S_IWOTH)) != 0)
		return store_fail(err, RELAY_FAILED, old->path,
				  "salvage: cannot give the new store the old "
				  "one's owner and mode: %s",
				  strerror(errno));
	status = write_picks(fresh, old->sel.picks, old->sel.count, err);
	/* Synced now, so that the swap has only what changed left to sync. */
	if (status == RELAY_OK && fsync(tdb_fd(fresh->tdb)) != 0)
		status = store_fail(err, RELAY_FAILED, old->path,
				    "salvage: syncing the new store: %s",
				    strerror(errno));
	return status;
}

/* Whether the file still holds exactly img, compared a chunk at a time:
 * reading a large store into a fresh buffer would cost its page faults
 * while writers wait. */
static bool image_unchanged(int fd, const struct image *img)
{
	enum { CHUNK = 1 << 20 };
	unsigned char *chunk = malloc(CHUNK);
	bool same = chunk != NULL;
	struct stat st;
	size_t done = 0;

	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != img->size)
		same = false;
	while (same && done < img->size) {
		size_t want = img->size - done < CHUNK ? img->size - done : CHUNK;
		ssize_t got = pread(fd, chunk, want, (off_t)done);

		same = got == (ssize_t)want &&
		       memcmp(chunk, img->bytes + done, want) == 0;
		done += want;
	}
	free(chunk);
	return same;
}

/* Under the writers' locks: catch up with what they wrote since the
 * first read, then rename the new store into place. */
static enum relay_status swap_in(struct old_store *old, struct relay_store *fresh,
				 struct relay_salvage_report *report,
				 struct relay_error *err)
{
	struct image again = { NULL, 0 };
	struct selection now = { 0 };
	enum relay_status status = RELAY_OK;
	struct stat named;

	if (!image_unchanged(old->fd, &old->image)) {
		report->reread = true;
		if (!read_image(old->fd, &again))
			return store_fail(err, RELAY_FAILED, old->path,
					  "cannot read: %s", strerror(errno));
		status = salvage_catch_up(old, &again, fresh, report, err);
		if (status == RELAY_NOT_FOUND) {
			report->rescanned = true;
			status = select_records(old->path, &again, &now, NULL, err);
			if (status == RELAY_OK)
				status = apply_difference(fresh, &old->sel, &now,
							  err);
			if (status == RELAY_OK)
				report_selection(&now, report);
		}
	}
	if (status == RELAY_OK && report->reread &&
	    fsync(tdb_fd(fresh->tdb)) != 0)
		status = store_fail(err, RELAY_FAILED, old->path,
				    "salvage: syncing the new store: %s",
				    strerror(errno));
	/* Another repair may have won the race for the locks. */
	if (status == RELAY_OK &&
	    (lstat(old->path, &named) != 0 || !same_file(&named, &old->st)))
		status = store_fail(err, RELAY_BUSY, old->path,
				    "replaced by another process while being "
				    "salvaged; nothing changed");
	if (status == RELAY_OK && rename(fresh->path, old->path) != 0)
		status = store_fail(err, RELAY_FAILED, old->path,
				    "salvage: cannot rename the new store into "
				    "place: %s",
				    strerror(errno));
	if (status == RELAY_OK)
		status = sync_directory(old->path, err);
	free(now.picks);
	free(again.bytes);
	return status;
}

enum relay_status relay_store_salvage(const char *path,
				      const struct relay_store_options *options,
				      struct relay_salvage_report *report,
				      struct relay_error *err)
{
	struct old_store old = { .path = path, .fd = -1 };
	struct relay_store fresh = {
		.timeout_ms = options->timeout_ms,
		.log = options->log,
		.log_context = options->log_context,
	};
	char tmp[PATH_MAX] = "";
	struct timespec t0, t1;
	enum relay_status status;
	bool renamed = false;

	memset(report, 0, sizeof(*report));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	status = open_old(&old, err);
	report->read_ms = ms_since(&t0);
	if (status != RELAY_OK)
		goto out;
	report_selection(&old.sel, report);
	if (!old.sel.marker && old.sel.entries == 0) {
		status = store_fail(err, RELAY_NOT_STORE, path,
				    "nothing a relay store holds could be read "
				    "(no marker, no entry): not a relay store, "
				    "or beyond repair; left as it was");
		goto out;
	}
	/* Unless told otherwise, sized for what was read: a login into the
	 * new store walks a chain of about one record. */
	report->hash_size = options->hash_size != 0
				    ? options->hash_size
				    : relay_store_hash_size_for(old.sel.count);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	status = build_fresh(&old, report->hash_size, tmp, sizeof(tmp), &fresh,
			     err);
	report->build_ms = ms_since(&t1);
	if (status != RELAY_OK)
		goto out;
	/* The timer of a scratch handle stays unarmed: the clock bounds the
	 * wait. */
	if (!store_retry_bounded(&fresh, try_hold_writers, &old.fd)) {
		status = store_fail(err, RELAY_BUSY, path,
				    "writers did not let go within "
				    "%u ms; nothing changed",
				    options->timeout_ms);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	status = swap_in(&old, &fresh, report, err);
	renamed = status == RELAY_OK;
out:
	/* Closing the old file lets the writers go, after the rename. */
	if (old.fd >= 0)
		close(old.fd);
	if (renamed)
		report->held_ms = ms_since(&t1);
	if (fresh.tdb != NULL)
		tdb_close(fresh.tdb);
	if (tmp[0] != '\0' && !renamed)
		unlink(tmp);
	free(old.sel.picks);
	salvage_scan_free(&old.scan);
	free(old.image.bytes);
	return status;
}
