#include "stamp.h"

bool relay_stamp_parse(const char *text, size_t len, int64_t *out)
{
	int64_t value = 0;

	if (len == 0 || len > RELAY_STAMP_TEXT_MAX - 1)
		return false;
	for (size_t i = 0; i < len; i++) {
		int digit = text[i] - '0';

		if (text[i] < '0' || text[i] > '9')
			return false;
		if (value > (INT64_MAX - digit) / 10)
			return false;
		value = value * 10 + digit;
	}
	*out = value;
	return true;
}

size_t relay_stamp_format(int64_t stamp, char out[RELAY_STAMP_TEXT_MAX])
{
	char reversed[RELAY_STAMP_TEXT_MAX];
	size_t n = 0, len = 0;

	if (stamp < 0)
		stamp = 0;
	do {
		reversed[n++] = (char)('0' + stamp % 10);
		stamp /= 10;
	} while (stamp != 0);
	while (n > 0)
		out[len++] = reversed[--n];
	out[len] = '\0';
	return len;
}

int64_t relay_minutes_to_seconds(int64_t minutes)
{
	if (minutes > INT64_MAX / 60)
		return INT64_MAX;
	if (minutes < INT64_MIN / 60)
		return INT64_MIN;
	return minutes * 60;
}

bool relay_stamp_is_old(int64_t stamp, int64_t now, int64_t max_age)
{
	if (stamp > now)
		return false;
	return max_age < 0 || now - stamp > max_age;
}
