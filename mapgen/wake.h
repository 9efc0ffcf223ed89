/* What mapgen --watch sleeps on: inotify on the store's directory (so
 * that a store written, created later or replaced by rename is seen at
 * once), the blocked signals through a signalfd, and a timeout, the
 * slow safety net that also serves --max-age.  Without inotify (none
 * left, or no directory yet) the timeout alone drives the watcher. */
#ifndef MAPGEN_WAKE_H
#define MAPGEN_WAKE_H

#include <limits.h>
#include <stdbool.h>

enum watch_wake { WATCH_TIMEOUT, WATCH_STORE, WATCH_STOP, WATCH_RELOAD };

struct wake {
	int inotify_fd;
	int watch_fd;		/* the directory's watch, or -1 */
	int signal_fd;
	char dir[PATH_MAX];
	char base[NAME_MAX + 1];
};

/* Never fails: what cannot be set up is left to the timeout. */
void wake_init(struct wake *wake, const char *store_path);

/* Sleeps up to ms.  A stop's signal number goes to *signo. */
enum watch_wake wake_wait(struct wake *wake, unsigned ms, int *signo);

void wake_close(struct wake *wake);

#endif
