#include "cidr.h"

#include "escape.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static unsigned family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* True when the first prefix bits of a and b agree. */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned whole = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

static bool host_bits_clear(const struct relay_addr *addr, unsigned prefix)
{
	unsigned bits = family_bits(addr->family);

	for (unsigned bit = prefix; bit < bits; bit++)
		if (addr->octets[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

static bool parse_prefix(const char *text, size_t len, unsigned *out)
{
	unsigned value = 0;

	if (len == 0 || len > 3)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		value = value * 10 + (unsigned)(text[i] - '0');
	}
	*out = value;
	return true;
}

bool relay_cidr_parse(const char *text, size_t len, struct relay_cidr *out)
{
	const char *slash = memchr(text, '/', len);
	size_t addr_len = slash != NULL ? (size_t)(slash - text) : len;

	if (!relay_addr_parse_n(text, addr_len, &out->net))
		return false;
	out->prefix = family_bits(out->net.family);
	if (slash == NULL)
		return true;
	if (!parse_prefix(slash + 1, len - addr_len - 1, &out->prefix) ||
	    out->prefix > family_bits(out->net.family))
		return false;
	return host_bits_clear(&out->net, out->prefix);
}

bool relay_cidr_list_parse(const char *text, struct relay_cidr_list *out,
			   char *err, size_t errlen)
{
	const char *item = text;

	out->count = 0;
	while (*item != '\0') {
		size_t len = strcspn(item, ",");

		if (out->count == RELAY_CIDR_LIST_MAX) {
			snprintf(err, errlen, "more than %d ranges",
				 RELAY_CIDR_LIST_MAX);
			return false;
		}
		if (!relay_cidr_parse(item, len, &out->item[out->count])) {
			char shown[RELAY_ESCAPE_TEXT_MAX];

			snprintf(err, errlen, "not an address range: \"%s\"",
				 relay_escape(item, len, shown));
			return false;
		}
		out->count++;
		item += len;
		if (*item == ',')
			item++;
	}
	return true;
}

bool relay_cidr_list_match(const struct relay_cidr_list *list,
			   const struct relay_addr *addr)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct relay_cidr *range = &list->item[i];

		if (range->net.family == addr->family &&
		    prefix_equal(range->net.octets, addr->octets, range->prefix))
			return true;
	}
	return false;
}

void relay_cidr_list_default_exclude(struct relay_cidr_list *out)
{
	char err[64];

	relay_cidr_list_parse("127.0.0.0/8,::1", out, err, sizeof(err));
}
