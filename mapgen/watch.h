/* mapgen --watch: keeps the map in step with the store.
 *
 * It sleeps on inotify events for the store's directory and on a timer
 * (interval_ms, the safety net, and when the next entry ages past
 * --max-age); the store's sequence number says whether anything
 * changed.  A change is found by comparing the store file with a copy
 * (store_diff.h) and written into the map in place (map_update.h); a
 * full export, the map replaced by rename, is made at the start, hourly,
 * on SIGHUP, when the store file is replaced, when the map was removed
 * or written by someone else, when a change is too big or would reshape
 * the map, and after a failure.  SIGTERM and SIGINT end it with status
 * 0 and nothing left behind. */
#ifndef MAPGEN_WATCH_H
#define MAPGEN_WATCH_H

#include "export.h"
#include "options.h"

int mapgen_watch(const struct mapgen_options *options,
		 const struct export_options *export_options);

#endif
