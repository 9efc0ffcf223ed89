/* mapgen's command line. */
#ifndef MAPGEN_OPTIONS_H
#define MAPGEN_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "keys.h"

#define MAPGEN_DEFAULT_INTERVAL_MS 1000 /* the safety net beside inotify */
#define MAPGEN_MIN_INTERVAL_MS 10
#define MAPGEN_MAX_INTERVAL_MS 1000  /* a change shows within a second */
#define MAPGEN_STORE_TIMEOUT_MS 5000 /* then "store busy" */

struct mapgen_options {
	const char *store_path;
	const char *map; /* -o MAP; NULL with --text */
	enum map_flavour flavour;
	int64_t max_age; /* seconds, or MAP_NO_MAX_AGE */
	bool text;
	bool watch;
	bool verbose;
	unsigned interval_ms;
};

/* Returns -1 to go on, or the status to exit with at once (0 after
 * --help or --version, EX_USAGE after a message on stderr). */
int mapgen_parse_options(int argc, char **argv, struct mapgen_options *out);

#endif
