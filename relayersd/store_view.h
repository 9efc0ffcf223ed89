/* The store as the server sees it: one read-only handle kept open
 * between lookups, replaced when the file at the path is replaced (a
 * restore by rename), made when the store first appears, and dropped
 * when it goes away or stops being trustworthy.  Every fault becomes
 * a reason to answer TEMP, logged once while it lasts. */
#ifndef RELAYERSD_STORE_VIEW_H
#define RELAYERSD_STORE_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "addr.h"
#include "log.h"
#include "redis_view.h"
#include "store.h"

/* How often the path is looked at again (stat) while a handle is open,
 * and how often a missing or refused store is tried again. */
#define STORE_VIEW_RECHECK_MS 100

/* The longest a lookup waits for a writer's lock (root only: a reader
 * without write access to the store takes no locks). */
#define STORE_VIEW_LOCK_TIMEOUT_MS 200

/* Reads whose store changed meanwhile are tried this often, then TEMP. */
#define STORE_VIEW_READ_TRIES 3

struct store_view {
	const char *path;
	struct relay_store *store;
	struct stat opened;	 /* the file the handle reads */
	uint64_t checked_ms;	 /* last look at the path */
	bool tried;		 /* checked_ms holds a real time */
	enum relay_status fault; /* why there is no handle */
	struct rd_fault log;
	struct redis_view *redis; /* set: lookups go to Redis, no store */
};

void store_view_init(struct store_view *view, const char *path);

/* SIGHUP: drops the handle and opens the store again at once. */
void store_view_reopen(struct store_view *view, uint64_t now_ms);

void store_view_close(struct store_view *view);

/* Looks addr up.  RELAY_OK with *stamp, RELAY_NOT_FOUND, or a fault
 * for which *reason holds a few words for the TEMP reply. */
enum relay_status store_view_get(struct store_view *view,
				 const struct relay_addr *addr, uint64_t now_ms,
				 int64_t *stamp, const char **reason);

#endif
