/* Lookups answered from Redis instead of a local store (--redis, or
 * --redis-sentinel with --redis-master): the per-address hash the
 * shippers write (core/redis_link.h), its newest stamp the answer.
 *
 * The connection is synchronous, with every connect and command bounded
 * by the timeout (REDIS_VIEW_TIMEOUT_MS): a lookup on an open connection
 * holds the event loop one timeout at most, and one that connects one
 * per Sentinel asked plus three (connect, AUTH, ROLE).  After any failure
 * the lookups of the next REDIS_VIEW_RETRY_MS, counted from the end of
 * the failure, answer TEMP at once without trying, so a dead or hung
 * Redis costs the loop that stall once per REDIS_VIEW_RETRY_MS, never
 * once per lookup (tests/redis measures both). */
#ifndef RELAYERSD_REDIS_VIEW_H
#define RELAYERSD_REDIS_VIEW_H

#include <stdint.h>

#include "addr.h"
#include "log.h"
#include "redis_link.h"
#include "store.h"

#define REDIS_VIEW_TIMEOUT_MS 1000
#define REDIS_VIEW_RETRY_MS 1000

struct redis_view {
	struct redis_target target;
	struct redis_credentials cred;
	struct redis_credentials sentinel_cred;
	const char *prefix;
	redisContext *c;
	uint64_t retry_ms; /* no attempt before then */
	struct rd_fault log;
};

/* Drops the connection; the next lookup connects again (SIGHUP). */
void redis_view_reset(struct redis_view *view);

/* RELAY_OK with the newest stamp, RELAY_NOT_FOUND, or RELAY_FAILED with
 * *reason for the TEMP reply. */
enum relay_status redis_view_get(struct redis_view *view,
				 const struct relay_addr *addr, uint64_t now_ms,
				 int64_t *stamp, const char **reason);

#endif
