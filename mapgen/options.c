#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "escape.h"
#include "msg.h"
#include "stamp.h"
#include "store.h"
#include "window.h"

enum long_only { OPT_POSTFIX = 256, OPT_MAX_AGE, OPT_TEXT, OPT_WATCH,
		 OPT_INTERVAL, OPT_HELP, OPT_VERSION };

static const struct option long_options[] = {
	{ "postfix", no_argument, NULL, OPT_POSTFIX },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "text", no_argument, NULL, OPT_TEXT },
	{ "watch", no_argument, NULL, OPT_WATCH },
	{ "interval-ms", required_argument, NULL, OPT_INTERVAL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mapgen [-v] [-f STORE] -o MAP [--postfix] [--max-age MINUTES]\n"
		"              [--watch [--interval-ms N]]\n"
		"       mapgen [-f STORE] --text [--postfix] [--max-age MINUTES]\n"
		"\n"
		"Writes MAP.db, the hash map sendmail (or, with --postfix, Postfix)\n"
		"reads, from the relay store (%s unless -f names another),\n"
		"replacing the old map atomically.  --text writes makemap input to\n"
		"stdout instead.  --max-age leaves out entries older than MINUTES.\n"
		"--watch keeps the map fresh: it writes each change into the map in\n"
		"place within a second (inotify wakes it), drops entries as they age\n"
		"out, and exports in full at the start, hourly and on SIGHUP.\n",
		RELAY_DEFAULT_STORE);
}

static int usage_error(const char *problem, const char *arg)
{
	char shown[RELAY_ESCAPE_TEXT_MAX];

	if (arg != NULL)
		msg_error("%s \"%s\"", problem,
			  relay_escape_str(arg, shown));
	else
		msg_error("%s", problem);
	usage(stderr);
	return EX_USAGE;
}

static bool parse_number(const char *text, int64_t *out)
{
	return relay_stamp_parse(text, strlen(text), out);
}

static int take_long_option(int opt, const char *arg,
			    struct mapgen_options *out)
{
	int64_t number;

	switch (opt) {
	case OPT_POSTFIX: out->flavour = MAP_POSTFIX; return -1;
	case OPT_TEXT: out->text = true; return -1;
	case OPT_WATCH: out->watch = true; return -1;
	case OPT_MAX_AGE:
		if (!parse_number(arg, &number))
			return usage_error("--max-age needs whole minutes, not", arg);
		out->max_age = relay_minutes_to_seconds(number);
		return -1;
	case OPT_INTERVAL:
		if (!parse_number(arg, &number) ||
		    number < MAPGEN_MIN_INTERVAL_MS ||
		    number > MAPGEN_MAX_INTERVAL_MS)
			return usage_error("--interval-ms takes 10 to 1000, not",
					   arg);
		out->interval_ms = (unsigned)number;
		return -1;
	case OPT_HELP: usage(stdout); return 0;
	case OPT_VERSION: printf("mapgen %s\n", RELAY_VERSION); return 0;
	}
	return usage_error("unknown option", NULL);
}

static int check_combination(const struct mapgen_options *out)
{
	if (out->text && out->map != NULL)
		return usage_error("--text writes to stdout; drop -o", NULL);
	if (out->text && out->watch)
		return usage_error("--watch needs a map (-o), not --text", NULL);
	if (!out->text && out->map == NULL)
		return usage_error("name the map with -o MAP (or use --text)",
				   NULL);
	return -1;
}

int mapgen_parse_options(int argc, char **argv, struct mapgen_options *out)
{
	int opt;

	memset(out, 0, sizeof(*out));
	out->store_path = RELAY_DEFAULT_STORE;
	out->flavour = MAP_SENDMAIL;
	out->max_age = MAP_NO_MAX_AGE;
	out->interval_ms = MAPGEN_DEFAULT_INTERVAL_MS;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "f:o:v", long_options, NULL)) != -1) {
		int rc = -1;

		if (opt == 'f')
			out->store_path = optarg;
		else if (opt == 'o')
			out->map = optarg;
		else if (opt == 'v')
			out->verbose = true;
		else if (opt == '?')
			rc = usage_error("unknown option or missing argument",
					 argv[optind - 1]);
		else
			rc = take_long_option(opt, optarg, out);
		if (rc >= 0)
			return rc;
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	return check_combination(out);
}
