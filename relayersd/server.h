/* The event loop: one thread, epoll, non-blocking sockets.  Each
 * connection has fixed buffers (a request and a few replies), so memory
 * is bounded by the connection cap whatever clients send.  Two deadline
 * lists, each kept in deadline order by moving a connection to its tail
 * when its timer restarts, make every timeout O(1):
 *   - idle: waiting for a request (--idle-timeout, long: sendmail keeps
 *     one connection per SMTP session and never retries a closed one);
 *   - busy: a new connection's first request not yet answered, a request
 *     begun or a reply unsent (--request-timeout, short: a stalled client
 *     is cut off and never delays the others). */
#ifndef RELAYERSD_SERVER_H
#define RELAYERSD_SERVER_H

#include "listen.h"
#include "lookup.h"
#include "store_view.h"

struct server_config {
	unsigned max_connections;
	unsigned idle_timeout_ms; /* 0: never */
	unsigned request_timeout_ms;
	struct lookup_policy policy;
};

/* Serves until SIGTERM or SIGINT; SIGHUP reopens the store and the log.
 * The caller has blocked those signals.  Returns a sysexits status. */
int server_run(const struct server_config *config, struct listener_set *set,
	       struct store_view *view);

#endif
