/* Address parser and normaliser: anything relay_addr_parse_n accepts
 * must format to a canonical key that parses back to the same address,
 * is recognised as canonical, and survives the full (sendmail) form too.
 * Escaping the same bytes must give a bounded, printable text. */
#include <assert.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "escape.h"

static void check_round_trip(const struct relay_addr *addr)
{
	char key[RELAY_ADDR_TEXT_MAX], full[RELAY_ADDR_TEXT_MAX];
	struct relay_addr again;

	assert(addr->family == AF_INET || addr->family == AF_INET6);
	relay_addr_format(addr, key);
	assert(key[0] != '\0');
	assert(relay_addr_parse(key, &again));
	assert(memcmp(addr, &again, sizeof(again)) == 0);
	assert(relay_addr_is_canonical_key(key, strlen(key), &again));
	relay_addr_format_full(addr, full);
	assert(relay_addr_parse(full, &again));
	assert(memcmp(addr, &again, sizeof(again)) == 0);
	/* v4-mapped always folds to IPv4: never two keys for one client. */
	if (addr->family == AF_INET6) {
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
		assert(memcmp(addr->octets, mapped, sizeof(mapped)) != 0);
	}
}

static void check_escape(const uint8_t *data, size_t size)
{
	char out[RELAY_ESCAPE_TEXT_MAX];
	size_t len = strlen(relay_escape((const char *)data, size, out));

	assert(len < RELAY_ESCAPE_TEXT_MAX);
	for (size_t i = 0; i < len; i++)
		assert(out[i] >= 0x20 && out[i] < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_addr addr;

	memset(&addr, 0, sizeof(addr));
	if (relay_addr_parse_n((const char *)data, size, &addr))
		check_round_trip(&addr);
	if (relay_addr_is_canonical_key((const char *)data, size, &addr))
		check_round_trip(&addr);
	check_escape(data, size);
	return 0;
}
