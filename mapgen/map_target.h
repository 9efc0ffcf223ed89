/* Replacing MAP.db atomically.  The new map is built in a private file
 * beside the old one (same directory, so same file system), flushed to
 * disk, given the old map's owner and mode, and renamed over it.
 * Readers see the old map or the new one, never a missing or partial
 * one; any failure removes the private file and leaves the old map as
 * it was, byte for byte. */
#ifndef MAPGEN_MAP_TARGET_H
#define MAPGEN_MAP_TARGET_H

#include <limits.h>

#include "failure.h"

/* A new map gets makemap's mode (DBMMODE 0640), less the umask. */
#define MAP_NEW_MODE 0640

struct map_target {
	char path[PATH_MAX];	  /* MAP.db */
	char temp_path[PATH_MAX]; /* empty when there is none */
	int dir_fd;
	int temp_fd;
};

/* Derives MAP.db from MAP the way makemap does (".db" is added unless
 * present).  Returns 0, or EX_USAGE for a name that is too long. */
int map_target_name(const char *map, char out[PATH_MAX],
		    struct relay_error *failure);

/* Checks the directory and the old map, removes private files that an
 * earlier run killed outright left (those nobody holds locked), then
 * creates the private file, locked, with its final owner and mode.  On
 * failure nothing is left behind. */
int map_target_begin(struct map_target *target, const char *db_path,
		     struct relay_error *failure);

/* Flushes the private file and renames it over the map.  On failure
 * the private file is removed. */
int map_target_commit(struct map_target *target, struct relay_error *failure);

/* Removes the private file, if any; safe to call twice. */
void map_target_abandon(struct map_target *target);

#endif
