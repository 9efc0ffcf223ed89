/* A connection to the Redis primary that holds the shared relay view
 * (docs/scaling.md): straight to HOST:PORT, or to the primary a Sentinel
 * names, authenticated with an ACL user and password read from a file
 * only root or the caller can read (the Sentinels with their own file).  Every connect and command is bounded
 * by one timeout.  Shared by relayers-shipper (writes) and relayersd
 * (lookups); the login path never links it.
 *
 * The layout: one hash per address, key PREFIX + the address's store key
 * (relayers:192.0.2.7), one field per POP/IMAP host (its --host name),
 * value that host's epoch stamp.  A host writes and deletes only its own
 * field, so no host's write or delete touches another's login; a lookup
 * takes the newest stamp of all fields.  The key expires at the newest
 * stamp plus the relay window. */
#ifndef RELAYERS_REDIS_LINK_H
#define RELAYERS_REDIS_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#define REDIS_DEFAULT_PREFIX "relayers:"
#define REDIS_SENTINELS_MAX 8
#define REDIS_USER_MAX 128
#define REDIS_PASSWORD_MAX 512

struct redis_credentials {
	bool given;
	char user[REDIS_USER_MAX]; /* empty: Redis's default user */
	char password[REDIS_PASSWORD_MAX];
};

struct redis_target {
	const char *address;		    /* HOST:PORT, or NULL with sentinels */
	const char *sentinels;		    /* HOST:PORT[,HOST:PORT...] */
	const char *master;		    /* the primary's name at the Sentinels */
	const char *password_file;	    /* NULL: no AUTH */
	const char *sentinel_password_file; /* NULL: Sentinels without AUTH */
	/* Loaded by the caller from sentinel_password_file; NULL: no AUTH. */
	const struct redis_credentials *sentinel_cred;
	unsigned timeout_ms; /* each connect and each command */
};

/* The long options relayersd and the shipper both take to say where
 * Redis is, for their getopt_long tables; each names the codes. */
#define REDIS_LINK_OPTIONS(address, sentinels, master, password_file,              \
			   sentinel_password_file)                                 \
	{ "redis", required_argument, NULL, address },                             \
		{ "redis-sentinel", required_argument, NULL, sentinels },          \
		{ "redis-master", required_argument, NULL, master },               \
		{ "redis-password-file", required_argument, NULL, password_file }, \
	{                                                                          \
		"redis-sentinel-password-file", required_argument, NULL,           \
			sentinel_password_file                                     \
	}

/* Splits HOST:PORT (an IPv6 host in brackets); false on anything else. */
bool redis_parse_address(const char *text, char *host, size_t hostlen,
			 int *port);

/* Reads path: one line, "USER PASSWORD" or "PASSWORD" alone.  The file
 * must be a regular file owned by root or the caller that no one else
 * can read or write.  False with why filled in otherwise. */
bool redis_credentials_load(const char *path, struct redis_credentials *out,
			    char *why, size_t whylen);

/* Connects to the primary (asking the Sentinels first when the target
 * names them), authenticates and checks that the server is a primary.
 * NULL with why filled in on any failure. */
redisContext *redis_link_open(const struct redis_target *target,
			      const struct redis_credentials *cred,
			      char *why, size_t whylen);

/* A reply's error, or the context's, as a few words for a log line;
 * NULL when reply is a usable reply of the wanted type. */
const char *redis_reply_fault(redisContext *c, const redisReply *reply,
			      int wanted_type);

#endif
