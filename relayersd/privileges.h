/* Running as an unprivileged user once the sockets are bound. */
#ifndef RELAYERSD_PRIVILEGES_H
#define RELAYERSD_PRIVILEGES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct run_as {
	const char *name; /* NULL: stay who we are */
	uid_t uid;
	gid_t gid;
};

/* Looks USER up (NULL: the current user).  Returns EX_OK, or with why
 * filled in EX_NOUSER (unknown, or root) or EX_NOPERM (only root could
 * become that user). */
int run_as_lookup(const char *user, struct run_as *out, char *why,
		  size_t whylen);

void run_as_free(struct run_as *who);

/* Looks GROUP up by name or number. */
bool group_lookup(const char *group, gid_t *out, char *why, size_t whylen);

/* Becomes the user for good: supplementary groups (the user's own,
 * for a store group such as "relayers"), then gid, then uid, and
 * proves that root cannot be had back.  False with why filled in. */
bool run_as_become(const struct run_as *who, char *why, size_t whylen);

#endif
