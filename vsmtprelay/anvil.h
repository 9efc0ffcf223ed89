/* A client for Dovecot 2.3's anvil process, which keeps the list of the
 * IMAP and POP3 sessions that are logged in right now (what
 * `doveadm who` shows).  The protocol, read in Dovecot 2.3.19's
 * src/anvil/anvil-connection.c, connect-limit.c and
 * src/doveadm/doveadm-who.c:
 *
 *   request  "VERSION\tanvil\t1\t0\n" "CONNECT-DUMP\n"
 *   answer   one line per session process, then an empty line:
 *            IDENT "\t" PID "\t" REFCOUNT "\n" ... "\n"
 *
 * IDENT is tab-escaped (\001 followed by 1, t, r or n stands for \001,
 * TAB, CR, LF) and, unescaped, reads SERVICE "/" IP "/" USER for imap
 * and pop3, where USER is tab-escaped once more; other services (lmtp)
 * write SERVICE "/" USER.  Anvil keeps the connection open after the
 * empty line, so the answer ends there, not at EOF.
 *
 * Everything anvil sends is treated as hostile: every length is bounded
 * and every field is checked before any of it is used. */
#ifndef VSMTPRELAY_ANVIL_H
#define VSMTPRELAY_ANVIL_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

/* Dovecot's default base_dir is /run/dovecot. */
#define ANVIL_DEFAULT_PATH "/run/dovecot/anvil"

/* The longest wait for anvil: connecting, and its whole answer. */
#define ANVIL_TIMEOUT_MS 5000

/* Bounds on the answer.  Anvil reads requests of at most 1024 bytes, so
 * an ident (escaped once more in the dump) stays well below a line's
 * bound; 16 MiB holds some 300,000 sessions. */
#define ANVIL_ANSWER_MAX (16u << 20)
#define ANVIL_LINE_MAX 4096

enum anvil_status {
	ANVIL_OK = 0,
	ANVIL_ABSENT,	/* no socket, or nobody listening: Dovecot down */
	ANVIL_INSECURE, /* not a socket, or others may write to it */
	ANVIL_DENIED,	/* we may not connect (not root) */
	ANVIL_TIMEOUT,	/* no whole answer in time */
	ANVIL_PROTOCOL, /* an answer that is not anvil's */
	ANVIL_USAGE,	/* a path that cannot name a socket */
	ANVIL_NOMEM,
	ANVIL_FAILED, /* any other system error */
};

struct anvil_error {
	enum anvil_status status;
	char text[512];
};

/* One session process that anvil lists with a client address. */
struct anvil_session {
	const char *service; /* "imap" or "pop3" */
	const char *user;    /* unescaped; may hold any byte but NUL */
	struct relay_addr addr;
	unsigned long pid;
	unsigned long count; /* connections of that process */
};

struct anvil_sessions {
	struct anvil_session *item;
	size_t count;
	size_t lines;	      /* every line anvil sent */
	size_t without_addr;  /* imap/pop3 lines with no client address */
	size_t other_service; /* lines of services that are no login */
	char *answer;	      /* owns the text the sessions point into */
};

/* Checks that path is a socket owned by root or the caller that no one
 * else may write to (whoever may connect can tell anvil of sessions that
 * do not exist), in a directory only root or the caller may change;
 * then asks anvil for its sessions, reads the whole answer within
 * timeout_ms and parses every line.  On any failure nothing is returned
 * and err says why: a partial list is never handed back. */
enum anvil_status anvil_fetch_sessions(const char *path, unsigned timeout_ms,
				       struct anvil_sessions *out,
				       struct anvil_error *err);

/* Parses an answer (len bytes, the final empty line included) in place:
 * the sessions point into text, which must outlive them. */
enum anvil_status anvil_parse_answer(char *text, size_t len,
				     struct anvil_sessions *out,
				     struct anvil_error *err);

void anvil_sessions_free(struct anvil_sessions *sessions);

#endif
