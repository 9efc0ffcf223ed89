/* Address ranges ("192.0.2.0/24,2001:db8::/32") for the exclude list. */
#ifndef RELAYERS_CIDR_H
#define RELAYERS_CIDR_H

#include "addr.h"

#define RELAY_CIDR_LIST_MAX 64

struct relay_cidr {
	struct relay_addr net;
	unsigned prefix;
};

struct relay_cidr_list {
	size_t count;
	struct relay_cidr item[RELAY_CIDR_LIST_MAX];
};

/* Parses one range; a bare address is a single host.  Host bits set
 * below the prefix are refused, as Postfix refuses them: they are more
 * often a typo than an intent.  Returns false on refusal. */
bool relay_cidr_parse(const char *text, size_t len, struct relay_cidr *out);

/* Parses a comma-separated list.  An empty text is an empty list.  On
 * failure, err names the offending item and false is returned. */
bool relay_cidr_list_parse(const char *text, struct relay_cidr_list *out,
			   char *err, size_t errlen);

bool relay_cidr_list_match(const struct relay_cidr_list *list,
			   const struct relay_addr *addr);

/* 127.0.0.0/8 and ::1: sendmail relays for them anyway. */
void relay_cidr_list_default_exclude(struct relay_cidr_list *out);

#endif
