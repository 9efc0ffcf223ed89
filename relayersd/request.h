/* The socketmap protocol that sendmail's "socket" map class and
 * Postfix's socketmap: table share: a netstring "LEN:NAME KEY," asks,
 * a netstring "LEN:OK VALUE," (or NOTFOUND, TEMP, PERM) answers.
 *
 * The parser works on the bytes a connection has buffered so far, so
 * that a request may arrive in any number of pieces, and several may
 * arrive at once (pipelined).  It touches nothing but its arguments:
 * the fuzzer drives it directly. */
#ifndef RELAYERSD_REQUEST_H
#define RELAYERSD_REQUEST_H

#include <stddef.h>

/* The longest request payload ("NAME KEY") served.  A key is a client
 * address (at most RELAY_ADDR_INPUT_MAX bytes is ever one), a name is a
 * sendmail K line's or a Postfix table's: 512 leaves room for both.
 * Anything longer is refused at the length prefix, unread. */
#define SOCKETMAP_PAYLOAD_MAX 512

/* The longest framed request: 3 digits, ':', payload, ','. */
#define SOCKETMAP_REQUEST_MAX (3 + 1 + SOCKETMAP_PAYLOAD_MAX + 1)

/* The longest reply this server writes (status, space, text, frame).
 * Postfix accepts up to 100,000 bytes; sendmail up to its buffer. */
#define SOCKETMAP_REPLY_MAX 256

enum socketmap_parse {
	SOCKETMAP_INCOMPLETE, /* a prefix of a valid request: read on */
	SOCKETMAP_COMPLETE,   /* one request; *consumed bytes used */
	SOCKETMAP_MALFORMED,  /* never a request: answer PERM, close */
};

struct socketmap_request {
	const char *name; /* the map's name, as the MTA sent it */
	size_t name_len;  /* at least 1 */
	const char *key;  /* what follows the first space; may be empty */
	size_t key_len;
};

/* Parses the first request in buf[0..len).  On SOCKETMAP_COMPLETE, req
 * points into buf and *consumed is the request's framed length.  On
 * SOCKETMAP_MALFORMED, *problem says why, in a few words. */
enum socketmap_parse socketmap_parse(const char *buf, size_t len,
				     struct socketmap_request *req,
				     size_t *consumed, const char **problem);

/* Writes the reply netstring "LEN:STATUS TEXT," into out (room bytes),
 * text cut so that the whole fits in SOCKETMAP_REPLY_MAX.  Returns the
 * bytes written, or 0 if room is too small. */
size_t socketmap_reply(char *out, size_t room, const char *status,
		       const char *text, size_t text_len);

#endif
