#include "arguments.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "msg.h"
#include "stamp.h"
#include "store.h"

static bool refuse(const char *what, const char *text, const char *hint)
{
	char shown[RELAY_ESCAPE_TEXT_MAX];

	msg_error("\"%s\" is not %s%s",
		  relay_escape_str(text, shown), what, hint);
	return false;
}

bool arg_address(const char *text, struct relay_addr *out)
{
	if (!relay_addr_parse(text, out))
		return refuse("an IP address", text,
			      " (use a dotted quad such as 192.0.2.7, or IPv6)");
	return true;
}

bool arg_ticks(const char *text, int64_t *out)
{
	if (!relay_stamp_parse(text, strlen(text), out))
		return refuse("a time", text,
			      " (ticks are seconds since 1970, digits only)");
	return true;
}

bool arg_minutes(const char *text, int64_t *out)
{
	if (text[0] == '-')
		return refuse("a number of minutes", text,
			      " (minutes cannot be negative)");
	if (!relay_stamp_parse(text, strlen(text), out))
		return refuse("a number of minutes", text, "");
	return true;
}

bool arg_hash_size(const char *text, unsigned *out)
{
	char hint[80];
	int64_t n;

	snprintf(hint, sizeof(hint), " (a whole number of chains, 1 to %u)",
		 RELAY_STORE_HASH_SIZE_MAX);
	if (!relay_stamp_parse(text, strlen(text), &n) || n < 1 ||
	    n > RELAY_STORE_HASH_SIZE_MAX)
		return refuse("a hash size", text, hint);
	*out = (unsigned)n;
	return true;
}
