/* The socketmap request parser, fed what a hostile client may send: a
 * stream of netstrings, split anywhere.  Whatever it says must be
 * consistent: a whole request lies inside the buffer, its name is not
 * empty and has no space, re-framing it gives back the same bytes, a
 * prefix of a whole request is never called malformed, and every reply
 * frame fits the limit. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const char *buf, size_t len,
			  const struct socketmap_request *req, size_t used)
{
	char again[SOCKETMAP_REQUEST_MAX + 8];
	int n;

	assert(used >= 5 && used <= len && used <= SOCKETMAP_REQUEST_MAX);
	assert(req->name == buf + (used - req->name_len - req->key_len - 2) &&
	       req->name_len >= 1);
	assert(memchr(req->name, ' ', req->name_len) == NULL);
	assert(req->key == req->name + req->name_len + 1);
	assert(req->key + req->key_len + 1 == buf + used && buf[used - 1] == ',');
	n = snprintf(again, sizeof(again), "%zu:", req->name_len + 1 + req->key_len);
	assert(n > 0 && (size_t)n + req->name_len + 1 + req->key_len + 1 == used);
	assert(memcmp(again, buf, (size_t)n) == 0);
	/* Every prefix of a whole request asks for more, and no more. */
	for (size_t cut = 0; cut < used; cut++) {
		struct socketmap_request part;
		const char *problem;
		size_t part_used = 0;

		assert(socketmap_parse(buf, cut, &part, &part_used, &problem) ==
		       SOCKETMAP_INCOMPLETE);
	}
}

static void check_reply(const uint8_t *data, size_t size)
{
	char out[SOCKETMAP_REPLY_MAX + 16];
	static const char *const status[] = { "OK", "NOTFOUND", "TEMP", "PERM" };
	size_t len = socketmap_reply(out, sizeof(out), status[size % 4],
				     (const char *)data, size);

	assert(len > 0 && len <= SOCKETMAP_REPLY_MAX && out[len - 1] == ',');
	assert(socketmap_reply(out, 3, "OK", NULL, 0) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t offset = 0;

	/* Pipelined: parse request after request, as a connection does. */
	while (offset < size) {
		struct socketmap_request req;
		const char *problem = NULL;
		size_t used = 0;
		enum socketmap_parse state =
			socketmap_parse(buf + offset, size - offset, &req, &used,
					&problem);

		if (state == SOCKETMAP_INCOMPLETE) {
			assert(size - offset <= SOCKETMAP_REQUEST_MAX);
			break;
		}
		if (state == SOCKETMAP_MALFORMED) {
			assert(problem != NULL && strlen(problem) < 64);
			break;
		}
		check_request(buf + offset, size - offset, &req, used);
		offset += used;
	}
	check_reply(data, size);
	return 0;
}
