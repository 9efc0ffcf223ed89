/* relayers-shipper's command line. */
#ifndef SHIPPER_OPTIONS_H
#define SHIPPER_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "redis_link.h"

#define SHIPPER_HOST_MAX 64
#define SHIPPER_PREFIX_MAX 64
#define SHIPPER_DEFAULT_TIMEOUT_MS 2000

struct shipper_options {
	const char *store_path;
	struct redis_target target;
	const char *prefix;
	char host[SHIPPER_HOST_MAX];
	int64_t max_age; /* seconds, or -1: keys never expire */
	bool verbose;
};

/* Returns -1 to go on, or the status to exit with at once. */
int shipper_parse_options(int argc, char **argv, struct shipper_options *out);

#endif
