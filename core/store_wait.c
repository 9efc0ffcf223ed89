/* Bounded waits: tdb has no lock timeout, so every wait the store makes
 * is either a non-blocking attempt retried until a deadline, or a
 * blocking one that the lock timer breaks. */
#include <time.h>

#include "store_private.h"

void store_guard_begin(struct relay_store *store)
{
	/* A transaction holds the whole store already: nothing can wait,
	 * and prune's per-entry calls would pay for a timer each. */
	if (store->in_transaction)
		return;
	if (!relay_lock_timer_arm(&store->timer, store->timeout_ms))
		store->timer.expired = 0;
	if (store->tdb != NULL)
		tdb_setalarm_sigptr(store->tdb, &store->timer.expired);
}

void store_guard_end(struct relay_store *store)
{
	if (store->in_transaction)
		return;
	relay_lock_timer_disarm(&store->timer);
	if (store->tdb != NULL)
		tdb_setalarm_sigptr(store->tdb, NULL);
}

static bool past(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* The clock check stands in should the timer be missing. */
bool store_retry_bounded(struct relay_store *store, bool (*attempt)(void *arg),
			 void *arg)
{
	struct timespec pause = { 0, 200000 }; /* 0.2 ms, doubling */
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += store->timeout_ms / 1000;
	deadline.tv_nsec += (long)(store->timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while (!attempt(arg)) {
		if (store->timer.expired || past(&deadline))
			return false;
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 16000000)
			pause.tv_nsec *= 2;
	}
	return true;
}
