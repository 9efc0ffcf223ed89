#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

static bool add(struct listener_set *set, int fd, const char *name,
		const char *created_path)
{
	struct listener *l;

	if (set->count == LISTENERS_MAX)
		return false;
	l = &set->items[set->count];
	l->fd = fd;
	l->name = strdup(name);
	l->created_path = created_path != NULL ? strdup(created_path) : NULL;
	if (l->name == NULL || (created_path != NULL && l->created_path == NULL)) {
		free(l->name);
		free(l->created_path);
		return false;
	}
	set->count++;
	return true;
}

static bool make_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 &&
	       fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

/* A handed descriptor must be a listening stream socket: anything else
 * means a unit file that does not match this program. */
static bool is_stream_listener(int fd)
{
	int type = 0, listening = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    type != SOCK_STREAM)
		return false;
	len = sizeof(listening);
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 &&
	       listening == 1;
}

int listeners_from_systemd(struct listener_set *set, char *why, size_t whylen)
{
	const char *pid_text = getenv("LISTEN_PID"), *fds_text = getenv("LISTEN_FDS");
	char *end;
	long pid, n;

	if (pid_text == NULL || fds_text == NULL)
		return 0;
	pid = strtol(pid_text, &end, 10);
	if (*pid_text == '\0' || *end != '\0' || pid != (long)getpid())
		return 0; /* meant for another process */
	n = strtol(fds_text, &end, 10);
	/* Children must not take these for their own. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (*fds_text == '\0' || *end != '\0' || n < 0 || n > LISTENERS_MAX) {
		snprintf(why, whylen, "LISTEN_FDS=%s is not a count up to %d",
			 fds_text, LISTENERS_MAX);
		return -1;
	}
	for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
		char name[32];

		if (!is_stream_listener(fd) || !make_nonblocking(fd)) {
			snprintf(why, whylen, "descriptor %d from systemd is not "
					      "a listening stream socket",
				 fd);
			return -1;
		}
		snprintf(name, sizeof(name), "systemd socket %d", fd);
		if (!add(set, fd, name, NULL)) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
	}
	return (int)n;
}

/* The socket's directory: made if missing, refused if others may write
 * it (sendmail refuses such a socket, and anyone could swap it). */
static bool safe_directory(const char *path, const struct socket_owner *owner,
			   char *why, size_t whylen)
{
	char copy[PATH_MAX], *dir;
	struct stat st;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) != 0 && errno == ENOENT) {
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			snprintf(why, whylen, "cannot make %s: %m", dir);
			return false;
		}
		/* Ours to serve from: the server may remove its socket at exit
		 * after it has stopped being root. */
		if (geteuid() == 0 && chown(dir, owner->uid, owner->gid) != 0) {
			snprintf(why, whylen, "cannot chown %s: %m", dir);
			return false;
		}
	}
	if (stat(dir, &st) != 0) {
		snprintf(why, whylen, "%s: %m", dir);
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s is not a directory", dir);
		return false;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, whylen, "%s is writable by group or others (mode "
				      "%03o): a socket there is not safe, and sendmail refuses it",
			 dir, (unsigned)(st.st_mode & 07777));
		return false;
	}
	return true;
}

/* A path that holds a socket nobody listens on is a leftover of a
 * crash and may go; anything else stays, and the bind is refused. */
static bool clear_stale(const struct sockaddr_un *sun, char *why, size_t whylen)
{
	struct stat st;
	int probe, connected;

	if (lstat(sun->sun_path, &st) != 0)
		return errno == ENOENT ||
		       (snprintf(why, whylen, "%s: %m", sun->sun_path), false);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(why, whylen, "%s exists and is not a socket; "
				      "refusing to replace it",
			 sun->sun_path);
		return false;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0) {
		snprintf(why, whylen, "socket: %m");
		return false;
	}
	connected = connect(probe, (const struct sockaddr *)sun, sizeof(*sun));
	close(probe);
	if (connected == 0) {
		snprintf(why, whylen, "%s is in use by another server",
			 sun->sun_path);
		return false;
	}
	if (errno != ECONNREFUSED) {
		snprintf(why, whylen, "%s: cannot tell whether it is stale: %m",
			 sun->sun_path);
		return false;
	}
	if (unlink(sun->sun_path) != 0 && errno != ENOENT) {
		snprintf(why, whylen, "cannot remove stale %s: %m", sun->sun_path);
		return false;
	}
	rd_log(LOG_NOTICE, "removed stale socket %s", sun->sun_path);
	return true;
}

/* Root gives the socket to the serving user and group; anyone else
 * can only change its group to one of their own. */
static bool set_socket_owner(const char *path, const struct socket_owner *owner)
{
	if (geteuid() == 0)
		return chown(path, owner->uid, owner->group) == 0;
	if (owner->group == getegid())
		return true;
	return chown(path, (uid_t)-1, owner->group) == 0;
}

static int bind_unix(const char *path, const struct socket_owner *owner,
		     char *why, size_t whylen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int fd, bound;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(why, whylen, "socket path %s is too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (!safe_directory(path, owner, why, whylen) ||
	    !clear_stale(&sun, why, whylen))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "socket: %m");
		return -1;
	}
	/* Born owner-only; opened to the group below, once it is ours. */
	old_mask = umask(0177);
	bound = bind(fd, (const struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (bound != 0) {
		snprintf(why, whylen, "bind %s: %m", path);
		close(fd);
		return -1;
	}
	if (!set_socket_owner(path, owner) || chmod(path, owner->mode) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		snprintf(why, whylen, "setting up %s: %m", path);
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

/* "HOST:PORT", HOST a name, an IPv4 literal, or IPv6 in brackets. */
static int bind_inet(const char *spec, char *why, size_t whylen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	char host[256];
	const char *colon = strrchr(spec, ':');
	struct addrinfo *found = NULL;
	size_t host_len = (size_t)(colon - spec);
	int fd, one = 1, rc;

	if (host_len >= sizeof(host) || host_len == 0) {
		snprintf(why, whylen, "inet:%s: no host", spec);
		return -1;
	}
	memcpy(host, spec, host_len);
	host[host_len] = '\0';
	if (host[0] == '[' && host[host_len - 1] == ']') {
		memmove(host, host + 1, host_len - 2);
		host[host_len - 2] = '\0';
	}
	rc = getaddrinfo(host, colon + 1, &hints, &found);
	if (rc != 0) {
		snprintf(why, whylen, "inet:%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, found->ai_addr, found->ai_addrlen) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		snprintf(why, whylen, "inet:%s: %m", spec);
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(found);
	return fd;
}

bool listener_bind(struct listener_set *set, const char *address,
		   const struct socket_owner *owner, char *why, size_t whylen)
{
	bool is_unix = strncmp(address, "unix:", 5) == 0;
	const char *rest = address + 5;
	int fd = is_unix ? bind_unix(rest, owner, why, whylen)
			 : bind_inet(rest, why, whylen);

	if (fd < 0)
		return false;
	if (!add(set, fd, address, is_unix ? rest : NULL)) {
		snprintf(why, whylen, "too many sockets, or out of memory");
		if (is_unix)
			unlink(rest);
		close(fd);
		return false;
	}
	return true;
}

void listeners_close(struct listener_set *set)
{
	for (int i = 0; i < set->count; i++) {
		struct listener *l = &set->items[i];

		close(l->fd);
		if (l->created_path != NULL && unlink(l->created_path) != 0 &&
		    errno != ENOENT)
			rd_log(LOG_WARNING, "cannot remove %s: %m (the next start "
					    "removes it as stale)",
			       l->created_path);
		free(l->created_path);
		free(l->name);
	}
	set->count = 0;
}
