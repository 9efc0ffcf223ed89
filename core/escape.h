/* Escaping for text a client controls (PAM_RHOST, PAM_USER) before it
 * reaches a log line, so that it can neither split nor forge one. */
#ifndef RELAYERS_ESCAPE_H
#define RELAYERS_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest input shown; the rest is cut and marked with "...". */
#define RELAY_ESCAPE_INPUT_MAX 64

/* Room for the worst case: every byte as \xHH, plus "..." and NUL. */
#define RELAY_ESCAPE_TEXT_MAX (RELAY_ESCAPE_INPUT_MAX * 4 + 4)

/* Writes len bytes of text at out (room for len * 4), printable ASCII
 * other than '\\' and '"' as it is and every other byte as \xHH; a
 * space is kept only when keep_space is true.  Returns the bytes
 * written; adds no NUL. */
size_t relay_escape_bytes(const char *text, size_t len, bool keep_space,
			  char *out);

/* Copies printable ASCII other than '\\' and '"'; writes every other
 * byte, NUL included, as \xHH.  A NULL text becomes "(none)". */
const char *relay_escape(const char *text, size_t len,
			 char out[RELAY_ESCAPE_TEXT_MAX]);

/* As relay_escape, for a NUL-terminated or NULL text. */
const char *relay_escape_str(const char *text, char out[RELAY_ESCAPE_TEXT_MAX]);

#endif
