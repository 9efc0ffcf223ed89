#include "keys.h"

#include <string.h>
#include <sys/socket.h>

static void add_key(struct map_keys *out, const char *prefix,
		    const char *addr_text)
{
	size_t plen = strlen(prefix), alen = strlen(addr_text);
	char *slot = out->text[out->count];

	memcpy(slot, prefix, plen);
	memcpy(slot + plen, addr_text, alen + 1);
	out->len[out->count++] = plen + alen;
}

/* Both forms are already lower case: the core writes hex digits in
 * lower case, and the prefix is spelled so. */
void map_keys_for(const struct relay_addr *addr, enum map_flavour flavour,
		  struct map_keys *out)
{
	char compressed[RELAY_ADDR_TEXT_MAX], full[RELAY_ADDR_TEXT_MAX];

	out->count = 0;
	relay_addr_format(addr, compressed);
	if (addr->family != AF_INET6) {
		add_key(out, "", compressed);
		return;
	}
	if (flavour == MAP_POSTFIX) {
		add_key(out, "", compressed);
		return;
	}
	relay_addr_format_full(addr, full);
	add_key(out, MAP_KEY_PREFIX_IPV6, full);
	if (strcmp(full, compressed) != 0)
		add_key(out, MAP_KEY_PREFIX_IPV6, compressed);
}

unsigned map_keys_most(const struct relay_addr *addr,
		       enum map_flavour flavour)
{
	/* An upper bound is enough for sizing; the exact count needs the
	 * text, and the sizing only needs to be close. */
	return addr->family == AF_INET6 && flavour == MAP_SENDMAIL ? 2 : 1;
}
