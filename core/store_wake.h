/* Sleeping until the store changes: inotify on the store's directory (so
 * that a store written, created later or replaced by rename is seen at
 * once), a signalfd of the caller's, and a timeout, the slow safety net.
 * The event is only a hint; the store's sequence number stays the truth
 * of whether anything changed.  Without inotify (none left, or no
 * directory yet) the timeout alone drives the caller.  Shared by
 * mapgen --watch and relayers-shipper. */
#ifndef RELAYERS_STORE_WAKE_H
#define RELAYERS_STORE_WAKE_H

#include <limits.h>
#include <stdbool.h>

enum store_wake { STORE_WAKE_TIMEOUT,
		  STORE_WAKE_CHANGE,
		  STORE_WAKE_SIGNAL };

struct store_waker {
	int inotify_fd;
	int watch_fd;  /* the directory's watch, or -1 */
	int signal_fd; /* the caller's, or -1 */
	char dir[PATH_MAX];
	char base[NAME_MAX + 1];
};

/* Never fails: what cannot be set up is left to the timeout; a missing
 * inotify is said once on stderr, after prog. */
void store_waker_init(struct store_waker *w, const char *store_path,
		      int signal_fd, const char *prog);

/* Sleeps up to ms.  STORE_WAKE_SIGNAL: the signal fd is readable (the
 * caller takes the signal). */
enum store_wake store_waker_wait(struct store_waker *w, unsigned ms);

void store_waker_close(struct store_waker *w);

#endif
