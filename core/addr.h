/* Client addresses: parsing every form a PAM_RHOST or an admin may use,
 * and the canonical text that serves as the store key. */
#ifndef RELAYERS_ADDR_H
#define RELAYERS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any text this file writes, NUL included ("IPv6:" + full form). */
#define RELAY_ADDR_TEXT_MAX 48

/* Inputs longer than this are never addresses: they are refused unread. */
#define RELAY_ADDR_INPUT_MAX 96

struct relay_addr {
	int family;	    /* AF_INET or AF_INET6 */
	uint8_t octets[16]; /* network order; IPv4 uses the first 4 */
};

/* Parses an IP literal.  Accepted: a strict dotted quad; IPv6 in any
 * case, compressed or not, optionally in brackets or after sendmail's
 * "IPv6:" tag, optionally with a "%zone" suffix (dropped).  IPv4-mapped
 * IPv6 (::ffff:a.b.c.d) folds to plain IPv4, since that is the client.
 * Host names, surrounding space and anything else are refused: names
 * are never resolved.  Returns false on refusal. */
bool relay_addr_parse(const char *text, struct relay_addr *out);

/* As relay_addr_parse, for text that is not NUL-terminated. */
bool relay_addr_parse_n(const char *text, size_t len, struct relay_addr *out);

/* The store key: dotted quad, or RFC 5952 compressed lower-case IPv6. */
void relay_addr_format(const struct relay_addr *addr,
		       char out[RELAY_ADDR_TEXT_MAX]);

/* IPv6 with all eight groups and no "::" (2001:db8:0:0:0:0:0:1), the way
 * sendmail's ${client_addr} spells it.  IPv4 is a dotted quad. */
void relay_addr_format_full(const struct relay_addr *addr,
			    char out[RELAY_ADDR_TEXT_MAX]);

/* True when len bytes at text are exactly the canonical key of an
 * address.  Store records that fail this are not ours and are skipped. */
bool relay_addr_is_canonical_key(const char *text, size_t len,
				 struct relay_addr *out);

struct sockaddr;

/* Takes an AF_INET or AF_INET6 socket address (v4-mapped folds to
 * IPv4); false for any other family. */
bool relay_addr_from_sockaddr(const struct sockaddr *sa, size_t salen,
			      struct relay_addr *out);

#endif
