#include "store_view.h"

#include <stdio.h>
#include <string.h>

void store_view_init(struct store_view *view, const char *path)
{
	memset(view, 0, sizeof(*view));
	view->path = path;
	view->fault = RELAY_MISSING;
}

void store_view_close(struct store_view *view)
{
	if (view->redis != NULL)
		redis_view_reset(view->redis);
	relay_store_close(view->store);
	view->store = NULL;
}

static void tdb_says(void *context, const char *message)
{
	rd_log(LOG_DEBUG, "tdb: %s", message);
}

static void open_store(struct store_view *view, uint64_t now_ms)
{
	struct relay_store_options options = {
		.timeout_ms = STORE_VIEW_LOCK_TIMEOUT_MS,
		.fallback_read_only = true,
		.log = tdb_says,
	};
	struct relay_error err;
	struct stat before, after;
	bool seen;

	view->checked_ms = now_ms;
	view->tried = true;
	seen = lstat(view->path, &before) == 0;
	view->fault = relay_store_open(view->path, &options, &view->store, &err);
	if (view->fault != RELAY_OK) {
		rd_fault_report(&view->log, err.text);
		return;
	}
	/* The handle's own file, for telling a replacement apart: the one
	 * the path named both before and after the open.  Should it have
	 * been swapped meanwhile, nothing matches and the next look at the
	 * path opens it again. */
	memset(&view->opened, 0, sizeof(view->opened));
	if (seen && lstat(view->path, &after) == 0 &&
	    before.st_dev == after.st_dev && before.st_ino == after.st_ino)
		view->opened = after;
	rd_fault_clear(&view->log, "store usable again");
	rd_log(LOG_INFO, "store %s open (inode %llu)", view->path,
	       (unsigned long long)view->opened.st_ino);
}

void store_view_reopen(struct store_view *view, uint64_t now_ms)
{
	if (view->redis != NULL) {
		redis_view_reset(view->redis);
		return;
	}
	store_view_close(view);
	open_store(view, now_ms);
}

/* True when the path names another file than the handle reads, or the
 * same file with another owner or mode: open again, and trust again. */
static bool replaced(const struct store_view *view, const struct stat *now)
{
	return now->st_dev != view->opened.st_dev ||
	       now->st_ino != view->opened.st_ino ||
	       now->st_mode != view->opened.st_mode ||
	       now->st_uid != view->opened.st_uid ||
	       now->st_gid != view->opened.st_gid;
}

/* Looks at the path at most every STORE_VIEW_RECHECK_MS: a stat on a
 * handle that is still right, an open attempt while there is none. */
static void refresh(struct store_view *view, uint64_t now_ms)
{
	struct stat st;

	if (view->tried && now_ms - view->checked_ms < STORE_VIEW_RECHECK_MS)
		return;
	if (view->store == NULL) {
		open_store(view, now_ms);
		return;
	}
	view->checked_ms = now_ms;
	if (lstat(view->path, &st) == 0 && !replaced(view, &st))
		return;
	rd_log(LOG_NOTICE, "store %s was replaced or removed; opening it again",
	       view->path);
	store_view_reopen(view, now_ms);
}

static const char *fault_reason(enum relay_status status)
{
	switch (status) {
	case RELAY_MISSING: return "relay store missing";
	case RELAY_INSECURE: return "relay store insecure";
	case RELAY_NOT_STORE: return "not a relay store";
	case RELAY_CORRUPT:
	case RELAY_MALFORMED: return "relay store corrupt";
	case RELAY_BUSY: return "relay store busy";
	default: return "relay store unreadable";
	}
}

/* One read, bracketed by the store's change counter.  A reader that may
 * not write the store gets no tdb locks (tdb turns them off for
 * O_RDONLY), so a writer can change a record under it; a read during
 * which the counter moved is not trusted, and neither is one that
 * failed or gave an undecodable value: both are read again, and give
 * TEMP if that keeps happening.  Never OK for garbage. */
static enum relay_status read_entry(struct store_view *view,
				    const struct relay_addr *addr,
				    int64_t *stamp, struct relay_error *err)
{
	enum relay_status status = RELAY_BUSY;

	for (int attempt = 0; attempt < STORE_VIEW_READ_TRIES; attempt++) {
		uint64_t before = relay_store_seqnum(view->store);

		status = relay_store_get(view->store, addr, stamp, err);
		if (relay_store_seqnum(view->store) != before) {
			status = RELAY_BUSY;
			snprintf(err->text, sizeof(err->text),
				 "store %s: changed during every read of %d",
				 view->path, STORE_VIEW_READ_TRIES);
			continue;
		}
		if (status == RELAY_OK || status == RELAY_NOT_FOUND ||
		    status == RELAY_BUSY)
			return status;
	}
	return status;
}

enum relay_status store_view_get(struct store_view *view,
				 const struct relay_addr *addr, uint64_t now_ms,
				 int64_t *stamp, const char **reason)
{
	struct relay_error err;
	enum relay_status status;

	if (view->redis != NULL)
		return redis_view_get(view->redis, addr, now_ms, stamp, reason);
	refresh(view, now_ms);
	if (view->store == NULL) {
		*reason = fault_reason(view->fault);
		return view->fault;
	}
	status = read_entry(view, addr, stamp, &err);
	if (status == RELAY_OK || status == RELAY_NOT_FOUND) {
		rd_fault_clear(&view->log, "store readable again");
		return status;
	}
	rd_fault_report(&view->log, err.text);
	*reason = fault_reason(status);
	return status;
}
