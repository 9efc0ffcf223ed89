/* The keys an MTA looks a client up by.  sendmail's ${client_addr} is a
 * dotted quad, or "IPv6:" and all eight groups (IPV6_FULL, Debian's
 * default); sites with UseCompressedIPv6Addresses get the compressed
 * form.  Postfix looks up a dotted quad or compressed IPv6, bare.
 * Keys are lower case, like makemap writes them and sendmail looks
 * them up. */
#ifndef MAPGEN_KEYS_H
#define MAPGEN_KEYS_H

#include <stddef.h>

#include "addr.h"

enum map_flavour { MAP_SENDMAIL,
		   MAP_POSTFIX };

#define MAP_KEY_PREFIX_IPV6 "ipv6:"
#define MAP_KEY_MAX (sizeof(MAP_KEY_PREFIX_IPV6) - 1 + RELAY_ADDR_TEXT_MAX)
#define MAP_KEYS_PER_ADDR_MAX 2

struct map_keys {
	unsigned count;
	size_t len[MAP_KEYS_PER_ADDR_MAX];
	char text[MAP_KEYS_PER_ADDR_MAX][MAP_KEY_MAX];
};

/* Every key under which flavour's MTA may look addr up; each key once. */
void map_keys_for(const struct relay_addr *addr, enum map_flavour flavour,
		  struct map_keys *out);

/* At most how many keys map_keys_for gives addr (an upper bound for
 * sizing), without formatting them. */
unsigned map_keys_most(const struct relay_addr *addr,
		       enum map_flavour flavour);

#endif
