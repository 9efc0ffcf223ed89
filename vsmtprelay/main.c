/* vsmtprelay: manage the relay store by hand or from cron.  The command
 * names, arguments and output are the compatible ones that existing
 * crontabs use (vsmtprelay expire 1440), so those keep working. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "anvil.h"
#include "commands.h"
#include "escape.h"
#include "msg.h"
#include "store.h"

struct command {
	const char *name;
	int min_args;
	int max_args; /* -1: no limit */
	int (*run)(const char *store, int argc, char **argv);
};

static const struct command commands[] = {
	{ "add", 1, 2, cmd_add },
	{ "delete", 1, -1, cmd_delete },
	{ "expire", 0, 1, cmd_expire },
	{ "list", 0, 1, cmd_list },
	{ "dump", 0, 0, cmd_dump },
	{ "check", 0, 1, cmd_check },
	{ "refresh", 0, 5, cmd_refresh },
	{ "who", 0, -1, cmd_who },
	{ "revoke", 1, 1, cmd_revoke },
	{ "rehash", 0, 2, cmd_rehash },
};

static void usage(FILE *out)
{
	fprintf(out,
		"vsmtprelay %s usage (optional items in []):\n"
		"\n"
		"    vsmtprelay [-f store] command [arg] [...]\n"
		"\n"
		"commands:\n"
		"    add ip [ticks]   record ip now, or at ticks (seconds since 1970)\n"
		"    delete ip [...]  remove the given addresses\n"
		"    expire [n]       remove every old entry (or those older than n minutes)\n"
		"    list [n]         show every old entry (or those older than n minutes)\n"
		"    dump             show every entry, future-stamped ones included\n"
		"    check [--repair] verify the store (and salvage it if damaged)\n"
		"    refresh [opts]   restamp every client Dovecot says is logged in\n"
		"    who [ip...]      show each entry with the user and service that opened it\n"
		"    revoke user      remove every address that user opened\n"
		"    rehash [--hash-size n] new store with n hash chains (default: sized for it)\n"
		"\n"
		"refresh's opts: --exclude cidr[,cidr...] (default: loopback, as the module;\n"
		"'' excludes nothing), --anvil path (default %s),\n"
		"-v (print what changed).\n"
		"\n"
		"Old means not stamped in the future.  Output lines are\n"
		"ADDRESS<TAB>SECONDS, the input format of makemap(8); who adds\n"
		"<TAB>USER<TAB>SERVICE (escaped; - when no login owns the entry).\n"
		"The store is %s unless -f names another.\n",
		RELAY_VERSION, ANVIL_DEFAULT_PATH, RELAY_DEFAULT_STORE);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int usage_error(const char *problem, const char *arg)
{
	char shown[RELAY_ESCAPE_TEXT_MAX];

	msg_error("%s \"%s\"", problem,
		  relay_escape_str(arg, shown));
	usage(stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *store = RELAY_DEFAULT_STORE;
	const struct command *command;
	int opt, nargs;

	msg_set_program("vsmtprelay");
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("vsmtprelay %s\n", RELAY_VERSION);
		return 0;
	}
	while ((opt = getopt(argc, argv, "+f:h")) != -1) {
		if (opt == 'f') {
			store = optarg;
		} else if (opt == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	command = find_command(argv[optind]);
	if (command == NULL)
		return usage_error("unknown command", argv[optind]);
	nargs = argc - optind - 1;
	if (nargs < command->min_args ||
	    (command->max_args >= 0 && nargs > command->max_args))
		return usage_error("wrong number of arguments for",
				   command->name);
	return command->run(store, nargs, argv + optind + 1);
}
