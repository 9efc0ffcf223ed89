/* CIDR lists: the text before the first NUL is a list for
 * relay_cidr_list_parse, the rest an address to match.  A parsed list
 * must hold sane ranges, each range must match its own network, and the
 * error text must stay bounded. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t list_len = nul != NULL ? (size_t)(nul - data) : size;
	char *list = malloc(list_len + 1);
	struct relay_cidr_list parsed;
	struct relay_addr addr;
	char err[128];

	if (list == NULL)
		return 0;
	memcpy(list, data, list_len);
	list[list_len] = '\0';
	memset(err, 'x', sizeof(err));
	if (relay_cidr_list_parse(list, &parsed, err, sizeof(err))) {
		assert(parsed.count <= RELAY_CIDR_LIST_MAX);
		for (size_t i = 0; i < parsed.count; i++) {
			const struct relay_cidr *r = &parsed.item[i];

			assert(r->prefix <= (r->net.family == AF_INET ? 32u : 128u));
			assert(relay_cidr_list_match(&parsed, &r->net));
		}
		if (nul != NULL && relay_addr_parse_n((const char *)nul + 1,
						      size - list_len - 1, &addr))
			(void)relay_cidr_list_match(&parsed, &addr);
	} else {
		assert(memchr(err, '\0', sizeof(err)) != NULL);
	}
	free(list);
	return 0;
}
