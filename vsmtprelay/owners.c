/* The commands about who opened the relay: who and revoke.  who prints
 * ADDRESS<TAB>SECONDS<TAB>USER<TAB>SERVICE, one entry a line, the user
 * and service as the store keeps them (escaped, see core/owner.h), "-"
 * for an entry no login owns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "arguments.h"
#include "bookkeeping.h"
#include "cli_store.h"
#include "commands.h"
#include "escape.h"
#include "msg.h"
#include "stamp.h"

static bool print_owned(const struct relay_owned_entry *entry, void *context)
{
	char addr[RELAY_ADDR_TEXT_MAX], stamp[RELAY_STAMP_TEXT_MAX];

	(void)context;
	relay_addr_format(&entry->addr, addr);
	stamp[relay_stamp_format(entry->stamp, stamp)] = '\0';
	printf("%s\t%s\t%s\t%s\n", addr, stamp, entry->user, entry->service);
	return true;
}

static int finish_output(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msg_error("writing the list: %m");
		return EX_IOERR;
	}
	return 0;
}

static int who_each(struct relay_store *store, int argc, char **argv)
{
	bool any_absent = false;
	int code;

	for (int i = 0; i < argc; i++) {
		struct relay_owned_entry entry;
		struct relay_addr addr;
		struct relay_error err;
		enum relay_status status;

		if (!arg_address(argv[i], &addr))
			return EXIT_USAGE;
		status = relay_store_who_one(store, &addr, &entry, &err);
		if (status == RELAY_NOT_FOUND) {
			msg_error("%s", err.text);
			any_absent = true;
		} else if (status != RELAY_OK) {
			return cli_store_error(&err);
		} else {
			print_owned(&entry, NULL);
		}
	}
	code = finish_output();
	return code != 0 ? code : any_absent ? 1
					     : 0;
}

int cmd_who(const char *path, int argc, char **argv)
{
	static char buffer[1 << 16];
	struct relay_store *store;
	struct relay_error err;
	int code = 0;

	for (int i = 0; i < argc; i++) {
		struct relay_addr addr;

		if (!arg_address(argv[i], &addr))
			return EXIT_USAGE;
	}
	store = cli_store_open(path, CLI_READ, &code);
	if (store == NULL)
		return code;
	setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
	if (argc > 0)
		code = who_each(store, argc, argv);
	else if (relay_store_who(store, print_owned, NULL, &err) != RELAY_OK)
		code = cli_store_error(&err);
	else
		code = finish_output();
	relay_store_close(store);
	return code;
}

int cmd_revoke(const char *path, int argc, char **argv)
{
	char shown[RELAY_ESCAPE_TEXT_MAX];
	struct relay_store *store;
	struct relay_error err;
	uint64_t removed;
	int code = 0;

	(void)argc;
	if (argv[0][0] == '\0') {
		msg_error("revoke needs a user name");
		return EXIT_USAGE;
	}
	store = cli_store_open(path, CLI_WRITE, &code);
	if (store == NULL)
		return code;
	if (relay_store_revoke(store, argv[0], strlen(argv[0]), &removed,
			       &err) != RELAY_OK) {
		code = cli_store_error(&err);
	} else {
		printf("revoked %llu addresses opened by \"%s\"\n",
		       (unsigned long long)removed,
		       relay_escape_str(argv[0], shown));
		code = finish_output();
		if (code == 0 && removed == 0)
			code = 1;
	}
	relay_store_close(store);
	return code;
}
