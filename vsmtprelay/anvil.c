/* Talking to anvil: check the socket can be trusted, connect with a
 * timeout, send CONNECT-DUMP, and read the whole answer, bounded in size
 * and in time, before parsing any of it (anvil_parse.c). */
#include "anvil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"

#define ANVIL_REQUEST "VERSION\tanvil\t1\t0\nCONNECT-DUMP\n"
#define READ_CHUNK 65536
#define CLOSED_AT_ONCE "closed the connection without an answer (not " \
		       "Dovecot 2.3's anvil protocol?); nothing was changed"

static enum anvil_status fail(struct anvil_error *err, enum anvil_status status,
			      const char *path, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

static enum anvil_status fail(struct anvil_error *err, enum anvil_status status,
			      const char *path, const char *format, ...)
{
	char shown[RELAY_ESCAPE_TEXT_MAX], why[384];
	va_list ap;

	va_start(ap, format);
	vsnprintf(why, sizeof(why), format, ap);
	va_end(ap);
	err->status = status;
	snprintf(err->text, sizeof(err->text), "anvil %s: %s",
		 relay_escape_str(path, shown), why);
	return status;
}

static bool owner_trusted(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* Whoever may connect to anvil may tell it of sessions (CONNECT), and
 * whoever may change the directory may put another socket there: both
 * could make refresh open the relay for any address. */
static enum anvil_status check_socket(const char *path, struct anvil_error *err)
{
	char dir[PATH_MAX], *slash;
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return fail(err, ANVIL_ABSENT, path,
				    "no such socket: is Dovecot running, and "
				    "is this its base_dir?");
		return fail(err, errno == EACCES ? ANVIL_DENIED : ANVIL_FAILED,
			    path, "%m");
	}
	if (!S_ISSOCK(st.st_mode))
		return fail(err, ANVIL_INSECURE, path,
			    "not a socket; refusing it");
	if (!owner_trusted(&st) || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return fail(err, ANVIL_INSECURE, path,
			    "owned by uid %u with mode %03o: only root (or the "
			    "caller) may own it and write to it, or anyone could "
			    "invent sessions; refusing it",
			    (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
	if (strlen(path) >= sizeof(dir))
		return fail(err, ANVIL_USAGE, path, "path too long");
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) != 0)
		return fail(err, ANVIL_FAILED, path, "its directory: %m");
	if (!owner_trusted(&st) || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return fail(err, ANVIL_INSECURE, path,
			    "its directory is owned by uid %u with mode %03o: "
			    "others could replace the socket; refusing it",
			    (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
	return ANVIL_OK;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A blocking connect bounded by SO_SNDTIMEO (Linux applies it to a
 * unix socket's connect when the listener's backlog is full), then
 * non-blocking I/O under poll() for the rest. */
static enum anvil_status connect_anvil(const char *path, unsigned timeout_ms,
				       int *out, struct anvil_error *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return fail(err, ANVIL_USAGE, path,
			    "path longer than a socket name may be");
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, ANVIL_FAILED, path, "socket: %m");
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;

		close(fd);
		if (e == ECONNREFUSED || e == ENOENT)
			return fail(err, ANVIL_ABSENT, path,
				    "nobody listens (%s): is Dovecot stopped?",
				    strerror(e));
		if (e == EAGAIN || e == EINPROGRESS || e == ETIMEDOUT)
			return fail(err, ANVIL_TIMEOUT, path,
				    "no connection within %u ms", timeout_ms);
		if (e == EACCES || e == EPERM)
			return fail(err, ANVIL_DENIED, path,
				    "%s (it is root's: run as root)", strerror(e));
		return fail(err, ANVIL_FAILED, path, "connect: %s", strerror(e));
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		close(fd);
		return fail(err, ANVIL_FAILED, path, "fcntl: %m");
	}
	*out = fd;
	return ANVIL_OK;
}

/* Waits for fd to be ready for events until the deadline. */
static enum anvil_status wait_for(int fd, short events, long long deadline,
				  const char *path, unsigned timeout_ms,
				  struct anvil_error *err)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left = deadline - now_ms();
	int n;

	if (left <= 0)
		return fail(err, ANVIL_TIMEOUT, path,
			    "no whole answer within %u ms", timeout_ms);
	n = poll(&p, 1, (int)(left > INT_MAX ? INT_MAX : left));
	if (n == 0)
		return fail(err, ANVIL_TIMEOUT, path,
			    "no whole answer within %u ms", timeout_ms);
	if (n < 0 && errno != EINTR)
		return fail(err, ANVIL_FAILED, path, "poll: %m");
	return ANVIL_OK;
}

static enum anvil_status send_request(int fd, long long deadline,
				      const char *path, unsigned timeout_ms,
				      struct anvil_error *err)
{
	const char *left = ANVIL_REQUEST;
	size_t len = strlen(left);

	while (len > 0) {
		ssize_t n = send(fd, left, len, MSG_NOSIGNAL);
		enum anvil_status status;

		if (n > 0) {
			left += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno == EPIPE || errno == ECONNRESET ? fail(err, ANVIL_PROTOCOL, path, CLOSED_AT_ONCE) : fail(err, ANVIL_FAILED, path, "sending the request: %m");
		status = wait_for(fd, POLLOUT, deadline, path, timeout_ms, err);
		if (status != ANVIL_OK)
			return status;
	}
	return ANVIL_OK;
}

/* The answer ends with its first empty line: "\n" at the start, or
 * "\n\n" anywhere.  Only the bytes just read (and the one before them)
 * need looking at. */
static bool answer_complete(const char *buf, size_t from, size_t len,
			    size_t *end)
{
	if (from == 0 && len > 0 && buf[0] == '\n') {
		*end = 1;
		return true;
	}
	for (size_t i = from ? from - 1 : 0; i + 1 < len; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n') {
			*end = i + 2;
			return true;
		}
	}
	return false;
}

struct reading {
	char *buf;
	size_t len, cap, end;
};

/* One recv().  *done says whether the answer is whole. */
static enum anvil_status read_some(int fd, struct reading *r, const char *path,
				   bool *done, struct anvil_error *err)
{
	ssize_t n;

	if (r->cap - r->len < READ_CHUNK) {
		size_t want = r->cap ? r->cap * 2 : 2 * READ_CHUNK;
		char *more;

		if (want > ANVIL_ANSWER_MAX + 1)
			want = ANVIL_ANSWER_MAX + 1;
		more = realloc(r->buf, want);
		if (more == NULL)
			return fail(err, ANVIL_NOMEM, path,
				    "out of memory for its answer");
		r->buf = more;
		r->cap = want;
	}
	n = recv(fd, r->buf + r->len, r->cap - r->len, 0);
	if (n > 0) {
		size_t from = r->len;

		r->len += (size_t)n;
		*done = answer_complete(r->buf, from, r->len, &r->end);
		if (!*done && r->len > ANVIL_ANSWER_MAX)
			return fail(err, ANVIL_PROTOCOL, path,
				    "answer longer than %u bytes; nothing was "
				    "changed",
				    ANVIL_ANSWER_MAX);
		return ANVIL_OK;
	}
	/* anvil closes a client that speaks another protocol version, and
	 * a close with our request unread arrives as a reset. */
	if (n == 0 || errno == ECONNRESET)
		return fail(err, ANVIL_PROTOCOL, path,
			    r->len == 0 ? CLOSED_AT_ONCE : "closed the connection in the middle of its answer "
							   "(Dovecot stopping?); nothing was changed");
	if (errno == EAGAIN || errno == EINTR)
		return ANVIL_OK;
	return fail(err, ANVIL_FAILED, path, "reading: %m");
}

static enum anvil_status read_answer(int fd, long long deadline,
				     const char *path, unsigned timeout_ms,
				     struct reading *r, struct anvil_error *err)
{
	for (;;) {
		bool done = false;
		enum anvil_status status = read_some(fd, r, path, &done, err);

		if (status != ANVIL_OK || done)
			return status;
		status = wait_for(fd, POLLIN, deadline, path, timeout_ms, err);
		if (status != ANVIL_OK)
			return status;
	}
}

enum anvil_status anvil_fetch_sessions(const char *path, unsigned timeout_ms,
				       struct anvil_sessions *out,
				       struct anvil_error *err)
{
	long long deadline = now_ms() + timeout_ms;
	struct reading r = { 0 };
	enum anvil_status status;
	int fd = -1;

	memset(out, 0, sizeof(*out));
	status = check_socket(path, err);
	if (status == ANVIL_OK)
		status = connect_anvil(path, timeout_ms, &fd, err);
	if (status == ANVIL_OK)
		status = send_request(fd, deadline, path, timeout_ms, err);
	if (status == ANVIL_OK)
		status = read_answer(fd, deadline, path, timeout_ms, &r, err);
	if (fd >= 0)
		close(fd);
	if (status == ANVIL_OK)
		status = anvil_parse_answer(r.buf, r.end, out, err);
	if (status != ANVIL_OK) {
		free(r.buf);
		return status;
	}
	out->answer = r.buf;
	return ANVIL_OK;
}
