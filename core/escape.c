#include "escape.h"

#include <string.h>

const char *relay_escape(const char *text, size_t len,
			 char out[RELAY_ESCAPE_TEXT_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t used = 0;

	if (text == NULL) {
		strcpy(out, "(none)");
		return out;
	}
	for (size_t i = 0; i < len && i < RELAY_ESCAPE_INPUT_MAX; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			out[used++] = (char)c;
			continue;
		}
		out[used++] = '\\';
		out[used++] = 'x';
		out[used++] = hex[c >> 4];
		out[used++] = hex[c & 0xf];
	}
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
