/* Parsing of the addresses, times and minutes an admin types. */
#ifndef VSMTPRELAY_ARGUMENTS_H
#define VSMTPRELAY_ARGUMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

/* Each prints a message naming the bad argument on stderr and returns
 * false when it is refused. */
bool arg_address(const char *text, struct relay_addr *out);
bool arg_ticks(const char *text, int64_t *out);
bool arg_minutes(const char *text, int64_t *out);
/* A number of hash chains: 1 to RELAY_STORE_HASH_SIZE_MAX. */
bool arg_hash_size(const char *text, unsigned *out);

#endif
