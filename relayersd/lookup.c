#include "lookup.h"

#include <string.h>
#include <time.h>

#include "escape.h"
#include "log.h"
#include "stamp.h"

static const char NOTFOUND[] = "NOTFOUND";

/* sendmail sends "ipv6:" plus the full or compressed form, lower-cased;
 * Postfix the bare compressed form; either may send a v4-mapped form.
 * core/addr.c folds all of them to the one store key. */
static bool key_address(const struct socketmap_request *req,
			struct relay_addr *addr)
{
	return relay_addr_parse_n(req->key, req->key_len, addr);
}

static bool in_window(const struct lookup_policy *policy, int64_t stamp)
{
	if (policy->max_age < 0)
		return true;
	/* A future stamp (pinned by the admin) is never old. */
	return !relay_stamp_is_old(stamp, (int64_t)time(NULL), policy->max_age);
}

static void trace(const struct socketmap_request *req, const char *answer)
{
	char name[RELAY_ESCAPE_TEXT_MAX], key[RELAY_ESCAPE_TEXT_MAX];

	if (!rd_log_verbose())
		return;
	rd_log(LOG_DEBUG, "lookup %s \"%s\": %s",
	       relay_escape(req->name, req->name_len, name),
	       relay_escape(req->key, req->key_len, key), answer);
}

size_t lookup_answer(struct store_view *view, const struct lookup_policy *policy,
		     const struct socketmap_request *req, uint64_t now_ms,
		     char *out, size_t room)
{
	char digits[RELAY_STAMP_TEXT_MAX];
	struct relay_addr addr;
	const char *reason = NULL;
	enum relay_status status;
	int64_t stamp = 0;
	size_t len;

	if (!key_address(req, &addr)) {
		trace(req, "not an address: NOTFOUND");
		return socketmap_reply(out, room, NOTFOUND, NULL, 0);
	}
	status = store_view_get(view, &addr, now_ms, &stamp, &reason);
	if (status == RELAY_OK && in_window(policy, stamp)) {
		len = relay_stamp_format(stamp, digits);
		trace(req, "OK");
		return socketmap_reply(out, room, "OK", digits, len);
	}
	if (status == RELAY_OK || status == RELAY_NOT_FOUND) {
		trace(req, status == RELAY_OK ? "too old: NOTFOUND" : "NOTFOUND");
		return socketmap_reply(out, room, NOTFOUND, NULL, 0);
	}
	trace(req, reason);
	return socketmap_reply(out, room, "TEMP", reason, strlen(reason));
}
