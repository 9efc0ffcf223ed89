/* The client addresses the benchmarks use, so that every login and every
 * pre-filled entry has its own key and the two never meet. */
#ifndef RELAYERS_BENCH_ADDRESSES_H
#define RELAYERS_BENCH_ADDRESSES_H

#include <stdint.h>

#include "addr.h"

/* The n-th login's client: 100.64.0.0 + n (the shared address space,
 * 4M addresses), as dotted-quad text for PAM_RHOST; with the environment's
 * BENCH_CLIENT_IPV6=1, 2001:db8:ffff::/48 + n instead (a longer key). */
void login_client_text(uint32_t n, char out[RELAY_ADDR_TEXT_MAX]);

/* The n-th pre-filled entry: mostly 10.0.0.0/8, every eighth one IPv6
 * under 2001:db8::/32, the mix an ISP's store might hold. */
void filled_entry_addr(uint32_t n, struct relay_addr *out);

#endif
