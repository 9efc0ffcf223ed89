/* mapgen: turns the relay store into the hash map that sendmail's
 * check_rcpt rules (or Postfix's check_client_access) read. */
#include <signal.h>
#include <stdio.h>

#include "export.h"
#include "map_target.h"
#include "msg.h"
#include "options.h"
#include "signals.h"
#include "store_exit.h"
#include "watch.h"

/* Only a map can be left unchanged: with -t there is none. */
static void report_export_failure(const struct mapgen_options *options,
				  const char *why)
{
	if (options->text)
		msg_error("%s", why);
	else
		map_report_unchanged(why, NULL);
}

static int open_store(const struct mapgen_options *options,
		      struct relay_store **store)
{
	struct relay_store_options so = {
		.timeout_ms = MAPGEN_STORE_TIMEOUT_MS, .fallback_read_only = true
	};
	struct relay_error err;
	enum relay_status status =
		relay_store_open(options->store_path, &so, store, &err);

	if (status == RELAY_OK)
		return 0;
	report_export_failure(options, err.text);
	return relay_status_exit_code(status);
}

/* A SIGTERM that stopped the export is reported as the shell would. */
static int interrupted_status(void)
{
	int signo = SIGTERM;
	char why[32];

	mapgen_signals_wait(0, &signo);
	snprintf(why, sizeof(why), "stopped by signal %d", signo);
	map_report_unchanged(why, NULL);
	return 128 + signo;
}

static int export_once(const struct mapgen_options *options,
		       const struct export_options *export_options)
{
	struct relay_store *store;
	struct export_result result;
	struct relay_error failure;
	int rc = open_store(options, &store);

	if (rc != 0)
		return rc;
	rc = export_run(store, export_options, &result, &failure);
	relay_store_close(store);
	if (rc != 0 && mapgen_stop_pending())
		return interrupted_status();
	if (rc != 0) {
		report_export_failure(options, failure.text);
		return rc;
	}
	if (options->verbose)
		msg_info("%s: %zu entries, %zu keys",
			 options->text ? "stdout" : export_options->db_path,
			 result.entries, result.keys);
	return 0;
}

int main(int argc, char **argv)
{
	struct mapgen_options options;
	struct export_options export_options;
	struct relay_error failure;
	char db_path[PATH_MAX];
	int rc;

	msg_set_program("mapgen");
	rc = mapgen_parse_options(argc, argv, &options);

	if (rc >= 0)
		return rc;
	mapgen_signals_block();
	export_options.flavour = options.flavour;
	export_options.max_age = options.max_age;
	export_options.db_path = NULL;
	export_options.aging = NULL;
	if (!options.text) {
		rc = map_target_name(options.map, db_path, &failure);
		if (rc != 0) {
			msg_error("%s", failure.text);
			return rc;
		}
		export_options.db_path = db_path;
	}
	if (options.watch)
		return mapgen_watch(&options, &export_options);
	return export_once(&options, &export_options);
}
