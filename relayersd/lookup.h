/* One socketmap request answered from the store: the key is a client
 * address in any form an MTA sends, the answer OK with the entry's
 * epoch seconds, NOTFOUND, or TEMP when the store cannot say. */
#ifndef RELAYERSD_LOOKUP_H
#define RELAYERSD_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "request.h"
#include "store_view.h"

struct lookup_policy {
	int64_t max_age; /* seconds; negative: no window */
};

/* Writes the reply to req into out (room bytes); returns its length,
 * or 0 when it does not fit. */
size_t lookup_answer(struct store_view *view, const struct lookup_policy *policy,
		     const struct socketmap_request *req, uint64_t now_ms,
		     char *out, size_t room);

#endif
