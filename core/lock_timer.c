#include "lock_timer.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* The signal handler is the process's, the timer the thread's: the
 * host's handler is kept once for the process, while any thread has a
 * timer armed, so that a SIGALRM landing in any thread that is not ours
 * reaches it.  active_timer says which alarm this thread waits for. */
static __thread struct relay_lock_timer *active_timer;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned armed_threads;
static struct sigaction host_action;

static void forward_to_saved(const struct sigaction *saved, int sig,
			     siginfo_t *info, void *context)
{
	if (saved->sa_flags & SA_SIGINFO) {
		if (saved->sa_sigaction != NULL)
			saved->sa_sigaction(sig, info, context);
	} else if (saved->sa_handler != SIG_IGN && saved->sa_handler != SIG_DFL) {
		saved->sa_handler(sig);
	}
	/* SIG_DFL would end the process; an alarm that the host armed while
	 * it had no handler is swallowed rather than fatal here. */
}

static void on_alarm(int sig, siginfo_t *info, void *context)
{
	struct relay_lock_timer *lt = active_timer;
	int saved_errno = errno;

	/* Our timers signal the thread that armed them (SIGEV_THREAD_ID),
	 * so an alarm is ours only if it names this thread's timer. */
	if (lt != NULL && info != NULL && info->si_code == SI_TIMER &&
	    info->si_value.sival_ptr == lt)
		lt->expired = 1;
	else
		forward_to_saved(&host_action, sig, info, context);
	errno = saved_errno;
}

bool relay_lock_timer_arm(struct relay_lock_timer *lt, unsigned ms)
{
	struct sigaction action;
	struct sigevent event;
	struct itimerspec when;
	sigset_t alarm_only;

	memset(lt, 0, sizeof(*lt));
	memset(&event, 0, sizeof(event));
	event.sigev_notify = SIGEV_THREAD_ID;
	event.sigev_signo = SIGALRM;
	event.sigev_value.sival_ptr = lt;
	event._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &event, &lt->timer) != 0)
		return false;

	memset(&action, 0, sizeof(action));
	action.sa_sigaction = on_alarm;
	action.sa_flags = SA_SIGINFO; /* no SA_RESTART: the lock must fail */
	sigemptyset(&action.sa_mask);
	active_timer = lt;
	pthread_mutex_lock(&install_lock);
	if (armed_threads++ == 0)
		sigaction(SIGALRM, &action, &host_action);
	lt->saved_action = host_action;
	pthread_mutex_unlock(&install_lock);
	sigemptyset(&alarm_only);
	sigaddset(&alarm_only, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alarm_only, &lt->saved_mask);

	memset(&when, 0, sizeof(when));
	when.it_value.tv_sec = ms / 1000;
	when.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (when.it_value.tv_sec == 0 && when.it_value.tv_nsec == 0)
		when.it_value.tv_nsec = 1;
	/* Repeats: an alarm that lands just before tdb's fcntl starts to
	 * wait is lost, and the next one must still break the wait. */
	when.it_interval.tv_nsec = 5000000L;
	timer_settime(lt->timer, 0, &when, NULL);
	lt->armed = true;
	return true;
}

/* With SIGALRM blocked: takes away alarms of this timer that are still
 * pending (a signal can outlive timer_delete, and under valgrind its
 * delivery is late), so that none reaches the host's handler or a
 * stale lt.  A foreign alarm is raised again for the host. */
static void drop_own_pending(const struct relay_lock_timer *lt,
			     const sigset_t *alarm_only)
{
	struct timespec no_wait = { 0, 0 };
	bool foreign = false;
	siginfo_t info;

	while (sigtimedwait(alarm_only, &info, &no_wait) == SIGALRM)
		if (info.si_code != SI_TIMER || info.si_value.sival_ptr != lt)
			foreign = true;
	if (foreign)
		raise(SIGALRM); /* stays pending until the mask is restored */
}

void relay_lock_timer_disarm(struct relay_lock_timer *lt)
{
	if (!lt->armed)
		return;
	timer_delete(lt->timer);
	/* Block first so that no late alarm lands between the two calls. */
	sigset_t alarm_only;
	sigemptyset(&alarm_only);
	sigaddset(&alarm_only, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alarm_only, NULL);
	drop_own_pending(lt, &alarm_only);
	pthread_mutex_lock(&install_lock);
	if (--armed_threads == 0)
		sigaction(SIGALRM, &host_action, NULL);
	pthread_mutex_unlock(&install_lock);
	active_timer = NULL;
	pthread_sigmask(SIG_SETMASK, &lt->saved_mask, NULL);
	lt->armed = false;
}
