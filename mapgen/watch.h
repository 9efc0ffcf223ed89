/* mapgen --watch: keeps the map in step with the store.
 *
 * It wakes every interval_ms (at most a second) and reads the store's
 * sequence number, one word of the mapped tdb header that every writer
 * bumps: no lock, no read of the data.  It exports when that number
 * moves, when the store file is replaced, when the map is removed or
 * overwritten by someone else, when the oldest entry ages past
 * --max-age, on SIGHUP, and a second after a failed export.
 * SIGTERM and SIGINT end it with status 0 and nothing left behind. */
#ifndef MAPGEN_WATCH_H
#define MAPGEN_WATCH_H

#include "export.h"
#include "options.h"

int mapgen_watch(const struct mapgen_options *options,
		 const struct export_options *export_options);

#endif
