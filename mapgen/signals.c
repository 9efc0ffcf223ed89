#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <time.h>

#include "stop_signals.h"

static sigset_t handled;

void mapgen_signals_block(void)
{
	relay_stop_signals_set(&handled);
	relay_stop_signals_block();
}

bool mapgen_stop_pending(void)
{
	sigset_t pending;

	if (sigpending(&pending) != 0)
		return false;
	return sigismember(&pending, SIGTERM) == 1 ||
	       sigismember(&pending, SIGINT) == 1;
}

enum mapgen_wake mapgen_signals_wait(unsigned ms, int *signo)
{
	struct timespec timeout = { ms / 1000, (long)(ms % 1000) * 1000000L };
	int got;

	do
		got = sigtimedwait(&handled, NULL, &timeout);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return WAKE_TIMEOUT;
	*signo = got;
	return got == SIGHUP ? WAKE_RELOAD : WAKE_STOP;
}

int mapgen_signals_fd(void)
{
	return relay_stop_signals_fd();
}
