#include "lock_timer.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* The signal handler is the process's, the timer the thread's: the
 * host's handler is kept once for the process, while any thread has a
 * timer armed, so that a SIGALRM landing in any thread that is not ours
 * reaches it.  active_timer says which alarm this thread waits for.
 *
 * Each thread makes its POSIX timer once and keeps it, since a login
 * arms one on every write: arming then costs the handler's install, an
 * unblock of SIGALRM and timer_settime, and disarming a timer that has
 * not fired costs timer_settime and the handler's restore, five system
 * calls in all instead of ten.  The timer is deleted when its thread
 * ends; a forked child, which inherits no timers, makes its own. */
struct thread_timer {
	bool made;
	timer_t id;
};

static __thread struct relay_lock_timer *active_timer;
static __thread struct thread_timer this_thread;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned armed_threads;
static struct sigaction host_action;
static pthread_once_t thread_hooks_once = PTHREAD_ONCE_INIT;
static pthread_key_t timer_reaper;

static void delete_thread_timer(void *made)
{
	(void)made;
	if (this_thread.made)
		timer_delete(this_thread.id);
	this_thread.made = false;
}

static void forget_inherited_timer(void)
{
	/* fork copies this thread's record of a timer the child lacks. */
	this_thread.made = false;
}

static void install_thread_hooks(void)
{
	pthread_key_create(&timer_reaper, delete_thread_timer);
	pthread_atfork(NULL, NULL, forget_inherited_timer);
}

static bool make_thread_timer(void)
{
	struct sigevent event;

	if (this_thread.made)
		return true;
	pthread_once(&thread_hooks_once, install_thread_hooks);
	memset(&event, 0, sizeof(event));
	event.sigev_notify = SIGEV_THREAD_ID;
	event.sigev_signo = SIGALRM;
	event.sigev_value.sival_ptr = &this_thread;
	event._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &event, &this_thread.id) != 0)
		return false;
	this_thread.made = true;
	/* Any non-NULL value makes the key's destructor run at thread exit. */
	pthread_setspecific(timer_reaper, &this_thread);
	return true;
}

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

static bool from_own_timer(const siginfo_t *info)
{
	return info != NULL && info->si_code == SI_TIMER &&
	       info->si_value.sival_ptr == &this_thread;
}

static void on_alarm(int sig, siginfo_t *info, void *context)
{
	struct relay_lock_timer *lt = active_timer;
	int saved_errno = errno;

	/* Our timers signal the thread that armed them (SIGEV_THREAD_ID),
	 * so an alarm is ours only if it names this thread's timer. */
	if (from_own_timer(info)) {
		if (lt != NULL)
			lt->expired = 1;
	} else {
		forward_to_saved(&host_action, sig, info, context);
	}
	errno = saved_errno;
}

static void install_handler(struct relay_lock_timer *lt)
{
	struct sigaction action;

	memset(&action, 0, sizeof(action));
	action.sa_sigaction = on_alarm;
	action.sa_flags = SA_SIGINFO; /* no SA_RESTART: the lock must fail */
	sigemptyset(&action.sa_mask);
	pthread_mutex_lock(&install_lock);
	if (armed_threads++ == 0)
		sigaction(SIGALRM, &action, &host_action);
	lt->saved_action = host_action;
	pthread_mutex_unlock(&install_lock);
}

bool relay_lock_timer_arm(struct relay_lock_timer *lt, unsigned ms)
{
	struct itimerspec when;
	sigset_t alarm_only;

	memset(lt, 0, sizeof(*lt));
	if (!make_thread_timer())
		return false;
	active_timer = lt;
	install_handler(lt);
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
	clock_gettime(CLOCK_MONOTONIC, &lt->fires_at);
	lt->fires_at.tv_sec += when.it_value.tv_sec;
	lt->fires_at.tv_nsec += when.it_value.tv_nsec;
	if (lt->fires_at.tv_nsec >= 1000000000L) {
		lt->fires_at.tv_sec++;
		lt->fires_at.tv_nsec -= 1000000000L;
	}
	timer_settime(this_thread.id, 0, &when, NULL);
	lt->armed = true;
	return true;
}

/* Whether the timer may have fired: it was seen to, or its time came.
 * The clock is checked too because a signal's delivery can lag (under
 * valgrind it does). */
static bool may_have_fired(const struct relay_lock_timer *lt)
{
	struct timespec now;

	if (lt->expired)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > lt->fires_at.tv_sec ||
	       (now.tv_sec == lt->fires_at.tv_sec &&
		now.tv_nsec >= lt->fires_at.tv_nsec);
}

/* With SIGALRM blocked: takes away alarms of this timer that are still
 * pending, so that none reaches the host's handler or a stale lt.  A
 * foreign alarm is raised again for the host. */
static void drop_own_pending(const sigset_t *alarm_only)
{
	struct timespec no_wait = { 0, 0 };
	bool foreign = false;
	siginfo_t info;

	while (sigtimedwait(alarm_only, &info, &no_wait) == SIGALRM)
		if (!from_own_timer(&info))
			foreign = true;
	if (foreign)
		raise(SIGALRM); /* stays pending until the mask is restored */
}

void relay_lock_timer_disarm(struct relay_lock_timer *lt)
{
	struct itimerspec stop;
	sigset_t alarm_only;
	bool fired;

	if (!lt->armed)
		return;
	memset(&stop, 0, sizeof(stop));
	timer_settime(this_thread.id, 0, &stop, NULL);
	sigemptyset(&alarm_only);
	sigaddset(&alarm_only, SIGALRM);
	fired = may_have_fired(lt);
	/* Block first so that no late alarm lands between the two calls. */
	if (fired) {
		pthread_sigmask(SIG_BLOCK, &alarm_only, NULL);
		drop_own_pending(&alarm_only);
	}
	pthread_mutex_lock(&install_lock);
	if (--armed_threads == 0)
		sigaction(SIGALRM, &host_action, NULL);
	pthread_mutex_unlock(&install_lock);
	active_timer = NULL;
	/* Unblocking changed nothing if SIGALRM was not blocked before. */
	if (fired || sigismember(&lt->saved_mask, SIGALRM))
		pthread_sigmask(SIG_SETMASK, &lt->saved_mask, NULL);
	lt->armed = false;
}
