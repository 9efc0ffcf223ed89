#include "cli_store.h"

#include <stdio.h>

#include "commands.h"
#include "escape.h"
#include "msg.h"
#include "store_exit.h"

static void tdb_to_stderr(void *context, const char *message)
{
	char shown[RELAY_ESCAPE_TEXT_MAX];

	(void)context;
	msg_error("tdb: %s", relay_escape_str(message, shown));
}

int cli_store_error(const struct relay_error *err)
{
	msg_error("%s", err->text);
	return relay_status_exit_code(err->status);
}

struct relay_store *cli_store_open(const char *path, enum cli_access access,
				   int *exit_code)
{
	struct relay_store_options options = {
		.timeout_ms = CLI_TIMEOUT_MS,
		.create = access == CLI_CREATE,
		.fallback_read_only = access == CLI_READ,
		.log = tdb_to_stderr,
	};
	struct relay_store *store;
	struct relay_error err;

	if (relay_store_open(path, &options, &store, &err) != RELAY_OK) {
		*exit_code = cli_store_error(&err);
		return NULL;
	}
	return store;
}
