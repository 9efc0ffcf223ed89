#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "connection.h"
#include "log.h"
#include "stop_signals.h"

/* What an epoll event's pointer points at: each starts with its kind. */
enum { EVENT_LISTENER = 1,
       EVENT_CONNECTION,
       EVENT_SIGNAL };

struct listen_slot {
	int kind;
	int fd;
};

#define EVENTS_PER_WAIT 256
#define ACCEPTS_PER_WAKE 64
#define LONGEST_SLEEP_MS 60000
#define REFUSAL_LOG_MS 60000

struct server {
	const struct server_config *config;
	struct store_view *view;
	int epfd, sigfd, spare_fd;
	int signal_kind;
	struct deadline_queue idle, busy;
	unsigned connections;
	uint64_t refused, refusal_logged_ms;
	uint64_t malformed, malformed_logged_ms;
	bool stop;
	struct listen_slot slots[LISTENERS_MAX];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- connections ------------------------------------------------------ */

static struct deadline_queue *queue_of(struct server *s, enum deadline_list list)
{
	return list == LIST_IDLE ? &s->idle : &s->busy;
}

static void set_timer(struct server *s, struct connection *c,
		      enum deadline_list list, uint64_t now)
{
	if (c->list != LIST_NONE)
		deadline_remove(queue_of(s, c->list), c);
	c->list = list;
	c->deadline_ms = now + (list == LIST_IDLE ? s->config->idle_timeout_ms
						  : s->config->request_timeout_ms);
	deadline_append(queue_of(s, list), c);
}

static void conn_close(struct server *s, struct connection *c)
{
	if (c->list != LIST_NONE)
		deadline_remove(queue_of(s, c->list), c);
	close(c->fd); /* leaves the epoll set with it */
	free(c);
	s->connections--;
}

static bool has_output(const struct connection *c)
{
	return c->out_sent < c->out_len;
}

static size_t out_room(struct connection *c)
{
	if (c->out_sent > 0) {
		memmove(c->out, c->out + c->out_sent, c->out_len - c->out_sent);
		c->out_len -= c->out_sent;
		c->out_sent = 0;
	}
	return sizeof(c->out) - c->out_len;
}

/* Reads while replies have room; writes while there are any. */
static bool update_events(struct server *s, struct connection *c)
{
	uint32_t want = 0;

	if (!c->closing && sizeof(c->out) - c->out_len >= SOCKETMAP_REPLY_MAX)
		want |= EPOLLIN;
	if (has_output(c))
		want |= EPOLLOUT;
	if (want == c->events)
		return true;
	struct epoll_event ev = { .events = want, .data.ptr = c };

	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
		rd_log(LOG_ERR, "epoll_ctl: %m");
		return false;
	}
	c->events = want;
	return true;
}

static void note_malformed(struct server *s, const char *problem, uint64_t now)
{
	s->malformed++;
	if (s->malformed_logged_ms != 0 && now - s->malformed_logged_ms < 1000)
		return;
	rd_log(LOG_WARNING, "malformed request (%s): answered PERM and closed; "
			    "%llu so far",
	       problem, (unsigned long long)s->malformed);
	s->malformed_logged_ms = now;
}

/* Answers every whole request buffered, while replies have room.
 * Returns whether at least one was answered. */
static bool answer_requests(struct server *s, struct connection *c, uint64_t now)
{
	bool answered = false;

	while (!c->closing && out_room(c) >= SOCKETMAP_REPLY_MAX) {
		struct socketmap_request req;
		const char *problem = NULL;
		size_t used = 0;
		char *out = c->out + c->out_len;
		size_t room = sizeof(c->out) - c->out_len;
		enum socketmap_parse state =
			socketmap_parse(c->in, c->in_len, &req, &used, &problem);

		if (state == SOCKETMAP_INCOMPLETE)
			break;
		if (state == SOCKETMAP_MALFORMED) {
			char text[96];

			snprintf(text, sizeof(text), "malformed request: %s", problem);
			c->out_len += socketmap_reply(out, room, "PERM", text,
						      strlen(text));
			c->closing = true;
			c->in_len = 0;
			note_malformed(s, problem, now);
			break;
		}
		c->out_len += lookup_answer(s->view, &s->config->policy, &req,
					    now, out, room);
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		answered = true;
	}
	return answered;
}

/* Sends what is queued.  False when the client is gone (closed here). */
static bool flush_output(struct server *s, struct connection *c)
{
	while (has_output(c)) {
		ssize_t n = send(c->fd, c->out + c->out_sent,
				 c->out_len - c->out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out_sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		conn_close(s, c); /* vanished mid-reply */
		return false;
	}
	c->out_len = c->out_sent = 0;
	if (c->closing) {
		conn_close(s, c);
		return false;
	}
	return true;
}

/* One read: level-triggered epoll comes back for the rest, so one
 * chatty client cannot hold the loop. */
static void read_input(struct server *s, struct connection *c, uint64_t now,
		       bool *answered)
{
	size_t room = sizeof(c->in) - c->in_len;
	ssize_t n;

	if (c->closing || room == 0)
		return;
	do
		n = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n > 0)
		c->in_len += (size_t)n;
	if (answer_requests(s, c, now))
		*answered = true;
	if (n <= 0) {
		/* The client is done (or gone): what it sent whole is
		 * answered above, the rest dropped, and the replies sent. */
		c->closing = true;
		c->in_len = 0;
	}
}

static void conn_event(struct server *s, struct connection *c, uint32_t events,
		       uint64_t now)
{
	bool answered = false;
	enum deadline_list was = c->list, now_list;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		read_input(s, c, now, &answered);
	/* Replies freed room: requests still buffered may go on. */
	if (has_output(c) && !flush_output(s, c))
		return;
	if (!c->closing && c->in_len > 0 && answer_requests(s, c, now)) {
		answered = true;
		if (!flush_output(s, c))
			return;
	}
	if (c->closing && !has_output(c)) {
		conn_close(s, c);
		return;
	}
	now_list = (c->in_len > 0 || has_output(c) || c->closing) ? LIST_BUSY
								  : LIST_IDLE;
	/* A timer restarts on progress or on a change of state, not on
	 * each byte: a request dripped slowly still has to end in time. */
	if (answered || now_list != was)
		set_timer(s, c, now_list, now);
	if (!update_events(s, c))
		conn_close(s, c);
}

/* --- accepting ---------------------------------------------------------- */

static void note_refused(struct server *s, uint64_t now)
{
	s->refused++;
	if (s->refusal_logged_ms != 0 && now - s->refusal_logged_ms < REFUSAL_LOG_MS)
		return;
	rd_log(LOG_WARNING, "connection cap of %u reached: new connections are "
			    "closed at once (%llu so far; see --max-connections)",
	       s->config->max_connections, (unsigned long long)s->refused);
	s->refusal_logged_ms = now;
}

/* Out of descriptors: the pending connection would keep the listener
 * readable forever.  A spare descriptor, given up for a moment, lets
 * it be accepted and closed. */
static void shed_one(struct server *s, int listen_fd, uint64_t now)
{
	if (s->spare_fd >= 0) {
		close(s->spare_fd);
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			close(fd);
		s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	note_refused(s, now);
}

static void add_connection(struct server *s, int fd, uint64_t now)
{
	struct connection *c;
	struct epoll_event ev;

	if (s->connections >= s->config->max_connections) {
		close(fd);
		note_refused(s, now);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		note_refused(s, now);
		return;
	}
	c->kind = EVENT_CONNECTION;
	c->fd = fd;
	c->events = EPOLLIN;
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		rd_log(LOG_ERR, "epoll_ctl: %m");
		close(fd);
		free(c);
		return;
	}
	s->connections++;
	/* Both MTAs connect to send a request at once.  Until the first one
	 * is answered the short timeout applies, so that connections which
	 * never ask cannot hold the slots for the idle timeout's hour. */
	set_timer(s, c, LIST_BUSY, now);
}

static void accept_connections(struct server *s, int listen_fd, uint64_t now)
{
	for (int i = 0; i < ACCEPTS_PER_WAKE; i++) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			add_connection(s, fd, now);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			shed_one(s, listen_fd, now);
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			rd_log(LOG_ERR, "accept: %m");
		return;
	}
}

/* --- timers and signals ------------------------------------------------- */

static void expire(struct server *s, uint64_t now)
{
	while (s->busy.head != NULL && s->busy.head->deadline_ms <= now) {
		rd_log(LOG_DEBUG, "client stalled mid-request for %u ms: closed",
		       s->config->request_timeout_ms);
		conn_close(s, s->busy.head);
	}
	while (s->config->idle_timeout_ms != 0 && s->idle.head != NULL &&
	       s->idle.head->deadline_ms <= now)
		conn_close(s, s->idle.head);
}

static int next_timeout(const struct server *s, uint64_t now)
{
	uint64_t due = UINT64_MAX;

	if (s->busy.head != NULL)
		due = s->busy.head->deadline_ms;
	if (s->config->idle_timeout_ms != 0 && s->idle.head != NULL &&
	    s->idle.head->deadline_ms < due)
		due = s->idle.head->deadline_ms;
	if (due == UINT64_MAX)
		return -1;
	if (due <= now)
		return 0;
	return due - now > LONGEST_SLEEP_MS ? LONGEST_SLEEP_MS : (int)(due - now);
}

static void take_signal(struct server *s, uint64_t now)
{
	struct signalfd_siginfo info;

	while (read(s->sigfd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
		if (info.ssi_signo == SIGHUP) {
			rd_log_reopen();
			rd_log(LOG_NOTICE, "SIGHUP: reopening the store and the log");
			store_view_reopen(s->view, now);
		} else {
			s->stop = true;
		}
	}
}

/* --- the loop ------------------------------------------------------------ */

static bool setup(struct server *s, struct listener_set *set)
{
	struct epoll_event ev = { .events = EPOLLIN };

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->sigfd = relay_stop_signals_fd();
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (s->epfd < 0 || s->sigfd < 0) {
		rd_log(LOG_ERR, "epoll or signalfd: %m");
		return false;
	}
	s->signal_kind = EVENT_SIGNAL;
	ev.data.ptr = &s->signal_kind;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev) != 0)
		return false;
	for (int i = 0; i < set->count; i++) {
		s->slots[i].kind = EVENT_LISTENER;
		s->slots[i].fd = set->items[i].fd;
		ev.data.ptr = &s->slots[i];
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, set->items[i].fd, &ev) != 0) {
			rd_log(LOG_ERR, "epoll_ctl: %m");
			return false;
		}
	}
	return true;
}

static void teardown(struct server *s)
{
	while (s->idle.head != NULL)
		conn_close(s, s->idle.head);
	while (s->busy.head != NULL)
		conn_close(s, s->busy.head);
	if (s->spare_fd >= 0)
		close(s->spare_fd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->epfd >= 0)
		close(s->epfd);
}

int server_run(const struct server_config *config, struct listener_set *set,
	       struct store_view *view)
{
	struct epoll_event events[EVENTS_PER_WAIT];
	struct server s;
	int status = EX_OK;

	memset(&s, 0, sizeof(s));
	s.config = config;
	s.view = view;
	s.epfd = s.sigfd = s.spare_fd = -1;
	if (!setup(&s, set)) {
		teardown(&s);
		return EX_OSERR;
	}
	while (!s.stop) {
		int n = epoll_wait(s.epfd, events, EVENTS_PER_WAIT,
				   next_timeout(&s, now_ms()));
		uint64_t now = now_ms();

		if (n < 0 && errno != EINTR) {
			rd_log(LOG_ERR, "epoll_wait: %m");
			status = EX_OSERR;
			break;
		}
		for (int i = 0; i < n; i++) {
			int kind = *(int *)events[i].data.ptr;

			if (kind == EVENT_CONNECTION)
				conn_event(&s, events[i].data.ptr, events[i].events, now);
			else if (kind == EVENT_LISTENER)
				accept_connections(&s, ((struct listen_slot *)events[i].data.ptr)->fd, now);
			else
				take_signal(&s, now);
		}
		expire(&s, now_ms());
	}
	rd_log(LOG_INFO, "stopping: %u connections open", s.connections);
	teardown(&s);
	return status;
}
