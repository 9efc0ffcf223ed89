#include "options.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "bookkeeping.h"
#include "store.h"

/* Digits only, from min to max. */
static bool parse_number(const char *text, unsigned min, unsigned max,
			 unsigned *out)
{
	unsigned value = 0;

	if (*text == '\0' || strlen(text) > 5)
		return false;
	for (; *text != '\0'; text++) {
		if (*text < '0' || *text > '9')
			return false;
		value = value * 10 + (unsigned)(*text - '0');
	}
	if (value < min || value > max)
		return false;
	*out = value;
	return true;
}

static bool parse_timeout(const char *text, unsigned *out)
{
	return parse_number(text, 1, RELAY_TIMEOUT_MAX_MS, out);
}

static void complain_about(option_complaint_fn complain, void *context,
			   const char *arg, const char *why)
{
	char shown[RELAY_ESCAPE_TEXT_MAX], problem[RELAY_ESCAPE_TEXT_MAX + 160];

	snprintf(problem, sizeof(problem), "option \"%s\" ignored: %s",
		 relay_escape_str(arg, shown), why);
	complain(context, problem);
}

static void parse_exclude(const char *list, struct module_options *out,
			  option_complaint_fn complain, void *context)
{
	char err[RELAY_ESCAPE_TEXT_MAX + 40];

	out->exclude_valid = relay_cidr_list_parse(list, &out->exclude, err,
						   sizeof(err));
	if (!out->exclude_valid) {
		char problem[sizeof(err) + 80];

		snprintf(problem, sizeof(problem),
			 "exclude list refused (%s); recording nothing until "
			 "it is fixed",
			 err);
		complain(context, problem);
	}
}

void module_options_parse(int argc, const char **argv,
			  struct module_options *out,
			  option_complaint_fn complain, void *context)
{
	memset(out, 0, sizeof(*out));
	out->store_path = RELAY_DEFAULT_STORE;
	out->timeout_ms = RELAY_TIMEOUT_DEFAULT_MS;
	out->exclude_valid = true;
	out->max_addrs = RELAY_MAX_ADDRS_DEFAULT;
	out->max_addrs_minutes = RELAY_MAX_ADDRS_MINUTES_DEFAULT;
	relay_cidr_list_default_exclude(&out->exclude);

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (arg == NULL)
			continue;
		if (strcmp(arg, "debug") == 0)
			out->debug = true;
		else if (strcmp(arg, "stdin_peer") == 0)
			out->peer_from_stdin = true;
		else if (strncmp(arg, "db=", 3) == 0) {
			if (arg[3] == '/')
				out->store_path = arg + 3;
			else
				complain_about(complain, context, arg,
					       "the store path must be absolute");
		} else if (strncmp(arg, "exclude=", 8) == 0)
			parse_exclude(arg + 8, out, complain, context);
		else if (strncmp(arg, "timeout=", 8) == 0) {
			if (!parse_timeout(arg + 8, &out->timeout_ms))
				complain_about(complain, context, arg,
					       "timeout must be 1 to 5000 ms");
		} else if (strncmp(arg, "max_addrs=", 10) == 0) {
			if (!parse_number(arg + 10, 0, RELAY_MAX_ADDRS_LIMIT,
					  &out->max_addrs))
				complain_about(complain, context, arg,
					       "max_addrs must be 0 to 256");
		} else if (strncmp(arg, "max_addrs_minutes=", 18) == 0) {
			if (!parse_number(arg + 18, 1, RELAY_MAX_ADDRS_MINUTES_MAX,
					  &out->max_addrs_minutes))
				complain_about(complain, context, arg,
					       "max_addrs_minutes must be 1 to "
					       "10080");
		} else
			complain_about(complain, context, arg, "unknown option");
	}
}
