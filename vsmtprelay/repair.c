/* check --repair.  A sound store is only checked, as check does, so the
 * command is a reader then.  A damaged one (check fails, or it cannot
 * even be opened as a relay store) is salvaged: a new store with every
 * intact record is renamed into its place, and what was kept and what
 * was dropped is reported.  A file with nothing a relay store holds is
 * left as it was. */
#include "repair.h"

#include <stdio.h>
#include <string.h>

#include "cli_store.h"
#include "commands.h"
#include "msg.h"
#include "store.h"

/* Open errors end "; left untouched": true of the open, not of what
 * follows. */
static const char *without_untouched(char *text)
{
	char *tail = strstr(text, "; left untouched");

	if (tail != NULL)
		*tail = '\0';
	return text;
}

static void print_salvage(const char *path,
			  const struct relay_salvage_report *r)
{
	printf("%s: repaired: kept %llu entries%s; dropped %llu records that "
	       "are not relay entries, %llu damaged records, %llu older "
	       "copies, %llu deleted copies\n",
	       path, (unsigned long long)r->entries,
	       r->marker ? " and the marker" : " (the marker was lost: written anew)",
	       (unsigned long long)r->not_relay, (unsigned long long)r->damaged,
	       (unsigned long long)r->stale, (unsigned long long)r->freed);
	salvage_print_times(path, r);
}

void salvage_print_times(const char *path, const struct relay_salvage_report *r)
{
	printf("%s: read in %.0f ms, new store written in %.0f ms, writers held "
	       "off for %.1f ms%s\n",
	       path, r->read_ms, r->build_ms, r->held_ms,
	       !r->reread     ? ""
	       : r->rescanned ? " (they wrote meanwhile: read again, all of it)"
			      : " (they wrote meanwhile: their changes taken over)");
}

/* Nothing a sound store needs: check's own verdict. */
static enum relay_status check_first(const char *path,
				     const struct relay_store_options *options,
				     struct relay_error *err)
{
	struct relay_store *store;
	uint64_t entries, bad;
	enum relay_status status = relay_store_open(path, options, &store, err);

	if (status != RELAY_OK)
		return status;
	status = relay_store_check(store, &entries, &bad, err);
	relay_store_close(store);
	if (status == RELAY_OK)
		check_print_ok(path, entries, bad);
	return status;
}

int check_repair(const char *path)
{
	/* No tdb diagnostics: on a damaged store they are expected noise. */
	struct relay_store_options options = { .timeout_ms = CLI_TIMEOUT_MS };
	struct relay_salvage_report report;
	struct relay_error err;
	enum relay_status status = check_first(path, &options, &err);

	if (status == RELAY_OK)
		return 0;
	if (!relay_status_is_bad_data(status))
		return cli_store_error(&err);
	msg_info("%s; salvaging every intact record",
		 without_untouched(err.text));
	if (relay_store_salvage(path, &options, &report, &err) != RELAY_OK)
		return cli_store_error(&err);
	print_salvage(path, &report);
	return 0;
}
