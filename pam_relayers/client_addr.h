/* Where the client's address comes from: PAM_RHOST, or when a server
 * never sets it and the admin asks, the peer of the socket on stdin. */
#ifndef PAM_RELAYERS_CLIENT_ADDR_H
#define PAM_RELAYERS_CLIENT_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

enum client_addr_result {
	CLIENT_ADDR_FOUND,  /* out holds the client */
	CLIENT_ADDR_ABSENT, /* no PAM_RHOST and no usable socket */
	CLIENT_ADDR_NOT_IP, /* PAM_RHOST is a name or junk */
};

/* rhost may be NULL.  A name is never resolved. */
enum client_addr_result client_addr_find(const char *rhost,
					 bool peer_from_stdin,
					 struct relay_addr *out);

#endif
