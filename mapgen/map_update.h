/* Changing a few keys of MAP.db in place, for mapgen --watch.
 *
 * sendmail 8.17 and Postfix 3.7 take flock(LOCK_SH) on the .db when
 * they open it and around every lookup, and reopen it when its st_mtime
 * (whole seconds) has moved.  An update therefore runs under
 * flock(LOCK_EX) and is flushed before the lock is dropped, so that a
 * reader sees the map before or after it, never in between.
 *
 * Only an update that rewrites bucket pages in place is made in place.
 * The pages are written by a child process that shares the locked open
 * file: should mapgen be killed, the child still holds the lock until
 * its pages are out.  Before it writes, the child compares the table's
 * shape (pages, buckets) with what it was: a put that would split a
 * bucket or chain an overflow page changes which pages a reader walks,
 * which a reader with pages cached from before could misread; such an
 * update is dropped unwritten (Berkeley DB writes nothing before the
 * sync when its cache holds every page touched) and MAP_UPDATE_REBUILD
 * asks for a full export, which replaces the map by rename.  So does a
 * lock not had within MAP_UPDATE_LOCK_MS (a reader stuck holding it).
 *
 * Two updates within one second leave st_mtime where it was for a
 * reader that opened in between; map_update_touch() moves it on at the
 * next second. */
#ifndef MAPGEN_MAP_UPDATE_H
#define MAPGEN_MAP_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "failure.h"
#include "keys.h"
#include "stamp.h"

#define MAP_UPDATE_LOCK_MS 2000
#define MAP_UPDATE_REBUILD (-1)

/* One key's wanted state: present with value, or absent. */
struct map_change {
	char key[MAP_KEY_MAX];
	char value[RELAY_STAMP_TEXT_MAX];
	uint8_t key_len;
	uint8_t value_len; /* 0: the key must be absent */
};

/* The map file as mapgen last left it, to tell its own writes from
 * someone else's. */
struct map_state {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool known;
};

/* Records what the map file is now. */
void map_state_take(const char *db_path, struct map_state *state);

/* True when the file is no longer the one state describes. */
bool map_state_changed(const char *db_path, const struct map_state *state);

/* Applies changes to db_path, which must still be the file state
 * describes.  Returns 0 (state updated), MAP_UPDATE_REBUILD, or an EX_*
 * code with failure filled in. */
int map_update_in_place(const char *db_path, const struct map_change *changes,
			size_t count, struct map_state *state,
			struct relay_error *failure);

/* Moves the map's st_mtime to now under the exclusive lock. */
int map_update_touch(const char *db_path, struct map_state *state,
		     struct relay_error *failure);

#endif
