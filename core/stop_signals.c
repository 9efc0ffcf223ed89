#include "stop_signals.h"

#include <stddef.h>
#include <sys/signalfd.h>

void relay_stop_signals_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

void relay_stop_signals_block(void)
{
	sigset_t set;

	relay_stop_signals_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int relay_stop_signals_fd(void)
{
	sigset_t set;

	relay_stop_signals_set(&set);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}
