#include "request.h"

#include <stdio.h>
#include <string.h>

/* The length prefix: decimal digits, no sign, no leading zero (the
 * netstring rule, which both MTAs follow), ended by ':'.  It is judged
 * as it arrives, so that "99999999..." is refused at its fourth digit
 * rather than after the client has sent a megabyte. */
static enum socketmap_parse parse_length(const char *buf, size_t len,
					 size_t *payload_len, size_t *header_len,
					 const char **problem)
{
	size_t value = 0, i;

	for (i = 0; i < len && buf[i] != ':'; i++) {
		if (buf[i] < '0' || buf[i] > '9') {
			*problem = "length is not a number";
			return SOCKETMAP_MALFORMED;
		}
		if (i == 1 && buf[0] == '0') {
			*problem = "length has a leading zero";
			return SOCKETMAP_MALFORMED;
		}
		value = value * 10 + (size_t)(buf[i] - '0');
		if (value > SOCKETMAP_PAYLOAD_MAX) {
			*problem = "request too long";
			return SOCKETMAP_MALFORMED;
		}
	}
	if (i == len)
		return SOCKETMAP_INCOMPLETE;
	if (i == 0) {
		*problem = "length is missing";
		return SOCKETMAP_MALFORMED;
	}
	*payload_len = value;
	*header_len = i + 1;
	return SOCKETMAP_COMPLETE;
}

/* "NAME KEY": the name runs to the first space and may not be empty. */
static enum socketmap_parse split_payload(const char *payload, size_t len,
					  struct socketmap_request *req,
					  const char **problem)
{
	const char *space = memchr(payload, ' ', len);

	if (space == NULL) {
		*problem = "no space between map name and key";
		return SOCKETMAP_MALFORMED;
	}
	if (space == payload) {
		*problem = "map name is empty";
		return SOCKETMAP_MALFORMED;
	}
	req->name = payload;
	req->name_len = (size_t)(space - payload);
	req->key = space + 1;
	req->key_len = len - req->name_len - 1;
	return SOCKETMAP_COMPLETE;
}

enum socketmap_parse socketmap_parse(const char *buf, size_t len,
				     struct socketmap_request *req,
				     size_t *consumed, const char **problem)
{
	size_t payload_len = 0, header_len = 0;
	enum socketmap_parse state;

	*problem = NULL;
	state = parse_length(buf, len, &payload_len, &header_len, problem);
	if (state != SOCKETMAP_COMPLETE)
		return state;
	if (len - header_len < payload_len + 1)
		return SOCKETMAP_INCOMPLETE;
	if (buf[header_len + payload_len] != ',') {
		*problem = "netstring does not end in a comma";
		return SOCKETMAP_MALFORMED;
	}
	state = split_payload(buf + header_len, payload_len, req, problem);
	if (state == SOCKETMAP_COMPLETE)
		*consumed = header_len + payload_len + 1;
	return state;
}

size_t socketmap_reply(char *out, size_t room, const char *status,
		       const char *text, size_t text_len)
{
	size_t status_len = strlen(status), payload, header;
	char prefix[8];

	/* 3 digits, ':', status, ' ', text, ',' within the maximum. */
	if (status_len + 6 > SOCKETMAP_REPLY_MAX)
		return 0;
	if (text_len > SOCKETMAP_REPLY_MAX - 6 - status_len)
		text_len = SOCKETMAP_REPLY_MAX - 6 - status_len;
	payload = status_len + 1 + text_len;
	header = (size_t)snprintf(prefix, sizeof(prefix), "%zu:", payload);
	if (header + payload + 1 > room)
		return 0;
	memcpy(out, prefix, header);
	memcpy(out + header, status, status_len);
	out[header + status_len] = ' ';
	if (text_len > 0)
		memcpy(out + header + status_len + 1, text, text_len);
	out[header + payload] = ',';
	return header + payload + 1;
}
