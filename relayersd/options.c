#include "options.h"

#include <stdio.h>
#include <string.h>

#include "option_parse.h"
#include "redis_link.h"
#include "stamp.h"
#include "store.h"

enum long_only { OPT_MAX_AGE = 256,
		 OPT_LISTEN,
		 OPT_USER,
		 OPT_MAX_CONN,
		 OPT_IDLE,
		 OPT_REQUEST,
		 OPT_MODE,
		 OPT_GROUP,
		 OPT_REDIS,
		 OPT_SENTINEL,
		 OPT_MASTER,
		 OPT_PASSWORD,
		 OPT_PREFIX,
		 OPT_SENTINEL_PASSWORD };

static const struct option long_options[] = {
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "user", required_argument, NULL, OPT_USER },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONN },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "request-timeout", required_argument, NULL, OPT_REQUEST },
	{ "socket-mode", required_argument, NULL, OPT_MODE },
	{ "socket-group", required_argument, NULL, OPT_GROUP },
	REDIS_LINK_OPTIONS(OPT_REDIS, OPT_SENTINEL, OPT_MASTER, OPT_PASSWORD,
			   OPT_SENTINEL_PASSWORD),
	{ "redis-prefix", required_argument, NULL, OPT_PREFIX },
	RELAY_OPTIONS_SHARED,
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: relayersd [-f STORE] [--max-age MINUTES] [--listen ADDRESS]...\n"
		"                 [--user USER] [-v]\n"
		"       relayersd (--redis HOST:PORT | --redis-sentinel HOST:PORT[,...]\n"
		"                 --redis-master NAME) [--redis-password-file PATH] ...\n"
		"\n"
		"Answers sendmail's socket map and Postfix's socketmap: table from the\n"
		"relay store (%s unless -f names another): OK and the\n"
		"login time for a client address in the store, NOTFOUND otherwise, TEMP\n"
		"when the store cannot be read.  ADDRESS is unix:PATH (default\n"
		"%s) or inet:HOST:PORT; under systemd socket\n"
		"activation it serves the sockets it is handed.\n"
		"\n"
		"options:\n"
		"  -f STORE                 the relay store\n"
		"  --max-age MINUTES        entries older than this are NOTFOUND\n"
		"  --listen ADDRESS         where to listen (repeatable, up to %d)\n"
		"  --user USER              run as USER once the sockets are bound\n"
		"  --socket-group GROUP     group of a unix socket (default USER's)\n"
		"  --socket-mode MODE       mode of a unix socket (default %04o)\n"
		"  --max-connections N      connections served at once (default %d)\n"
		"  --idle-timeout SECONDS   close a connection idle this long\n"
		"                           (default %d; 0: never)\n"
		"  --request-timeout SECONDS  cut off a client stalled mid-request\n"
		"                           (default %d)\n"
		"  --redis HOST:PORT        answer from Redis, not the store\n"
		"  --redis-sentinel LIST    ask these Sentinels for the primary\n"
		"  --redis-master NAME      the primary's name at the Sentinels\n"
		"  --redis-password-file PATH  \"USER PASSWORD\" or \"PASSWORD\", mode 0600\n"
		"  --redis-sentinel-password-file PATH  the same, for the Sentinels\n"
		"  --redis-prefix PREFIX    key prefix (default " REDIS_DEFAULT_PREFIX ")\n"
		"  -v, --verbose            log every lookup, and to stderr\n"
		"  --help                   this summary\n"
		"  --version                the version\n",
		RELAY_DEFAULT_STORE, RELAYERSD_DEFAULT_SOCKET,
		RELAYERSD_LISTEN_MAX, RELAYERSD_DEFAULT_SOCKET_MODE,
		RELAYERSD_DEFAULT_MAX_CONNECTIONS, RELAYERSD_DEFAULT_IDLE_TIMEOUT,
		RELAYERSD_DEFAULT_REQUEST_TIMEOUT);
}

static int usage_error(const char *problem, const char *arg)
{
	return relay_option_refuse("relayersd", usage, problem, arg);
}

static bool parse_mode(const char *text, mode_t *out)
{
	unsigned long value = 0;

	if (*text == '\0' || strlen(text) > 4)
		return false;
	for (const char *c = text; *c != '\0'; c++) {
		if (*c < '0' || *c > '7')
			return false;
		value = value * 8 + (unsigned long)(*c - '0');
	}
	if (value > 0777)
		return false;
	*out = (mode_t)value;
	return true;
}

static bool listen_form_ok(const char *address)
{
	return strncmp(address, "unix:/", 6) == 0 ||
	       (strncmp(address, "inet:", 5) == 0 && strrchr(address, ':') > address + 5);
}

static int take_option(int opt, const char *arg, void *context)
{
	struct relayersd_options *out = context;
	int64_t n;

	switch (opt) {
	case 'f': out->store_path = arg; return -1;
	case 'v': out->verbose = true; return -1;
	case OPT_MAX_AGE:
		if (!relay_option_number(arg, 0, INT64_MAX, &n))
			return usage_error("--max-age needs whole minutes, not", arg);
		out->max_age = relay_minutes_to_seconds(n);
		return -1;
	case OPT_LISTEN:
		if (!listen_form_ok(arg))
			return usage_error("--listen takes unix:/PATH or "
					   "inet:HOST:PORT, not",
					   arg);
		if (out->listen_count == RELAYERSD_LISTEN_MAX)
			return usage_error("too many --listen addresses", NULL);
		out->listen[out->listen_count++] = arg;
		out->listen_given = true;
		return -1;
	case OPT_USER: out->user = arg; return -1;
	case OPT_GROUP: out->socket_group = arg; return -1;
	case OPT_MODE:
		if (!parse_mode(arg, &out->socket_mode))
			return usage_error("--socket-mode takes an octal mode, not",
					   arg);
		return -1;
	case OPT_MAX_CONN:
		if (!relay_option_number(arg, 1, RELAYERSD_MAX_CONNECTIONS_LIMIT, &n))
			return usage_error("--max-connections takes 1 to 1000000, not",
					   arg);
		out->max_connections = (unsigned)n;
		return -1;
	case OPT_IDLE:
		if (!relay_option_number(arg, 0, 86400 * 7, &n))
			return usage_error("--idle-timeout takes 0 to 604800 seconds, not",
					   arg);
		out->idle_timeout = (unsigned)n;
		return -1;
	case OPT_REQUEST:
		if (!relay_option_number(arg, 1, 600, &n))
			return usage_error("--request-timeout takes 1 to 600 seconds, not",
					   arg);
		out->request_timeout = (unsigned)n;
		return -1;
	case OPT_REDIS: {
		char host[256];
		int port;

		if (!redis_parse_address(arg, host, sizeof(host), &port))
			return usage_error("--redis takes HOST:PORT, not", arg);
		out->redis = arg;
		return -1;
	}
	case OPT_SENTINEL: out->redis_sentinels = arg; return -1;
	case OPT_MASTER: out->redis_master = arg; return -1;
	case OPT_PASSWORD: out->redis_password_file = arg; return -1;
	case OPT_PREFIX: out->redis_prefix = arg; return -1;
	case OPT_SENTINEL_PASSWORD:
		out->redis_sentinel_password_file = arg;
		return -1;
	}
	return usage_error("unknown option", NULL);
}

static const struct relay_option_set option_set = {
	"relayersd", usage, "f:v", long_options, take_option, false
};

int relayersd_parse_options(int argc, char **argv, struct relayersd_options *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->store_path = RELAY_DEFAULT_STORE;
	out->max_age = -1;
	out->socket_mode = RELAYERSD_DEFAULT_SOCKET_MODE;
	out->max_connections = RELAYERSD_DEFAULT_MAX_CONNECTIONS;
	out->idle_timeout = RELAYERSD_DEFAULT_IDLE_TIMEOUT;
	out->request_timeout = RELAYERSD_DEFAULT_REQUEST_TIMEOUT;
	rc = relay_option_parse(&option_set, argc, argv, out);
	if (rc >= 0)
		return rc;
	if (out->redis != NULL && out->redis_sentinels != NULL)
		return usage_error("--redis and --redis-sentinel exclude each other",
				   NULL);
	if ((out->redis_sentinels != NULL) != (out->redis_master != NULL))
		return usage_error("--redis-sentinel and --redis-master go together",
				   NULL);
	if (out->redis == NULL && out->redis_sentinels == NULL &&
	    (out->redis_password_file != NULL || out->redis_prefix != NULL))
		return usage_error("--redis-password-file and --redis-prefix need "
				   "--redis or --redis-sentinel",
				   NULL);
	if (out->redis_sentinels == NULL &&
	    out->redis_sentinel_password_file != NULL)
		return usage_error("--redis-sentinel-password-file needs "
				   "--redis-sentinel",
				   NULL);
	if (out->listen_count == 0)
		out->listen[out->listen_count++] = RELAYERSD_DEFAULT_LISTEN;
	return -1;
}
