/* Escaping for text a client controls (PAM_RHOST, PAM_USER) before it
 * reaches a log line, so that it can neither split nor forge one. */
#ifndef RELAYERS_ESCAPE_H
#define RELAYERS_ESCAPE_H

#include <stddef.h>

/* Longest input shown; the rest is cut and marked with "...". */
#define RELAY_ESCAPE_INPUT_MAX 64

/* Room for the worst case: every byte as \xHH, plus "..." and NUL. */
#define RELAY_ESCAPE_TEXT_MAX (RELAY_ESCAPE_INPUT_MAX * 4 + 4)

/* Copies printable ASCII other than '\\' and '"'; writes every other
 * byte, NUL included, as \xHH.  A NULL text becomes "(none)". */
const char *relay_escape(const char *text, size_t len,
			 char out[RELAY_ESCAPE_TEXT_MAX]);

/* As relay_escape, for a NUL-terminated or NULL text. */
const char *relay_escape_str(const char *text, char out[RELAY_ESCAPE_TEXT_MAX]);

#endif
