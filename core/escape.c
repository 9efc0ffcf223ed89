#include "escape.h"

#include <string.h>

size_t relay_escape_bytes(const char *text, size_t len, bool keep_space,
			  char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char lowest = keep_space ? 0x20 : 0x21;
	size_t used = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c >= lowest && c < 0x7f && c != '\\' && c != '"') {
			out[used++] = (char)c;
			continue;
		}
		out[used++] = '\\';
		out[used++] = 'x';
		out[used++] = hex[c >> 4];
		out[used++] = hex[c & 0xf];
	}
	return used;
}

const char *relay_escape(const char *text, size_t len,
			 char out[RELAY_ESCAPE_TEXT_MAX])
{
	size_t used;

	if (text == NULL) {
		strcpy(out, "(none)");
		return out;
	}
	used = relay_escape_bytes(text, len < RELAY_ESCAPE_INPUT_MAX ? len : RELAY_ESCAPE_INPUT_MAX,
				  true, out);
	if (len > RELAY_ESCAPE_INPUT_MAX) {
		memcpy(out + used, "...", 3);
		used += 3;
	}
	out[used] = '\0';
	return out;
}

const char *relay_escape_str(const char *text, char out[RELAY_ESCAPE_TEXT_MAX])
{
	/* Read one byte past the cut so that a long text is marked as cut. */
	size_t len = text != NULL ? strnlen(text, RELAY_ESCAPE_INPUT_MAX + 1) : 0;

	return relay_escape(text, len, out);
}
