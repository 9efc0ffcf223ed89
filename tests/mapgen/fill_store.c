/* mapgen-fill STORE COUNT STAMP: records COUNT IPv4 addresses from
 * 10.0.0.0 upward, all stamped STAMP, in one transaction.  vsmtprelay
 * add would take a process per address; the suite needs thousands. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "store.h"

static int failed(const struct relay_error *err)
{
	fprintf(stderr, "mapgen-fill: %s\n", err->text);
	return 1;
}

static struct relay_addr nth_address(unsigned long n)
{
	struct relay_addr addr = { .family = AF_INET };

	addr.octets[0] = 10;
	addr.octets[1] = (unsigned char)(n >> 16);
	addr.octets[2] = (unsigned char)(n >> 8);
	addr.octets[3] = (unsigned char)n;
	return addr;
}

int main(int argc, char **argv)
{
	struct relay_store_options options = { .timeout_ms = 5000, .create = true };
	struct relay_store *store;
	struct relay_error err;
	unsigned long count;
	long long stamp;

	if (argc != 4) {
		fprintf(stderr, "usage: mapgen-fill STORE COUNT STAMP\n");
		return 64;
	}
	count = strtoul(argv[2], NULL, 10);
	stamp = strtoll(argv[3], NULL, 10);
	if (relay_store_open(argv[1], &options, &store, &err) != RELAY_OK)
		return failed(&err);
	if (relay_store_begin(store, &err) != RELAY_OK)
		return failed(&err);
	for (unsigned long i = 0; i < count; i++) {
		struct relay_addr addr = nth_address(i);

		if (relay_store_put(store, &addr, stamp, &err) != RELAY_OK)
			return failed(&err);
	}
	if (relay_store_commit(store, &err) != RELAY_OK)
		return failed(&err);
	relay_store_close(store);
	return 0;
}
