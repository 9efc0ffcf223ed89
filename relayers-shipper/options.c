#include "options.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "option_parse.h"
#include "stamp.h"
#include "store.h"

enum long_only { OPT_REDIS = 256,
		 OPT_SENTINEL,
		 OPT_MASTER,
		 OPT_PASSWORD,
		 OPT_PREFIX,
		 OPT_HOST,
		 OPT_MAX_AGE,
		 OPT_TIMEOUT,
		 OPT_SENTINEL_PASSWORD };

static const struct option long_options[] = {
	REDIS_LINK_OPTIONS(OPT_REDIS, OPT_SENTINEL, OPT_MASTER, OPT_PASSWORD,
			   OPT_SENTINEL_PASSWORD),
	{ "redis-timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	RELAY_OPTIONS_SHARED,
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: relayers-shipper [-f STORE] (--redis HOST:PORT |\n"
		"           --redis-sentinel HOST:PORT[,...] --redis-master NAME)\n"
		"           [--redis-password-file PATH]\n"
		"           [--redis-sentinel-password-file PATH] [--max-age MINUTES]\n"
		"           [--host NAME] [--prefix PREFIX] [-v]\n"
		"\n"
		"Follows the relay store (%s unless -f names another)\n"
		"and writes every change to Redis, where relayersd --redis on each MTA\n"
		"reads it: one hash per address (PREFIX + address), one field per host.\n"
		"\n"
		"options:\n"
		"  -f STORE                    the relay store\n"
		"  --redis HOST:PORT           the Redis primary\n"
		"  --redis-sentinel LIST       ask these Sentinels for the primary\n"
		"  --redis-master NAME         the primary's name at the Sentinels\n"
		"  --redis-password-file PATH  \"USER PASSWORD\" or \"PASSWORD\", mode 0600\n"
		"  --redis-sentinel-password-file PATH  the same, for the Sentinels\n"
		"  --redis-timeout MS          each connect and command (default %d)\n"
		"  --max-age MINUTES           the relay window: keys expire after it\n"
		"  --host NAME                 this host's field (default: hostname)\n"
		"  --prefix PREFIX             key prefix (default %s)\n"
		"  -v, --verbose               say what is shipped\n"
		"  --help, --version\n",
		RELAY_DEFAULT_STORE, SHIPPER_DEFAULT_TIMEOUT_MS, REDIS_DEFAULT_PREFIX);
}

static int usage_error(const char *problem, const char *arg)
{
	return relay_option_refuse("relayers-shipper", usage, problem, arg);
}

/* Names that go into keys and MATCH patterns: no glob, no space. */
static bool plain_name(const char *text, size_t max, bool colon)
{
	size_t len = strlen(text);

	if (len == 0 || len >= max)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
		      ch == '_' || (colon && ch == ':')))
			return false;
	}
	return true;
}

static bool parse_number(const char *text, int64_t max, int64_t *out)
{
	return relay_option_number(text, 1, max, out);
}

static int check(struct shipper_options *out)
{
	if ((out->target.address != NULL) == (out->target.sentinels != NULL))
		return usage_error("give either --redis or --redis-sentinel", NULL);
	if (out->target.sentinels != NULL && out->target.master == NULL)
		return usage_error("--redis-sentinel needs --redis-master", NULL);
	if (out->target.sentinels == NULL &&
	    out->target.sentinel_password_file != NULL)
		return usage_error("--redis-sentinel-password-file needs "
				   "--redis-sentinel",
				   NULL);
	if (out->host[0] == '\0' &&
	    (gethostname(out->host, sizeof(out->host)) != 0 ||
	     !plain_name(out->host, sizeof(out->host), false)))
		return usage_error("no usable hostname; give --host", NULL);
	return -1;
}

/* Takes the --redis... options, which say where to ship to. */
static int take_target(int opt, const char *arg, struct shipper_options *out)
{
	int64_t number;

	switch (opt) {
	case OPT_REDIS: {
		char host[256];
		int port;

		if (!redis_parse_address(arg, host, sizeof(host), &port))
			return usage_error("--redis takes HOST:PORT, not", arg);
		out->target.address = arg;
		return -1;
	}
	case OPT_SENTINEL: out->target.sentinels = arg; return -1;
	case OPT_MASTER:
		if (!plain_name(arg, 128, false))
			return usage_error("bad --redis-master", arg);
		out->target.master = arg;
		return -1;
	case OPT_PASSWORD: out->target.password_file = arg; return -1;
	case OPT_SENTINEL_PASSWORD:
		out->target.sentinel_password_file = arg;
		return -1;
	case OPT_TIMEOUT:
		if (!parse_number(arg, 60000, &number))
			return usage_error("bad --redis-timeout", arg);
		out->target.timeout_ms = (unsigned)number;
		return -1;
	}
	usage(stderr);
	return EX_USAGE;
}

static int take_option(int opt, const char *arg, void *context)
{
	struct shipper_options *out = context;
	int64_t number;

	switch (opt) {
	case OPT_PREFIX:
		if (!plain_name(arg, SHIPPER_PREFIX_MAX, true))
			return usage_error("bad --prefix", arg);
		out->prefix = arg;
		return -1;
	case OPT_HOST:
		if (!plain_name(arg, SHIPPER_HOST_MAX, false))
			return usage_error("bad --host", arg);
		snprintf(out->host, sizeof(out->host), "%s", arg);
		return -1;
	case OPT_MAX_AGE:
		if (!parse_number(arg, INT64_MAX / 60, &number))
			return usage_error("bad --max-age", arg);
		out->max_age = relay_minutes_to_seconds(number);
		return -1;
	case 'f': out->store_path = arg; return -1;
	case 'v': out->verbose = true; return -1;
	}
	return take_target(opt, arg, out);
}

/* getopt names a bad option itself here; only the usage follows. */
static const struct relay_option_set option_set = {
	"relayers-shipper", usage, "f:v", long_options, take_option, true
};

int shipper_parse_options(int argc, char **argv, struct shipper_options *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->store_path = RELAY_DEFAULT_STORE;
	out->prefix = REDIS_DEFAULT_PREFIX;
	out->max_age = -1;
	out->target.timeout_ms = SHIPPER_DEFAULT_TIMEOUT_MS;
	rc = relay_option_parse(&option_set, argc, argv, out);
	return rc >= 0 ? rc : check(out);
}
