#include "redis_view.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stamp.h"

void redis_view_reset(struct redis_view *view)
{
	redisFree(view->c);
	view->c = NULL;
	view->retry_ms = 0;
}

/* The server's clock (server.c), read again: the failure itself may
 * have taken a timeout, and the pause counts from its end. */
static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static enum relay_status failed(struct redis_view *view, const char *text,
				const char **reason)
{
	rd_fault_report(&view->log, text);
	redisFree(view->c);
	view->c = NULL;
	view->retry_ms = mono_ms() + REDIS_VIEW_RETRY_MS;
	*reason = "relay view in Redis unavailable";
	return RELAY_FAILED;
}

/* The newest of the hosts' stamps.  A value that is not a stamp means
 * someone other than a shipper wrote the key: TEMP, never a guess. */
static const char *newest_stamp(const redisReply *r, int64_t *stamp)
{
	*stamp = -1;
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *v = r->element[i];
		int64_t one;

		if (v->type != REDIS_REPLY_STRING ||
		    !relay_stamp_parse(v->str, v->len, &one))
			return "a value that is no stamp";
		if (one > *stamp)
			*stamp = one;
	}
	return NULL;
}

enum relay_status redis_view_get(struct redis_view *view,
				 const struct relay_addr *addr, uint64_t now_ms,
				 int64_t *stamp, const char **reason)
{
	char text[RELAY_ADDR_TEXT_MAX], key[256], why[600];
	const char *fault;
	redisReply *r;
	enum relay_status status;

	if (view->c == NULL && now_ms < view->retry_ms) {
		*reason = "relay view in Redis unavailable";
		return RELAY_FAILED;
	}
	if (view->c == NULL) {
		view->c = redis_link_open(&view->target, &view->cred, why, sizeof(why));
		if (view->c == NULL)
			return failed(view, why, reason);
	}
	relay_addr_format(addr, text);
	snprintf(key, sizeof(key), "%s%s", view->prefix, text);
	r = redisCommand(view->c, "HVALS %s", key);
	fault = redis_reply_fault(view->c, r, REDIS_REPLY_ARRAY);
	if (fault == NULL)
		fault = newest_stamp(r, stamp);
	if (fault != NULL) {
		snprintf(why, sizeof(why), "redis: HVALS %s: %s", key, fault);
		freeReplyObject(r);
		return failed(view, why, reason);
	}
	status = r->elements == 0 ? RELAY_NOT_FOUND : RELAY_OK;
	freeReplyObject(r);
	rd_fault_clear(&view->log, "redis answering again");
	return status;
}
