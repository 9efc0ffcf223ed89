/* A bounded wait for tdb's blocking fcntl locks.
 *
 * tdb has no lock timeout.  It does give up on a blocked lock when a
 * signal interrupts the wait and a flag it was given is set
 * (tdb_setalarm_sigptr).  This timer raises SIGALRM in the calling
 * thread only, through a POSIX timer, so the host program's own alarm()
 * and itimers are left alone; the host's SIGALRM handler is put back
 * when the last thread's timer is disarmed, and a SIGALRM that is not
 * ours is passed on to it, whichever thread of the host it lands in. */
#ifndef RELAYERS_LOCK_TIMER_H
#define RELAYERS_LOCK_TIMER_H

#include <signal.h>
#include <stdbool.h>
#include <time.h>

struct relay_lock_timer {
	volatile sig_atomic_t expired; /* give to tdb_setalarm_sigptr */
	bool armed;
	struct timespec fires_at;      /* CLOCK_MONOTONIC */
	struct sigaction saved_action; /* the host's handler, for reference */
	sigset_t saved_mask;
};

/* Starts the timer; expired becomes 1 after ms milliseconds.  Returns
 * false (and arms nothing) if the timer cannot be made. */
bool relay_lock_timer_arm(struct relay_lock_timer *lt, unsigned ms);

/* Stops the timer and restores the signal state; safe if never armed. */
void relay_lock_timer_disarm(struct relay_lock_timer *lt);

#endif
