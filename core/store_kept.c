/* The login path's store handle, kept open across the logins of a
 * long-lived process: a Dovecot auth worker serves up to 100 logins,
 * and opening, checking and closing the store is most of what a login
 * would otherwise cost (docs/PERFORMANCE.md).  The module is linked
 * with -z nodelete, so this survives libpam's dlclose at pam_end.  The
 * handle maps the store, so that a write reads nothing with a system
 * call.
 *
 * A process's first login opens, writes and closes as before; only a
 * second one keeps the store open.  A server that serves one login per
 * process and then takes the user's identity (UW-IMAP under inetd) so
 * never carries a descriptor of the store into the user's session, and
 * loses nothing: one login costs the same either way.
 *
 * What keeping a tdb open risks, and the answer to each:
 *  - a repair renames a new store into place, or the file loses its
 *    owner or mode, or becomes a symlink, or is cut short beneath the
 *    mapping: each login checks the path with one lstat before tdb
 *    touches the file (tdb's first lock already reads its header
 *    through the mapping, and a read past a new end is SIGBUS), and
 *    again under its chain locks, as every writer does, for a repair
 *    that swapped the file meanwhile (store_still_in_place); either
 *    reopens through the full checks.  A file cut short between the
 *    two is the one case left: only root or the store's owner can do
 *    that, and tdb itself never shrinks a file;
 *  - fork: fcntl locks are not inherited, so a child's copy of the
 *    handle would lock nothing: the child closes it unused and opens
 *    its own;
 *  - tdb refuses a second open of one file in one process (EBUSY):
 *    every other open of a store in this process closes this one first
 *    (store_kept_release);
 *  - threads: one handle behind one mutex, waited for no longer than
 *    the login's lock timeout;
 *  - a write that failed for any reason but a busy lock closes the
 *    handle, so the next login checks the store afresh. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "store_private.h"

static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct relay_store *kept; /* NULL: none open */
static bool kept_inherited;	 /* this process is a fork of its opener */
static bool had_a_login;	 /* the next one keeps the store open */
static pthread_once_t fork_hooks_once = PTHREAD_ONCE_INIT;

/* No fork while a thread writes through the handle, so the child's
 * copy is whole, and the child's mutex is free. */
static void before_fork(void)
{
	pthread_mutex_lock(&kept_lock);
}

static void after_fork_in_parent(void)
{
	pthread_mutex_unlock(&kept_lock);
}

static void after_fork_in_child(void)
{
	kept_inherited = kept != NULL;
	pthread_mutex_unlock(&kept_lock);
}

static void install_fork_hooks(void)
{
	pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

static bool take_kept_lock(unsigned timeout_ms)
{
	struct timespec deadline;

	pthread_once(&fork_hooks_once, install_fork_hooks);
	if (pthread_mutex_trylock(&kept_lock) == 0)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	return pthread_mutex_clocklock(&kept_lock, CLOCK_MONOTONIC, &deadline) == 0;
}

/* With kept_lock held.  A child's copy is closed without a write: it
 * holds no lock (the parent's are the parent's), and closing unmaps
 * and closes only the child's own mapping and descriptor. */
static void drop_kept(void)
{
	relay_store_close(kept);
	kept = NULL;
	kept_inherited = false;
}

void store_kept_release(void)
{
	pthread_once(&fork_hooks_once, install_fork_hooks);
	pthread_mutex_lock(&kept_lock);
	if (kept != NULL)
		drop_kept();
	pthread_mutex_unlock(&kept_lock);
}

/* With kept_lock held: a handle for path, open or still to be opened. */
static enum relay_status kept_for(const char *path,
				  const struct relay_store_options *options,
				  struct relay_error *err)
{
	if (kept != NULL && (kept_inherited || strcmp(kept->path, path) != 0))
		drop_kept();
	if (kept == NULL)
		kept = store_new(path, options, err);
	if (kept == NULL)
		return RELAY_FAILED;
	kept->timeout_ms = options->timeout_ms;
	kept->log = options->log;
	kept->log_context = options->log_context;
	return RELAY_OK;
}

enum relay_status store_record_kept(const char *path,
				    const struct relay_store_options *options,
				    const struct login_write *w,
				    struct relay_error *err)
{
	enum relay_status status;

	if (!take_kept_lock(options->timeout_ms))
		return store_fail(err, RELAY_BUSY, path,
				  "another thread's login held it for %u ms",
				  options->timeout_ms);
	if (!had_a_login) {
		had_a_login = true;
		status = store_record_one_shot(path, options, w, err);
		pthread_mutex_unlock(&kept_lock);
		return status;
	}
	status = kept_for(path, options, err);
	if (status == RELAY_OK) {
		if (kept->tdb != NULL && !store_still_in_place(kept))
			kept->replaced = true;
		store_guard_begin(kept);
		status = store_open_and_write(kept, options, w, err);
		store_guard_end(kept);
		/* The log context lives on the caller's stack. */
		kept->log = NULL;
		kept->log_context = NULL;
		if (status != RELAY_OK && status != RELAY_BUSY)
			drop_kept();
	}
	pthread_mutex_unlock(&kept_lock);
	return status;
}
