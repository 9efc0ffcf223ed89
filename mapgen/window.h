/* Which entries a map holds: with --max-age, only those stamped within
 * that many seconds of now.  Entries stamped in the future are always
 * held (an admin's "add IP TICKS" grants relaying until then). */
#ifndef MAPGEN_WINDOW_H
#define MAPGEN_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#define MAP_NO_MAX_AGE (-1)
#define MAP_NEVER INT64_MAX

struct map_window {
	int64_t now;
	int64_t max_age; /* seconds, or MAP_NO_MAX_AGE */
};

bool map_window_holds(const struct map_window *window, int64_t stamp);

/* The first second at which an entry with this stamp leaves the map,
 * or MAP_NEVER without a max age. */
int64_t map_window_leaves_at(const struct map_window *window, int64_t stamp);

#endif
