#include "owner.h"

#include <stdint.h>
#include <string.h>

#include "escape.h"

static const char hex[] = "0123456789abcdef";

/* Escapes len bytes of text at out, a space too (codes are one word);
 * returns the bytes written. */
static size_t escape_into(const char *text, size_t len, char *out)
{
	return relay_escape_bytes(text, len, false, out);
}

/* FNV-1a, 64 bits: only tells long names apart, never guards secrets. */
static uint64_t name_hash(const char *text, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

bool relay_user_encode(const char *name, size_t len,
		       char out[RELAY_USER_CODE_MAX])
{
	size_t used;

	out[0] = '\0';
	if (name == NULL || len == 0)
		return false;
	if (len == 1 && name[0] == '-') {
		strcpy(out, "\\x2d");
		return true;
	}
	used = escape_into(name, len < RELAY_USER_RAW_MAX ? len : RELAY_USER_RAW_MAX,
			   out);
	if (len > RELAY_USER_RAW_MAX) {
		uint64_t h = name_hash(name, len);

		memcpy(out + used, "...#", 4);
		used += 4;
		for (int shift = 60; shift >= 0; shift -= 4)
			out[used++] = hex[(h >> shift) & 0xf];
	}
	out[used] = '\0';
	return true;
}

void relay_service_encode(const char *name, char out[RELAY_SERVICE_CODE_MAX])
{
	size_t len = name != NULL ? strnlen(name, RELAY_SERVICE_RAW_MAX + 1) : 0;
	size_t used;

	if (len == 0 || (len == 1 && name[0] == '-')) {
		strcpy(out, len == 0 ? "-" : "\\x2d");
		return;
	}
	used = escape_into(name, len < RELAY_SERVICE_RAW_MAX ? len : RELAY_SERVICE_RAW_MAX, out);
	if (len > RELAY_SERVICE_RAW_MAX) {
		memcpy(out + used, "...", 3);
		used += 3;
	}
	out[used] = '\0';
}

bool relay_owner_code_valid(const char *code, size_t len, size_t max)
{
	if (len == 0 || len >= max)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)code[i];

		if (c <= 0x20 || c >= 0x7f || c == '"')
			return false;
	}
	return true;
}
