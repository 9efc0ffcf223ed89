/* rehash: moves the store to a new file with another number of hash
 * chains, since tdb fixes that number when it creates a file and a
 * login walks one chain.  It is check --repair's salvage
 * (relay_store_salvage) run on a sound store: logins go on writing the
 * old file while the new one is read and written, are held off while
 * what they wrote meanwhile is taken over and the new file renamed in,
 * then reopen the new one. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "arguments.h"
#include "cli_store.h"
#include "commands.h"
#include "msg.h"
#include "repair.h"
#include "store.h"

static bool parse(int argc, char **argv, unsigned *hash_size)
{
	*hash_size = 0; /* the salvage's: sized for the records it keeps */
	if (argc == 0)
		return true;
	if (argc == 2 && strcmp(argv[0], "--hash-size") == 0)
		return arg_hash_size(argv[1], hash_size);
	msg_error("rehash takes only --hash-size n");
	return false;
}

/* The store's hash size now, from a store that opens as a relay store:
 * a damaged one is check --repair's to salvage. */
static int current_hash_size(const char *path, unsigned *hash_size)
{
	struct relay_store_options options = { .timeout_ms = CLI_TIMEOUT_MS };
	struct relay_store *store;
	struct relay_error err;
	char repair[PATH_MAX + 64];
	int code;

	if (relay_store_open(path, &options, &store, &err) == RELAY_OK) {
		*hash_size = relay_store_hash_size(store);
		relay_store_close(store);
		return 0;
	}
	code = cli_store_error(&err);
	if (relay_status_is_bad_data(err.status))
		msg_error("rehash moves a sound store only; \"%s\" salvages a "
			  "damaged one into a store sized for what it keeps",
			  relay_store_repair_command(path, repair, sizeof(repair)));
	return code;
}

static double per_chain(uint64_t records, unsigned hash_size)
{
	return (double)records / (double)hash_size;
}

int cmd_rehash(const char *path, int argc, char **argv)
{
	struct relay_store_options options = { .timeout_ms = CLI_TIMEOUT_MS };
	struct relay_salvage_report report;
	struct relay_error err;
	unsigned old_size = 0;
	int code;

	if (!parse(argc, argv, &options.hash_size))
		return EXIT_USAGE;
	code = current_hash_size(path, &old_size);
	if (code != 0)
		return code;
	if (relay_store_salvage(path, &options, &report, &err) != RELAY_OK)
		return cli_store_error(&err);
	printf("%s: rehashed: kept %llu records; hash size %u -> %u, "
	       "%.1f -> %.1f records a chain\n",
	       path, (unsigned long long)report.records, old_size,
	       report.hash_size, per_chain(report.records, old_size),
	       per_chain(report.records, report.hash_size));
	/* A sound store has none; a disk fault since the open may. */
	if (report.damaged > 0 || report.not_relay > 0)
		msg_warn("%s: dropped %llu damaged records and %llu records "
			 "that are not relay entries",
			 path, (unsigned long long)report.damaged,
			 (unsigned long long)report.not_relay);
	salvage_print_times(path, &report);
	return 0;
}
