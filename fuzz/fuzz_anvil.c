/* anvil's CONNECT-DUMP answer, as vsmtprelay refresh reads it from a
 * socket it cannot fully trust: the input is the answer, parsed in place
 * in a buffer of exactly its size, so any read or write past it is
 * caught.  Accepted sessions must be imap or pop3 with a real address, a
 * NUL-terminated user inside the buffer, and positive pid and count. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "anvil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct anvil_sessions sessions;
	struct anvil_error err;
	char *text = malloc(size ? size : 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	memset(err.text, 'x', sizeof(err.text));
	if (anvil_parse_answer(text, size, &sessions, &err) == ANVIL_OK) {
		assert(sessions.count <= sessions.lines);
		for (size_t i = 0; i < sessions.count; i++) {
			const struct anvil_session *s = &sessions.item[i];

			assert(strcmp(s->service, "imap") == 0 ||
			       strcmp(s->service, "pop3") == 0);
			assert(s->addr.family == AF_INET || s->addr.family == AF_INET6);
			assert(s->user >= text && s->user < text + size);
			assert(memchr(s->user, '\0', (size_t)(text + size - s->user)));
			assert(s->pid >= 1 && s->count >= 1);
		}
		anvil_sessions_free(&sessions);
	} else {
		assert(err.status != ANVIL_OK);
		assert(memchr(err.text, '\0', sizeof(err.text)) != NULL);
		assert(sessions.item == NULL && sessions.count == 0);
	}
	free(text);
	return 0;
}
