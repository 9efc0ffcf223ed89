/* Who opened an address: the account (PAM_USER) and the PAM service, as
 * the store keeps them.  A user name is hostile input, any bytes and any
 * length, so it is stored encoded: printable, bounded, one token, and
 * distinct for distinct names (the code is injective up to
 * RELAY_USER_RAW_MAX bytes; a longer name keeps its first bytes and a
 * 64-bit hash of the whole, so two such names share a code only if they
 * collide in that hash). */
#ifndef RELAYERS_OWNER_H
#define RELAYERS_OWNER_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of a name kept verbatim (escaped); the rest is hashed. */
#define RELAY_USER_RAW_MAX 128
/* Worst case: every kept byte as \xHH, then "...#" and 16 hex digits. */
#define RELAY_USER_CODE_MAX (RELAY_USER_RAW_MAX * 4 + 4 + 16 + 1)

/* A PAM service name is the admin's, but is escaped all the same. */
#define RELAY_SERVICE_RAW_MAX 32
#define RELAY_SERVICE_CODE_MAX (RELAY_SERVICE_RAW_MAX * 4 + 3 + 1)

/* Writes name's code: printable ASCII other than '\\', '"' and space
 * is kept; every other byte becomes \xHH; a name that is exactly "-"
 * becomes \x2d, so that "-" can stand for "no owner" in output.
 * Returns false (and writes "") for an empty or NULL name. */
bool relay_user_encode(const char *name, size_t len,
		       char out[RELAY_USER_CODE_MAX]);

/* The same rules for a service name, cut at RELAY_SERVICE_RAW_MAX with
 * "..."; NULL or empty becomes "-". */
void relay_service_encode(const char *name, char out[RELAY_SERVICE_CODE_MAX]);

/* True when len bytes at code are one token an encoder may have written:
 * 1 to max-1 printable ASCII bytes other than space, '"' and tab. */
bool relay_owner_code_valid(const char *code, size_t len, size_t max);

#endif
