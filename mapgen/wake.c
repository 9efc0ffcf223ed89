#include "wake.h"

#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "signals.h"

/* Writes and closes of the store, and names coming and going. */
#define STORE_EVENTS (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | \
		      IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | \
		      IN_MOVE_SELF)

static void add_watch(struct wake *wake)
{
	if (wake->inotify_fd < 0 || wake->watch_fd >= 0)
		return;
	wake->watch_fd = inotify_add_watch(wake->inotify_fd, wake->dir,
					   STORE_EVENTS);
}

void wake_init(struct wake *wake, const char *store_path)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", store_path);
	snprintf(wake->dir, sizeof(wake->dir), "%s", dirname(copy));
	snprintf(copy, sizeof(copy), "%s", store_path);
	snprintf(wake->base, sizeof(wake->base), "%s", basename(copy));
	wake->watch_fd = -1;
	wake->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (wake->inotify_fd < 0)
		fprintf(stderr, "mapgen: inotify: %s; checking the store every "
				"interval instead\n", strerror(errno));
	add_watch(wake);
	wake->signal_fd = mapgen_signals_fd();
}

/* True when an event names the store, or the directory itself went
 * (its watch is then gone, and is made again at the next wait). */
static bool read_events(struct wake *wake)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool ours = false;
	ssize_t got;

	while ((got = read(wake->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *at = buf; at < buf + got;) {
			const struct inotify_event *ev = (const void *)at;

			if (ev->mask & (IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF |
					IN_MOVE_SELF))
				ours = true;
			if (ev->mask & IN_IGNORED)
				wake->watch_fd = -1;
			if (ev->len > 0 && strcmp(ev->name, wake->base) == 0)
				ours = true;
			at += sizeof(*ev) + ev->len;
		}
	}
	return ours;
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
	struct pollfd fds[2] = {
		{ .fd = wake->signal_fd, .events = POLLIN },
		{ .fd = wake->watch_fd >= 0 ? wake->inotify_fd : -1,
		  .events = POLLIN },
	};
	int ready;

	add_watch(wake);
	fds[1].fd = wake->watch_fd >= 0 ? wake->inotify_fd : -1;
	if (wake->signal_fd < 0)
		return from_signal(mapgen_signals_wait(ms, signo));
	do
		ready = poll(fds, 2, (int)ms);
	while (ready < 0 && errno == EINTR);
	if (ready > 0 && (fds[0].revents & POLLIN)) {
		enum watch_wake got = from_signal(mapgen_signals_wait(0, signo));

		if (got != WATCH_TIMEOUT)
			return got;
	}
	if (ready > 0 && (fds[1].revents & POLLIN) && read_events(wake))
		return WATCH_STORE;
	return WATCH_TIMEOUT;
}

void wake_close(struct wake *wake)
{
	if (wake->inotify_fd >= 0)
		close(wake->inotify_fd);
	wake->inotify_fd = wake->watch_fd = -1;
}
