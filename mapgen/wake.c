#include "wake.h"

#include "signals.h"

void wake_init(struct wake *wake, const char *store_path)
{
	store_waker_init(&wake->waker, store_path, mapgen_signals_fd(),
			 "mapgen");
}

static enum watch_wake from_signal(enum mapgen_wake wake)
{
	switch (wake) {
	case WAKE_STOP: return WATCH_STOP;
	case WAKE_RELOAD: return WATCH_RELOAD;
	case WAKE_TIMEOUT: break;
	}
	return WATCH_TIMEOUT;
}

enum watch_wake wake_wait(struct wake *wake, unsigned ms, int *signo)
{
	/* Without a signalfd the signals themselves are the sleep. */
	if (wake->waker.signal_fd < 0)
		return from_signal(mapgen_signals_wait(ms, signo));
	switch (store_waker_wait(&wake->waker, ms)) {
	case STORE_WAKE_SIGNAL:
		return from_signal(mapgen_signals_wait(0, signo));
	case STORE_WAKE_CHANGE:
		return WATCH_STORE;
	case STORE_WAKE_TIMEOUT:
		break;
	}
	return WATCH_TIMEOUT;
}

void wake_close(struct wake *wake)
{
	store_waker_close(&wake->waker);
}
