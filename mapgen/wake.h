/* What mapgen --watch sleeps on: the store's changes (core's
 * store_wake.h), its blocked signals through a signalfd, and a timeout,
 * the slow safety net that also serves --max-age. */
#ifndef MAPGEN_WAKE_H
#define MAPGEN_WAKE_H

#include "store_wake.h"

enum watch_wake { WATCH_TIMEOUT,
		  WATCH_STORE,
		  WATCH_STOP,
		  WATCH_RELOAD };

struct wake {
	struct store_waker waker;
};

/* Never fails: what cannot be set up is left to the timeout. */
void wake_init(struct wake *wake, const char *store_path);

/* Sleeps up to ms.  A stop's signal number goes to *signo. */
enum watch_wake wake_wait(struct wake *wake, unsigned ms, int *signo);

void wake_close(struct wake *wake);

#endif
