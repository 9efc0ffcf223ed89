/* Timestamps: ASCII decimal epoch seconds, as stored and as sendmail's
 * arith map and Postfix's access map read them. */
#ifndef RELAYERS_STAMP_H
#define RELAYERS_STAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 19 digits hold any non-negative int64, plus the NUL. */
#define RELAY_STAMP_TEXT_MAX 20

/* Parses 1 to 19 ASCII digits and nothing else: no sign, no space, no
 * NUL.  Refuses values past INT64_MAX. */
bool relay_stamp_parse(const char *text, size_t len, int64_t *out);

/* Writes the digits without padding or NUL terminator in the count;
 * returns the number of digits.  Negative stamps are written as 0. */
size_t relay_stamp_format(int64_t stamp, char out[RELAY_STAMP_TEXT_MAX]);

/* Minutes to seconds, saturating instead of overflowing. */
int64_t relay_minutes_to_seconds(int64_t minutes);

/* True when stamp is old, i.e. not in the future, and when max_age is
 * not negative, also more than max_age seconds before now. */
bool relay_stamp_is_old(int64_t stamp, int64_t now, int64_t max_age);

#endif
