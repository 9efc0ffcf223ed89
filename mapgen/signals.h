/* SIGTERM, SIGINT and SIGHUP stay blocked for the whole run and are
 * taken only where mapgen can act on them safely: between exports, and
 * at checkpoints inside one, where stopping removes the private file
 * first.  No handler ever runs in the middle of a Berkeley DB call. */
#ifndef MAPGEN_SIGNALS_H
#define MAPGEN_SIGNALS_H

#include <stdbool.h>

/* Blocks the three signals; call before anything else. */
void mapgen_signals_block(void);

/* True when SIGTERM or SIGINT is waiting; it stays pending, so that the
 * caller's wait takes it next. */
bool mapgen_stop_pending(void);

enum mapgen_wake { WAKE_TIMEOUT,
		   WAKE_STOP,
		   WAKE_RELOAD };

/* Sleeps up to ms milliseconds or until a signal arrives; returns which.
 * The signal number of a stop is left in *signo. */
enum mapgen_wake mapgen_signals_wait(unsigned ms, int *signo);

/* A signalfd that becomes readable when one of the three is pending,
 * for poll(); the signal itself is still taken with
 * mapgen_signals_wait(0, ...).  -1 when none can be had. */
int mapgen_signals_fd(void);

#endif
