#include "addresses.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void login_client_text(uint32_t n, char out[RELAY_ADDR_TEXT_MAX])
{
	uint32_t ip = (100u << 24 | 64u << 16) + n;
	const char *v6 = getenv("BENCH_CLIENT_IPV6");

	if (v6 != NULL && strcmp(v6, "1") == 0) {
		/* 2001:db8:ffff::/48 is apart from the filled entries' keys. */
		snprintf(out, RELAY_ADDR_TEXT_MAX, "2001:db8:ffff::%x:%x",
			 (unsigned)(n >> 16), (unsigned)(n & 0xffff));
		return;
	}
	snprintf(out, RELAY_ADDR_TEXT_MAX, "%u.%u.%u.%u", ip >> 24,
		 (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

void filled_entry_addr(uint32_t n, struct relay_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (n % 8 == 7) {
		static const uint8_t prefix[4] = { 0x20, 0x01, 0x0d, 0xb8 };

		out->family = AF_INET6;
		memcpy(out->octets, prefix, sizeof(prefix));
		out->octets[8] = (uint8_t)(n >> 24);
		out->octets[9] = (uint8_t)(n >> 16);
		out->octets[14] = (uint8_t)(n >> 8);
		out->octets[15] = (uint8_t)n;
		return;
	}
	out->family = AF_INET;
	out->octets[0] = 10;
	out->octets[1] = (uint8_t)(n >> 16);
	out->octets[2] = (uint8_t)(n >> 8);
	out->octets[3] = (uint8_t)n;
}
