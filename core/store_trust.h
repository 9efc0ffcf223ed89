/* Whether a file may be trusted as a store or map: whoever can write
 * either can make themselves a relay, so only root or the caller may
 * own it and no one else may write it.  The store is opened and
 * written in place, so relay_file_trusted() checks all of that; mapgen
 * replaces the map by rename with a new file whose owner and mode it
 * sets itself (mapgen/map_target.c), and tests the old map's owner with
 * relay_owner_trusted() where others could have planted it. */
#ifndef RELAYERS_STORE_TRUST_H
#define RELAYERS_STORE_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* True when st's owner is root or the effective user: the one owner
 * test of both the store and the map. */
bool relay_owner_trusted(const struct stat *st);

/* True when st describes a regular file owned by root or the effective
 * user and writable by neither group nor others.  Otherwise why says
 * what is wrong. */
bool relay_file_trusted(const struct stat *st, char *why, size_t whylen);

/* Opens path (access is O_RDONLY or O_RDWR) without following a
 * symlink, and refuses a FIFO or device before it is opened.  Returns
 * the fd, or -1 with errno set (ELOOP for a symlink, EINVAL for a
 * special file). */
int relay_open_regular(const char *path, int access);

#endif
