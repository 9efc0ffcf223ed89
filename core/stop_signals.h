/* The signals the long-running programs (mapgen --watch, relayersd, the
 * shipper) take: SIGTERM and SIGINT stop them, SIGHUP asks for a reload
 * or a full pass.  They stay blocked for the whole run and are read
 * through a signalfd or sigtimedwait, never by a handler. */
#ifndef RELAYERS_STOP_SIGNALS_H
#define RELAYERS_STOP_SIGNALS_H

#include <signal.h>

/* Fills set with SIGTERM, SIGINT and SIGHUP. */
void relay_stop_signals_set(sigset_t *set);

/* Blocks the three; call before any thread or child exists. */
void relay_stop_signals_block(void);

/* A close-on-exec, non-blocking signalfd for the three; -1 on failure. */
int relay_stop_signals_fd(void);

#endif
