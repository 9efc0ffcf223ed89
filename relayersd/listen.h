/* The sockets relayersd serves: unix and inet sockets it binds itself,
 * or those systemd hands it (socket activation, sd_listen_fds(3)'s
 * protocol: LISTEN_PID, LISTEN_FDS, descriptors from 3 on). */
#ifndef RELAYERSD_LISTEN_H
#define RELAYERSD_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LISTENERS_MAX 64
#define SD_LISTEN_FDS_START 3

struct listener {
	int fd;
	char *created_path; /* a unix socket this process made, or NULL */
	char *name;	    /* for log lines */
};

struct listener_set {
	struct listener items[LISTENERS_MAX];
	int count;
};

/* Who the unix sockets (and a socket directory made for them) belong
 * to, and their mode. */
struct socket_owner {
	uid_t uid;
	gid_t gid;
	gid_t group; /* the socket's group */
	mode_t mode;
};

/* Takes the sockets systemd passed to this process.  Returns their
 * number (0 when none were passed), or -1 with why filled in. */
int listeners_from_systemd(struct listener_set *set, char *why, size_t whylen);

/* Binds and listens on "unix:/PATH" or "inet:HOST:PORT".  A unix
 * socket's directory must not be group- or world-writable (it is made,
 * mode 0755, if missing); a path that holds anything but a stale socket
 * is refused, and a live socket too.  False with why filled in. */
bool listener_bind(struct listener_set *set, const char *address,
		   const struct socket_owner *owner, char *why, size_t whylen);

/* Closes every socket; removes the unix sockets this process made. */
void listeners_close(struct listener_set *set);

#endif
