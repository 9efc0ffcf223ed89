/* relayersd's command line. */
#ifndef RELAYERSD_OPTIONS_H
#define RELAYERSD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define RELAYERSD_DEFAULT_SOCKET "/run/relayers/socketmap"
#define RELAYERSD_DEFAULT_LISTEN "unix:" RELAYERSD_DEFAULT_SOCKET
#define RELAYERSD_LISTEN_MAX 16

/* sendmail keeps its connection for a whole SMTP session and fails the
 * next lookup if the server closed it, so an idle connection is kept
 * for an hour: sendmail's own idle limit for an SMTP command. */
#define RELAYERSD_DEFAULT_IDLE_TIMEOUT 3600
/* A request or a reply that is begun must be done within this long. */
#define RELAYERSD_DEFAULT_REQUEST_TIMEOUT 5
#define RELAYERSD_DEFAULT_MAX_CONNECTIONS 4096
#define RELAYERSD_MAX_CONNECTIONS_LIMIT 1000000
#define RELAYERSD_DEFAULT_SOCKET_MODE 0660

struct relayersd_options {
	const char *store_path;
	int64_t max_age; /* seconds, or -1 for no window */
	const char *listen[RELAYERSD_LISTEN_MAX];
	int listen_count;
	bool listen_given;	  /* --listen on the command line */
	const char *user;	  /* NULL: keep the starting user */
	const char *socket_group; /* NULL: the serving user's group */
	mode_t socket_mode;
	unsigned max_connections;
	unsigned idle_timeout;	  /* seconds; 0: never */
	unsigned request_timeout; /* seconds */
	bool verbose;
	/* Lookups from Redis (redis_view.h) instead of the store. */
	const char *redis;	     /* HOST:PORT */
	const char *redis_sentinels; /* HOST:PORT[,HOST:PORT...] */
	const char *redis_master;
	const char *redis_password_file;
	const char *redis_sentinel_password_file;
	const char *redis_prefix;
};

/* Returns -1 to go on, or the status to exit with at once (0 after
 * --help or --version, EX_USAGE after a message on stderr). */
int relayersd_parse_options(int argc, char **argv, struct relayersd_options *out);

#endif
