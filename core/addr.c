#include "addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

static const uint8_t v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static bool is_zone_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/* Strips "[...]", "IPv6:" and "%zone" so that only the literal is left. */
static bool strip_ipv6_decoration(char *buf, bool *must_be_v6)
{
	size_t len = strlen(buf);
	char *zone;

	*must_be_v6 = false;
	if (len >= 2 && buf[0] == '[' && buf[len - 1] == ']') {
		memmove(buf, buf + 1, len - 2);
		buf[len - 2] = '\0';
		*must_be_v6 = true;
	} else if (strncasecmp(buf, "IPv6:", 5) == 0) {
		memmove(buf, buf + 5, len - 4);
		*must_be_v6 = true;
	}
	zone = strchr(buf, '%');
	if (zone != NULL) {
		const char *c = zone + 1;

		if (*c == '\0')
			return false;
		for (; *c != '\0'; c++)
			if (!is_zone_char(*c))
				return false;
		*zone = '\0';
		*must_be_v6 = true;
	}
	return true;
}

bool relay_addr_parse_n(const char *text, size_t len, struct relay_addr *out)
{
	char buf[RELAY_ADDR_INPUT_MAX + 1];
	bool must_be_v6;

	if (text == NULL || len == 0 || len > RELAY_ADDR_INPUT_MAX ||
	    memchr(text, '\0', len) != NULL)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (!strip_ipv6_decoration(buf, &must_be_v6))
		return false;

	memset(out, 0, sizeof(*out));
	if (!must_be_v6 && inet_pton(AF_INET, buf, out->octets) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, out->octets) != 1)
		return false;
	if (memcmp(out->octets, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		memmove(out->octets, out->octets + 12, 4);
		memset(out->octets + 4, 0, 12);
		out->family = AF_INET;
		return true;
	}
	out->family = AF_INET6;
	return true;
}

bool relay_addr_parse(const char *text, struct relay_addr *out)
{
	if (text == NULL)
		return false;
	return relay_addr_parse_n(text, strnlen(text, RELAY_ADDR_INPUT_MAX + 1),
				  out);
}

/* Every export formats every key, so IPv4 skips inet_ntop's sprintf. */
static void format_ipv4(const uint8_t octets[4], char out[RELAY_ADDR_TEXT_MAX])
{
	size_t used = 0;

	for (int i = 0; i < 4; i++) {
		unsigned value = octets[i];

		if (i > 0)
			out[used++] = '.';
		if (value >= 100)
			out[used++] = (char)('0' + value / 100);
		if (value >= 10)
			out[used++] = (char)('0' + value / 10 % 10);
		out[used++] = (char)('0' + value % 10);
	}
	out[used] = '\0';
}

void relay_addr_format(const struct relay_addr *addr,
		       char out[RELAY_ADDR_TEXT_MAX])
{
	if (addr->family == AF_INET) {
		format_ipv4(addr->octets, out);
		return;
	}
	/* glibc's inet_ntop follows RFC 5952: lower case, longest zero run. */
	if (inet_ntop(addr->family, addr->octets, out, RELAY_ADDR_TEXT_MAX) == NULL)
		out[0] = '\0';
}

void relay_addr_format_full(const struct relay_addr *addr,
			    char out[RELAY_ADDR_TEXT_MAX])
{
	size_t used = 0;

	if (addr->family != AF_INET6) {
		relay_addr_format(addr, out);
		return;
	}
	for (int group = 0; group < 8; group++) {
		unsigned value = (unsigned)addr->octets[2 * group] << 8 |
				 addr->octets[2 * group + 1];
		static const char hex[] = "0123456789abcdef";
		char digits[4];
		int n = 0;

		do {
			digits[n++] = hex[value & 0xf];
			value >>= 4;
		} while (value != 0);
		if (group > 0)
			out[used++] = ':';
		while (n > 0)
			out[used++] = digits[--n];
	}
	out[used] = '\0';
}

bool relay_addr_is_canonical_key(const char *text, size_t len,
				 struct relay_addr *out)
{
	char canonical[RELAY_ADDR_TEXT_MAX];

	if (!relay_addr_parse_n(text, len, out))
		return false;
	relay_addr_format(out, canonical);
	return strlen(canonical) == len && memcmp(canonical, text, len) == 0;
}

bool relay_addr_from_sockaddr(const struct sockaddr *sa, size_t salen,
			      struct relay_addr *out)
{
	char text[RELAY_ADDR_TEXT_MAX];

	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
	} else if (sa->sa_family == AF_INET6 &&
		   salen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
	} else {
		return false;
	}
	/* Through the text form, so v4-mapped folding happens in one place. */
	return relay_addr_parse(text, out);
}
