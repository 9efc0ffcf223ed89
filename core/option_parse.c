#include "option_parse.h"

#include <string.h>
#include <sysexits.h>

#include "escape.h"
#include "stamp.h"

bool relay_option_number(const char *text, int64_t min, int64_t max,
			 int64_t *out)
{
	return relay_stamp_parse(text, strlen(text), out) && *out >= min &&
	       *out <= max;
}

int relay_option_refuse(const char *program, void (*usage)(FILE *out),
			const char *problem, const char *arg)
{
	char shown[RELAY_ESCAPE_TEXT_MAX];

	if (arg != NULL)
		fprintf(stderr, "%s: %s \"%s\"\n", program, problem,
			relay_escape_str(arg, shown));
	else
		fprintf(stderr, "%s: %s\n", program, problem);
	usage(stderr);
	return EX_USAGE;
}

static int take_shared(const struct relay_option_set *set, int opt,
		       const char *refused, void *context)
{
	if (opt == RELAY_OPTION_HELP) {
		set->usage(stdout);
		return EX_OK;
	}
	if (opt == RELAY_OPTION_VERSION) {
		printf("%s %s\n", set->program, RELAY_VERSION);
		return EX_OK;
	}
	if (opt != '?')
		return set->take(opt, optarg, context);
	if (!set->getopt_messages)
		return relay_option_refuse(set->program, set->usage,
					   "unknown option or missing argument",
					   refused);
	set->usage(stderr);
	return EX_USAGE;
}

int relay_option_parse(const struct relay_option_set *set, int argc,
		       char **argv, void *context)
{
	int opt;

	opterr = set->getopt_messages;
	while ((opt = getopt_long(argc, argv, set->short_options,
				  set->long_options, NULL)) != -1) {
		int rc = take_shared(set, opt, argv[optind - 1], context);

		if (rc >= 0)
			return rc;
	}
	if (optind < argc)
		return relay_option_refuse(set->program, set->usage,
					   "unexpected argument", argv[optind]);
	return -1;
}
