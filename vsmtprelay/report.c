/* The commands that read the store: list, dump and check.  Entries are
 * printed as makemap reads them, ADDRESS<TAB>EPOCH, after the store's
 * read lock is released. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arguments.h"
#include "cli_store.h"
#include "commands.h"
#include "msg.h"
#include "repair.h"
#include "snapshot.h"
#include "stamp.h"

/* max_age < 0 with old_only: every entry that is not in the future. */
struct selection {
	bool old_only;
	int64_t now;
	int64_t max_age;
};

static bool selected(const struct selection *sel, int64_t stamp)
{
	return !sel->old_only || relay_stamp_is_old(stamp, sel->now, sel->max_age);
}

static int print_entries(const struct relay_snapshot *snap,
			 const struct selection *sel)
{
	static char buffer[1 << 16];

	setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
	for (size_t i = 0; i < snap->count; i++) {
		char addr[RELAY_ADDR_TEXT_MAX], stamp[RELAY_STAMP_TEXT_MAX];

		if (!selected(sel, snap->entries[i].stamp))
			continue;
		relay_addr_format(&snap->entries[i].addr, addr);
		relay_stamp_format(snap->entries[i].stamp, stamp);
		fputs(addr, stdout);
		putchar('\t');
		fputs(stamp, stdout);
		putchar('\n');
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msg_error("writing the list: %m");
		return EX_IOERR;
	}
	return 0;
}

static int print_selection(const char *path, const struct selection *sel)
{
	struct relay_snapshot snap;
	struct relay_store *store;
	struct relay_error err;
	int code = 0;

	store = cli_store_open(path, CLI_READ, &code);
	if (store == NULL)
		return code;
	if (relay_snapshot_take(store, &snap, &err) != RELAY_OK) {
		relay_store_close(store);
		return cli_store_error(&err);
	}
	relay_store_close(store);
	if (snap.skipped > 0)
		msg_warn("%s: skipped %llu records that are "
			 "not relay entries",
			 path,
			 (unsigned long long)snap.skipped);
	code = print_entries(&snap, sel);
	relay_snapshot_free(&snap);
	return code;
}

int cmd_list(const char *path, int argc, char **argv)
{
	struct selection sel = { true, time(NULL), -1 };
	int64_t minutes;

	if (argc > 0) {
		if (!arg_minutes(argv[0], &minutes))
			return EXIT_USAGE;
		sel.max_age = relay_minutes_to_seconds(minutes);
	}
	return print_selection(path, &sel);
}

int cmd_dump(const char *path, int argc, char **argv)
{
	struct selection sel = { false, 0, -1 };

	(void)argc;
	(void)argv;
	return print_selection(path, &sel);
}

void check_print_ok(const char *path, uint64_t entries, uint64_t bad)
{
	printf("%s: ok, %llu entries", path, (unsigned long long)entries);
	if (bad > 0)
		printf(", %llu records that are not relay entries",
		       (unsigned long long)bad);
	putchar('\n');
}

/* A login walks one hash chain; past this many records a chain, a
 * store with more chains makes every login cheaper. */
#define LONG_CHAIN_RECORDS 4

/* On stderr, so that check's one line on stdout stays as it is.  The
 * count is another pass under the whole-store read lock that logins
 * wait behind, so it is made only when the chains may be long: an entry
 * has at most an owner record and its user an account record beside it. */
static void hint_long_chains(const char *path, struct relay_store *store,
			     uint64_t entries, uint64_t bad)
{
	unsigned hash_size = relay_store_hash_size(store);
	struct relay_error err;
	uint64_t records;

	if (3 * (entries + bad) + 1 <= (uint64_t)LONG_CHAIN_RECORDS * hash_size)
		return;
	if (relay_store_count_records(store, &records, &err) != RELAY_OK) {
		msg_warn("%s", err.text);
		return;
	}
	if (records <= (uint64_t)LONG_CHAIN_RECORDS * hash_size)
		return;
	msg_info("%s: %llu records in %u hash chains, %.0f a chain for every "
		 "login to walk; \"vsmtprelay -f %s rehash\" moves it to a "
		 "store sized for them",
		 path, (unsigned long long)records, hash_size,
		 (double)records / hash_size, path);
}

int cmd_check(const char *path, int argc, char **argv)
{
	bool want_repair = argc > 0 && strcmp(argv[0], "--repair") == 0;
	struct relay_store *store;
	struct relay_error err;
	uint64_t entries, bad;
	int code = 0;

	if (argc > 0 && !want_repair) {
		msg_error("check takes only --repair");
		return EXIT_USAGE;
	}
	if (want_repair)
		return check_repair(path);
	store = cli_store_open(path, CLI_READ, &code);
	if (store == NULL)
		return code;
	if (relay_store_check(store, &entries, &bad, &err) == RELAY_OK) {
		check_print_ok(path, entries, bad);
		hint_long_chains(path, store, entries, bad);
	} else {
		code = cli_store_error(&err);
		msg_error("run \"vsmtprelay check --repair\" "
			  "to reclaim what a crashed writer left");
	}
	relay_store_close(store);
	return code;
}
