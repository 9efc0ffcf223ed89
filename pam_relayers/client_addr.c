#include "client_addr.h"

#include <sys/socket.h>

static bool stdin_peer(struct relay_addr *out)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);

	if (getpeername(0, (struct sockaddr *)&peer, &len) != 0)
		return false;
	return relay_addr_from_sockaddr((struct sockaddr *)&peer, len, out);
}

enum client_addr_result client_addr_find(const char *rhost,
					 bool peer_from_stdin,
					 struct relay_addr *out)
{
	if (rhost != NULL && rhost[0] != '\0')
		return relay_addr_parse(rhost, out) ? CLIENT_ADDR_FOUND
						    : CLIENT_ADDR_NOT_IP;
	if (peer_from_stdin && stdin_peer(out))
		return CLIENT_ADDR_FOUND;
	return CLIENT_ADDR_ABSENT;
}
