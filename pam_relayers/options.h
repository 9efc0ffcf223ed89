/* The module's arguments, as written in a pam.d stack line. */
#ifndef PAM_RELAYERS_OPTIONS_H
#define PAM_RELAYERS_OPTIONS_H

#include <stdbool.h>

#include "cidr.h"

#define RELAY_TIMEOUT_DEFAULT_MS 250
#define RELAY_TIMEOUT_MAX_MS 5000

/* The guard's defaults: see pam_relayers(8) for why these. */
#define RELAY_MAX_ADDRS_DEFAULT 20
#define RELAY_MAX_ADDRS_MINUTES_DEFAULT 60
#define RELAY_MAX_ADDRS_MINUTES_MAX 10080 /* a week */

struct module_options {
	const char *store_path;		/* db=PATH; points into argv */
	struct relay_cidr_list exclude; /* exclude=CIDR[,CIDR...] */
	bool exclude_valid;		/* false: a bad list records nothing */
	unsigned timeout_ms;		/* timeout=MS */
	bool debug;
	bool peer_from_stdin;	    /* stdin_peer: for inetd servers */
	unsigned max_addrs;	    /* max_addrs=N; 0: no guard */
	unsigned max_addrs_minutes; /* max_addrs_minutes=M */
};

/* Called once for each argument that is malformed or unknown. */
typedef void (*option_complaint_fn)(void *context, const char *problem);

/* Fills out from argv, starting from the defaults.  Bad arguments are
 * reported and skipped; a bad exclude= list leaves exclude_valid false,
 * because recording an address the admin meant to exclude would hand it
 * relay rights. */
void module_options_parse(int argc, const char **argv,
			  struct module_options *out,
			  option_complaint_fn complain, void *context);

#endif
