/* The commands that change the store: add, delete, expire.  Changes to
 * many entries run in one transaction, so they happen whole or not. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "arguments.h"
#include "bookkeeping.h"
#include "cli_store.h"
#include "msg.h"
#include "prune.h"
#include "commands.h"
#include "stamp.h"

int cmd_add(const char *path, int argc, char **argv)
{
	struct relay_addr addr;
	struct relay_store *store;
	struct relay_error err;
	int64_t ticks = time(NULL);
	int code = 0;

	if (!arg_address(argv[0], &addr) ||
	    (argc > 1 && !arg_ticks(argv[1], &ticks)))
		return EXIT_USAGE;
	store = cli_store_open(path, CLI_CREATE, &code);
	if (store == NULL)
		return code;
	if (relay_store_put(store, &addr, ticks, &err) != RELAY_OK)
		code = cli_store_error(&err);
	relay_store_close(store);
	return code;
}

static enum relay_status delete_each(struct relay_store *store,
				     const struct relay_addr *addrs,
				     int count, struct relay_error *err,
				     bool *any_absent)
{
	for (int i = 0; i < count; i++) {
		enum relay_status status = relay_store_delete(store, &addrs[i], err);

		/* The owner record goes with its entry, or with nothing. */
		if ((status == RELAY_OK || status == RELAY_NOT_FOUND) &&
		    relay_store_forget_owner(store, &addrs[i], err) != RELAY_OK)
			return err->status;
		if (status == RELAY_NOT_FOUND) {
			msg_error("%s", err->text);
			*any_absent = true;
		} else if (status != RELAY_OK) {
			return status;
		}
	}
	return RELAY_OK;
}

/* All of the deletions or none: one transaction. */
static int delete_all(struct relay_store *store, const struct relay_addr *addrs,
		      int count)
{
	struct relay_error err;
	bool any_absent = false;

	if (relay_store_begin(store, &err) != RELAY_OK)
		return cli_store_error(&err);
	if (delete_each(store, addrs, count, &err, &any_absent) != RELAY_OK) {
		relay_store_cancel(store);
		return cli_store_error(&err);
	}
	if (relay_store_commit(store, &err) != RELAY_OK)
		return cli_store_error(&err);
	return any_absent ? 1 : 0;
}

int cmd_delete(const char *path, int argc, char **argv)
{
	struct relay_addr *addrs = calloc((size_t)argc, sizeof(*addrs));
	struct relay_store *store;
	int code = 0;

	if (addrs == NULL)
		return EX_OSERR;
	for (int i = 0; i < argc && code == 0; i++)
		if (!arg_address(argv[i], &addrs[i]))
			code = EXIT_USAGE;
	if (code == 0)
		store = cli_store_open(path, CLI_WRITE, &code);
	if (code == 0) {
		code = delete_all(store, addrs, argc);
		relay_store_close(store);
	}
	free(addrs);
	return code;
}

struct expiry {
	int64_t now;
	int64_t max_age; /* seconds; -1: every old entry */
};

static bool keep_unexpired(const struct relay_addr *addr, int64_t stamp,
			   void *context)
{
	const struct expiry *e = context;

	(void)addr;
	return !relay_stamp_is_old(stamp, e->now, e->max_age);
}

/* After expire's removals: the free list made short again (see
 * relay_store_compact).  The removals are committed by now, and the
 * compaction only spares later logins a long free-list walk, which the
 * next expire tries again: its failure is a warning. */
static void compact_after_expire(const char *path, struct relay_store *store)
{
	struct relay_store_options options = { .timeout_ms = CLI_TIMEOUT_MS };
	struct relay_salvage_report report;
	struct relay_error err;
	bool rewrite;

	if (relay_store_compact(store, &rewrite, &err) != RELAY_OK) {
		relay_store_close(store);
		msg_warn("%s; the expired entries are removed, the repack is "
			 "left for the next expire",
			 err.text);
		return;
	}
	relay_store_close(store);
	if (rewrite && relay_store_salvage(path, &options, &report, &err) != RELAY_OK)
		msg_warn("%s; the expired entries are removed, the rewrite is "
			 "left for the next expire",
			 err.text);
}

int cmd_expire(const char *path, int argc, char **argv)
{
	struct expiry e = { time(NULL), -1 };
	uint64_t removed;
	struct relay_store *store;
	struct relay_error err;
	int64_t minutes;
	int code = 0;

	if (argc > 0) {
		if (!arg_minutes(argv[0], &minutes))
			return EXIT_USAGE;
		e.max_age = relay_minutes_to_seconds(minutes);
	}
	store = cli_store_open(path, CLI_WRITE, &code);
	if (store == NULL)
		return code;
	if (relay_store_prune(store, keep_unexpired, &e, &removed, &err) !=
		    RELAY_OK ||
	    relay_store_prune_bookkeeping(store, e.now, e.max_age, &removed,
					  &err) != RELAY_OK) {
		relay_store_close(store);
		return cli_store_error(&err);
	}
	compact_after_expire(path, store);
	return 0;
}
