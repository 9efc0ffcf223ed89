/* core/lock_timer: the alarm that bounds tdb's lock waits lives inside a
 * host program (a POP/IMAP server) that may use SIGALRM itself.  The
 * host's handler, mask and timers must come back exactly as they were,
 * and the host's own alarms must still reach it. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock_timer.h"

static volatile sig_atomic_t host_calls;
static volatile sig_atomic_t host_last_code;

static void host_handler(int sig)
{
	(void)sig;
	host_calls++;
}

static void host_info_handler(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)context;
	host_calls++;
	host_last_code = info != NULL ? info->si_code : 0;
}

static void install_host(void (*handler)(int), int flags)
{
	struct sigaction action;

	memset(&action, 0, sizeof(action));
	action.sa_handler = handler;
	action.sa_flags = flags;
	sigemptyset(&action.sa_mask);
	sigaddset(&action.sa_mask, SIGUSR2);
	assert_int_equal(sigaction(SIGALRM, &action, NULL), 0);
	host_calls = 0;
}

static struct sigaction current_action(void)
{
	struct sigaction action;

	assert_int_equal(sigaction(SIGALRM, NULL, &action), 0);
	return action;
}

static bool blocked_now(int sig)
{
	sigset_t mask;

	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	return sigismember(&mask, sig) == 1;
}

static void set_blocked(int sig, bool block)
{
	sigset_t one;

	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &one, NULL);
}

/* Each test starts and ends with the default action and nothing blocked. */
static int reset_signals(void **state)
{
	(void)state;
	signal(SIGALRM, SIG_DFL);
	set_blocked(SIGALRM, false);
	set_blocked(SIGUSR1, false);
	host_calls = 0;
	host_last_code = 0;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec pause = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
		;
}

/* Waits for lt->expired, at most limit_ms; returns the time it took. */
static long wait_expired(struct relay_lock_timer *lt, long limit_ms)
{
	long start = unit_now_ms();

	while (!lt->expired && unit_now_ms() - start < limit_ms)
		sleep_ms(1);
	return unit_now_ms() - start;
}

static void test_restores_handler_and_mask(void **state)
{
	struct relay_lock_timer lt;
	struct sigaction during, after;

	(void)state;
	install_host(host_handler, SA_RESTART);
	set_blocked(SIGALRM, true); /* the host blocks SIGALRM ... */
	set_blocked(SIGUSR1, true); /* ... and something else */

	assert_true(relay_lock_timer_arm(&lt, 10000));
	during = current_action();
	assert_ptr_not_equal(during.sa_handler, host_handler);
	assert_false(blocked_now(SIGALRM)); /* ours must get through */
	assert_true(blocked_now(SIGUSR1));  /* the rest is the host's */
	relay_lock_timer_disarm(&lt);

	after = current_action();
	assert_ptr_equal(after.sa_handler, host_handler);
	assert_true(after.sa_flags & SA_RESTART);
	assert_false(after.sa_flags & SA_SIGINFO);
	assert_true(sigismember(&after.sa_mask, SIGUSR2));
	assert_true(blocked_now(SIGALRM));
	assert_true(blocked_now(SIGUSR1));
	assert_int_equal(host_calls, 0);
}

static void test_restores_unblocked_mask(void **state)
{
	struct relay_lock_timer lt;

	(void)state;
	assert_true(relay_lock_timer_arm(&lt, 10000));
	relay_lock_timer_disarm(&lt);
	assert_false(blocked_now(SIGALRM));
	assert_ptr_equal(current_action().sa_handler, SIG_DFL);

	signal(SIGALRM, SIG_IGN);
	assert_true(relay_lock_timer_arm(&lt, 10000));
	relay_lock_timer_disarm(&lt);
	assert_ptr_equal(current_action().sa_handler, SIG_IGN);
}

static void test_disarm_without_arm(void **state)
{
	struct relay_lock_timer lt;

	(void)state;
	memset(&lt, 0, sizeof(lt));
	install_host(host_handler, 0);
	set_blocked(SIGALRM, true);
	relay_lock_timer_disarm(&lt);
	relay_lock_timer_disarm(&lt);
	assert_ptr_equal(current_action().sa_handler, host_handler);
	assert_true(blocked_now(SIGALRM));

	/* A second disarm after a real one changes nothing either. */
	assert_true(relay_lock_timer_arm(&lt, 10000));
	relay_lock_timer_disarm(&lt);
	install_host(host_handler, SA_RESTART);
	relay_lock_timer_disarm(&lt);
	assert_true(current_action().sa_flags & SA_RESTART);
}

static void test_foreign_alarm_forwarded(void **state)
{
	struct relay_lock_timer lt;

	(void)state;
	install_host(host_handler, 0);
	assert_true(relay_lock_timer_arm(&lt, 10000));
	raise(SIGALRM);
	assert_int_equal(host_calls, 1);
	assert_int_equal(lt.expired, 0); /* not ours: no early give-up */
	relay_lock_timer_disarm(&lt);
	assert_int_equal(host_calls, 1);
}

static void test_foreign_alarm_forwarded_with_info(void **state)
{
	struct relay_lock_timer lt;
	struct sigaction action;

	(void)state;
	memset(&action, 0, sizeof(action));
	action.sa_sigaction = host_info_handler;
	action.sa_flags = SA_SIGINFO;
	sigemptyset(&action.sa_mask);
	sigaction(SIGALRM, &action, NULL);

	assert_true(relay_lock_timer_arm(&lt, 10000));
	raise(SIGALRM);
	relay_lock_timer_disarm(&lt);
	assert_int_equal(host_calls, 1);
	assert_int_equal(host_last_code, SI_TKILL);
	assert_int_equal(lt.expired, 0);
}

/* A threaded host: one thread waits with the timer armed while another
 * thread's own SIGALRM (raise() signals the calling thread only) must
 * still reach the host's handler, and the waiting thread's timer must
 * not take it for its own. */
struct armed_thread {
	struct relay_lock_timer lt;
	int ready[2];
	int done[2];
	bool armed;
};

static void *wait_armed(void *arg)
{
	struct armed_thread *t = arg;
	char byte = 0;

	t->armed = relay_lock_timer_arm(&t->lt, 10000);
	if (write(t->ready[1], &byte, 1) != 1)
		t->armed = false;
	while (read(t->done[0], &byte, 1) < 0 && errno == EINTR)
		;
	relay_lock_timer_disarm(&t->lt);
	return NULL;
}

static void test_foreign_alarm_in_another_thread(void **state)
{
	struct armed_thread t;
	pthread_t thread;
	char byte = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	install_host(host_handler, 0);
	assert_int_equal(pipe(t.ready), 0);
	assert_int_equal(pipe(t.done), 0);
	assert_int_equal(pthread_create(&thread, NULL, wait_armed, &t), 0);
	assert_int_equal(read(t.ready[0], &byte, 1), 1);
	assert_true(t.armed);

	raise(SIGALRM);
	assert_int_equal(host_calls, 1);
	assert_int_equal(t.lt.expired, 0);

	assert_int_equal(write(t.done[1], &byte, 1), 1);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_ptr_equal(current_action().sa_handler, host_handler);
	assert_int_equal(host_calls, 1);
	close(t.ready[0]);
	close(t.ready[1]);
	close(t.done[0]);
	close(t.done[1]);
}

/* With no host handler, a stray alarm is swallowed rather than ending
 * the process (the default action) in the middle of a login. */
static void test_foreign_alarm_without_handler(void **state)
{
	struct relay_lock_timer lt;

	(void)state;
	assert_true(relay_lock_timer_arm(&lt, 10000));
	raise(SIGALRM);
	assert_int_equal(lt.expired, 0);
	relay_lock_timer_disarm(&lt);
}

static void test_expires_after_the_time(void **state)
{
	struct relay_lock_timer lt;
	long took;

	(void)state;
	install_host(host_handler, 0);
	assert_true(relay_lock_timer_arm(&lt, 50));
	assert_int_equal(lt.expired, 0);
	took = wait_expired(&lt, 2000 * unit_time_scale());
	assert_int_equal(lt.expired, 1);
	assert_in_range(took, 45, 1000 * unit_time_scale());
	/* The repeats keep coming while armed; none reach the host. */
	sleep_ms(30);
	relay_lock_timer_disarm(&lt);
	sleep_ms(30);
	assert_int_equal(host_calls, 0);
	assert_ptr_equal(current_action().sa_handler, host_handler);
}

static void test_zero_ms_expires_at_once(void **state)
{
	struct relay_lock_timer lt;

	(void)state;
	assert_true(relay_lock_timer_arm(&lt, 0));
	assert_in_range(wait_expired(&lt, 1000 * unit_time_scale()), 0,
			1000 * unit_time_scale());
	assert_int_equal(lt.expired, 1);
	relay_lock_timer_disarm(&lt);
}

/* The host's own alarm() or setitimer keeps running untouched. */
static void test_host_itimer_untouched(void **state)
{
	struct itimerval host = { .it_value = { 30, 0 } }, left;
	struct relay_lock_timer lt;

	(void)state;
	install_host(host_handler, 0);
	setitimer(ITIMER_REAL, &host, NULL);
	assert_true(relay_lock_timer_arm(&lt, 20));
	wait_expired(&lt, 2000 * unit_time_scale());
	relay_lock_timer_disarm(&lt);
	getitimer(ITIMER_REAL, &left);
	memset(&host, 0, sizeof(host));
	setitimer(ITIMER_REAL, &host, NULL);
	assert_int_equal(lt.expired, 1);
	assert_in_range(left.it_value.tv_sec, 25, 30);
	assert_int_equal(host_calls, 0);
}

/* Timers are a per-process resource: every arm must give its back. */
static void test_many_arms_do_not_leak_timers(void **state)
{
	struct relay_lock_timer lt;

	(void)state;
	for (int i = 0; i < 5000; i++) {
		if (!relay_lock_timer_arm(&lt, 10000))
			fail_msg("arm %d failed", i);
		relay_lock_timer_disarm(&lt);
	}
}

/* What the timer is for: a blocked fcntl lock gives up with EINTR. */
static void test_breaks_a_blocked_lock(void **state)
{
	char path[] = "/tmp/relayers-lock-timer.XXXXXX";
	int fd = mkstemp(path), ready[2];
	struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1 };
	struct relay_lock_timer lt;
	pid_t holder;
	char byte;
	long start, took;
	int got, saved;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(pipe(ready), 0);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		int own = open(path, O_RDWR);

		if (own < 0 || fcntl(own, F_SETLK, &lock) != 0)
			_exit(1);
		(void)!write(ready[1], "L", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);

	assert_true(relay_lock_timer_arm(&lt, 100));
	start = unit_now_ms();
	got = fcntl(fd, F_SETLKW, &lock);
	saved = errno;
	took = unit_now_ms() - start;
	relay_lock_timer_disarm(&lt);

	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	close(ready[0]);
	close(fd);
	unlink(path);
	assert_int_equal(got, -1);
	assert_int_equal(saved, EINTR);
	assert_int_equal(lt.expired, 1);
	assert_in_range(took, 90, 1000 * unit_time_scale());
}

#define TIMER_TEST(fn) cmocka_unit_test_setup_teardown(fn, reset_signals, \
						       reset_signals)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TIMER_TEST(test_restores_handler_and_mask),
		TIMER_TEST(test_restores_unblocked_mask),
		TIMER_TEST(test_disarm_without_arm),
		TIMER_TEST(test_foreign_alarm_forwarded),
		TIMER_TEST(test_foreign_alarm_forwarded_with_info),
		TIMER_TEST(test_foreign_alarm_in_another_thread),
		TIMER_TEST(test_foreign_alarm_without_handler),
		TIMER_TEST(test_expires_after_the_time),
		TIMER_TEST(test_zero_ms_expires_at_once),
		TIMER_TEST(test_host_itimer_untouched),
		TIMER_TEST(test_many_arms_do_not_leak_timers),
		TIMER_TEST(test_breaks_a_blocked_lock),
	};

	return UNIT_RUN("lock_timer", tests, NULL, NULL);
}
