#include "options.h"

#include <stdio.h>
#include <string.h>

#include "option_parse.h"
#include "stamp.h"
#include "store.h"
#include "window.h"

enum long_only { OPT_POSTFIX = 256,
		 OPT_MAX_AGE,
		 OPT_TEXT,
		 OPT_WATCH,
		 OPT_INTERVAL };

static const struct option long_options[] = {
	{ "postfix", no_argument, NULL, OPT_POSTFIX },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "text", no_argument, NULL, OPT_TEXT },
	{ "watch", no_argument, NULL, OPT_WATCH },
	{ "interval-ms", required_argument, NULL, OPT_INTERVAL },
	RELAY_OPTIONS_SHARED,
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
	return relay_option_refuse("mapgen", usage, problem, arg);
}

static bool parse_number(const char *text, int64_t *out)
{
	return relay_option_number(text, 0, INT64_MAX, out);
}

static int take_option(int opt, const char *arg, void *context)
{
	struct mapgen_options *out = context;
	int64_t number;

	switch (opt) {
	case 'f': out->store_path = arg; return -1;
	case 'o': out->map = arg; return -1;
	case 'v': out->verbose = true; return -1;
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

static const struct relay_option_set option_set = {
	"mapgen", usage, "f:o:v", long_options, take_option, false
};

int mapgen_parse_options(int argc, char **argv, struct mapgen_options *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->store_path = RELAY_DEFAULT_STORE;
	out->flavour = MAP_SENDMAIL;
	out->max_age = MAP_NO_MAX_AGE;
	out->interval_ms = MAPGEN_DEFAULT_INTERVAL_MS;
	rc = relay_option_parse(&option_set, argc, argv, out);
	return rc >= 0 ? rc : check_combination(out);
}
