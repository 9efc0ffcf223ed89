#include "ship.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stamp.h"

/* Sets this host's field, then the key's expiry to the newest stamp of
 * all hosts plus the window: a host's older login never shortens
 * another's.  ARGV: host, stamp, window seconds (negative: no expiry). */
static const char SET_SCRIPT[] =
	"redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
	"local w = tonumber(ARGV[3]) "
	"if w < 0 then redis.call('PERSIST', KEYS[1]) return 1 end "
	"local newest = 0 "
	"for _, v in ipairs(redis.call('HVALS', KEYS[1])) do "
	"  local n = tonumber(v) "
	"  if n and n > newest then newest = n end "
	"end "
	"redis.call('EXPIREAT', KEYS[1], newest + w) "
	"return 1";

/* Commands sent before their answers are read. */
#define PIPELINE_MAX 512
#define SCAN_COUNT "1000"

static void key_of(const struct shipper_link *link, const struct relay_addr *addr,
		   char *key, size_t len)
{
	char text[RELAY_ADDR_TEXT_MAX];

	relay_addr_format(addr, text);
	snprintf(key, len, "%s%s", link->prefix, text);
}

static int append_change(struct shipper_link *link, const struct ship_change *ch)
{
	char key[256], stamp[RELAY_STAMP_TEXT_MAX + 1], window[24];

	key_of(link, &ch->addr, key, sizeof(key));
	if (!ch->present)
		return redisAppendCommand(link->c, "HDEL %s %s", key, link->host);
	stamp[relay_stamp_format(ch->stamp, stamp)] = '\0';
	snprintf(window, sizeof(window), "%lld", (long long)link->max_age);
	return redisAppendCommand(link->c, "EVAL %s 1 %s %s %s %s", SET_SCRIPT,
				  key, link->host, stamp, window);
}

/* Reads n answers; every one must be an integer (HDEL's count, the
 * script's 1). */
static bool read_answers(struct shipper_link *link, size_t n, char *why,
			 size_t whylen)
{
	bool ok = true;

	for (size_t i = 0; i < n; i++) {
		redisReply *r = NULL;
		const char *fault;

		if (redisGetReply(link->c, (void **)&r) != REDIS_OK)
			r = NULL;
		fault = redis_reply_fault(link->c, r, REDIS_REPLY_INTEGER);
		if (fault != NULL && ok) {
			snprintf(why, whylen, "redis: %s", fault);
			ok = false;
		}
		freeReplyObject(r);
		if (r == NULL)
			return false; /* the connection is gone */
	}
	return ok;
}

bool ship_changes(struct shipper_link *link, const struct ship_change *changes,
		  size_t count, char *why, size_t whylen)
{
	for (size_t done = 0; done < count;) {
		size_t n = count - done < PIPELINE_MAX ? count - done : PIPELINE_MAX;

		for (size_t i = 0; i < n; i++)
			if (append_change(link, &changes[done + i]) != REDIS_OK) {
				snprintf(why, whylen, "redis: %s", link->c->errstr);
				return false;
			}
		if (!read_answers(link, n, why, whylen))
			return false;
		done += n;
	}
	return true;
}

static int addr_order(const void *a, const void *b)
{
	const struct relay_addr *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->octets, y->octets, sizeof(x->octets));
}

static int entry_order(const void *a, const void *b)
{
	return addr_order(&((const struct relay_entry *)a)->addr,
			  &((const struct relay_entry *)b)->addr);
}

static bool snapshot_holds(const struct relay_snapshot *s,
			   const struct relay_addr *addr)
{
	struct relay_entry probe = { .addr = *addr };

	return bsearch(&probe, s->entries, s->count, sizeof(*s->entries),
		       entry_order) != NULL;
}

/* For one SCAN page: which keys hold a field of ours the store lacks. */
static bool prune_page(struct shipper_link *link, const redisReply *keys,
		       const struct relay_snapshot *s, size_t *deleted,
		       char *why, size_t whylen)
{
	size_t plen = strlen(link->prefix), stale = 0;
	struct ship_change *gone = calloc(keys->elements + 1, sizeof(*gone));
	bool ok;

	if (gone == NULL) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	for (size_t i = 0; i < keys->elements; i++) {
		const redisReply *k = keys->element[i];
		struct relay_addr addr;

		/* A key under the prefix that names no address is not ours
		 * to judge; relayersd never asks for it. */
		if (k->type != REDIS_REPLY_STRING || k->len <= plen ||
		    !relay_addr_is_canonical_key(k->str + plen, k->len - plen, &addr))
			continue;
		if (!snapshot_holds(s, &addr)) {
			gone[stale].addr = addr;
			gone[stale++].present = false;
		}
	}
	/* HDEL of a field that is not there is a no-op: no need to ask
	 * first whether this host had one. */
	ok = ship_changes(link, gone, stale, why, whylen);
	*deleted += stale;
	free(gone);
	return ok;
}

static bool prune_absent(struct shipper_link *link, const struct relay_snapshot *s,
			 size_t *deleted, char *why, size_t whylen)
{
	char cursor[32] = "0", pattern[128];

	snprintf(pattern, sizeof(pattern), "%s*", link->prefix);
	do {
		redisReply *r = redisCommand(link->c, "SCAN %s MATCH %s COUNT " SCAN_COUNT, cursor, pattern);
		const char *fault = redis_reply_fault(link->c, r, REDIS_REPLY_ARRAY);
		bool ok;

		if (fault == NULL && (r->elements != 2 ||
				      r->element[0]->type != REDIS_REPLY_STRING ||
				      r->element[0]->len >= sizeof(cursor) ||
				      r->element[1]->type != REDIS_REPLY_ARRAY))
			fault = "a garbled SCAN reply";
		if (fault != NULL) {
			snprintf(why, whylen, "redis: SCAN: %s", fault);
			freeReplyObject(r);
			return false;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		ok = prune_page(link, r->element[1], s, deleted, why, whylen);
		freeReplyObject(r);
		if (!ok)
			return false;
	} while (strcmp(cursor, "0") != 0);
	return true;
}

bool ship_full_sync(struct shipper_link *link, struct relay_snapshot *snapshot,
		    size_t *deleted, char *why, size_t whylen)
{
	struct ship_change *all = calloc(snapshot->count + 1, sizeof(*all));
	bool ok;

	*deleted = 0;
	if (all == NULL) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	qsort(snapshot->entries, snapshot->count, sizeof(*snapshot->entries),
	      entry_order);
	for (size_t i = 0; i < snapshot->count; i++) {
		all[i].addr = snapshot->entries[i].addr;
		all[i].stamp = snapshot->entries[i].stamp;
		all[i].present = true;
	}
	ok = ship_changes(link, all, snapshot->count, why, whylen) &&
	     prune_absent(link, snapshot, deleted, why, whylen);
	free(all);
	return ok;
}
