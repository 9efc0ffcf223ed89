#include "store_wake.h"

#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* Writes and closes of the store, and names coming and going. */
#define STORE_EVENTS (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE |       \
		      IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | \
		      IN_MOVE_SELF)

static void add_watch(struct store_waker *w)
{
	if (w->inotify_fd < 0 || w->watch_fd >= 0)
		return;
	w->watch_fd = inotify_add_watch(w->inotify_fd, w->dir, STORE_EVENTS);
}

void store_waker_init(struct store_waker *w, const char *store_path,
		      int signal_fd, const char *prog)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", store_path);
	snprintf(w->dir, sizeof(w->dir), "%s", dirname(copy));
	snprintf(copy, sizeof(copy), "%s", store_path);
	snprintf(w->base, sizeof(w->base), "%s", basename(copy));
	w->watch_fd = -1;
	w->signal_fd = signal_fd;
	w->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->inotify_fd < 0)
		fprintf(stderr, "%s: inotify: %s; checking the store every "
				"interval instead\n",
			prog, strerror(errno));
	add_watch(w);
}

/* True when an event names the store, or the directory itself went
 * (its watch is then gone, and is made again at the next wait). */
static bool read_events(struct store_waker *w)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool ours = false;
	ssize_t got;

	while ((got = read(w->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *at = buf; at < buf + got;) {
			const struct inotify_event *ev = (const void *)at;

			if (ev->mask & (IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF |
					IN_MOVE_SELF))
				ours = true;
			if (ev->mask & IN_IGNORED)
				w->watch_fd = -1;
			if (ev->len > 0 && strcmp(ev->name, w->base) == 0)
				ours = true;
			at += sizeof(*ev) + ev->len;
		}
	}
	return ours;
}

enum store_wake store_waker_wait(struct store_waker *w, unsigned ms)
{
	struct pollfd fds[2];
	int ready;

	add_watch(w);
	fds[0].fd = w->signal_fd;
	fds[0].events = POLLIN;
	fds[1].fd = w->watch_fd >= 0 ? w->inotify_fd : -1;
	fds[1].events = POLLIN;
	do
		ready = poll(fds, 2, (int)ms);
	while (ready < 0 && errno == EINTR);
	if (ready > 0 && fds[0].fd >= 0 && (fds[0].revents & POLLIN))
		return STORE_WAKE_SIGNAL;
	if (ready > 0 && fds[1].fd >= 0 && (fds[1].revents & POLLIN) &&
	    read_events(w))
		return STORE_WAKE_CHANGE;
	return STORE_WAKE_TIMEOUT;
}

void store_waker_close(struct store_waker *w)
{
	if (w->inotify_fd >= 0)
		close(w->inotify_fd);
	w->inotify_fd = w->watch_fd = -1;
}
