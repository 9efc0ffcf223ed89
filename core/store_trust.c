#include "store_trust.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

bool relay_owner_trusted(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

bool relay_file_trusted(const struct stat *st, char *why, size_t whylen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, whylen, "not a regular file");
		return false;
	}
	if (!relay_owner_trusted(st)) {
		snprintf(why, whylen, "owned by uid %u, not by root or uid %u",
			 (unsigned)st->st_uid, (unsigned)geteuid());
		return false;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, whylen,
			 "mode %03o lets others write it (anyone who can write "
			 "the store can relay); chmod go-w",
			 (unsigned)(st->st_mode & 0777));
		return false;
	}
	return true;
}

int relay_open_regular(const char *path, int access)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) != 0)
		return -1;
	if (S_ISLNK(st.st_mode)) {
		errno = ELOOP;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	/* O_NONBLOCK: should the file be swapped for a FIFO meanwhile, the
	 * open must not hang; fstat below then tells the truth. */
	fd = open(path, access | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}
