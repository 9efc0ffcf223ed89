#include "map_target.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msg.h"
#include "store_trust.h"

static bool ends_with(const char *text, const char *suffix)
{
	size_t tlen = strlen(text), slen = strlen(suffix);

	return tlen >= slen && strcmp(text + tlen - slen, suffix) == 0;
}

int map_target_name(const char *map, char out[PATH_MAX],
		    struct relay_error *failure)
{
	const char *suffix = ends_with(map, ".db") ? "" : ".db";

	if (map[0] == '\0')
		return map_fail(failure, RELAY_USAGE, "the map name is empty");
	if (snprintf(out, PATH_MAX, "%s%s", map, suffix) >= PATH_MAX)
		return map_fail(failure, RELAY_USAGE, "map name too long: %s", map);
	return 0;
}

static void split_path(const char *path, char dir[PATH_MAX],
		       char base[PATH_MAX])
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(dir, PATH_MAX, "%s", dirname(copy));
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(base, PATH_MAX, "%s", basename(copy));
}

/* Whoever can write the directory can swap the map for one that makes
 * them a relay; sendmail refuses such maps too.  A sticky directory
 * only lets them add files of their own, which is checked below. */
static int check_directory(int dir_fd, const char *dir,
			   struct relay_error *failure)
{
	struct stat st;

	if (fstat(dir_fd, &st) != 0)
		return map_fail(failure, RELAY_FAILED, "map directory %s: %m", dir);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		return map_fail(failure, RELAY_INSECURE,
				"map directory %s: mode %03o lets others replace "
				"the map; chmod go-w %s",
				dir, (unsigned)(st.st_mode & 0777), dir);
	return 0;
}

static bool dir_shared(int dir_fd)
{
	struct stat st;

	return fstat(dir_fd, &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH));
}

/* Finds the old map, if any, without following a symlink. */
static int inspect_old_map(const struct map_target *target, const char *base,
			   struct stat *old, bool *exists,
			   struct relay_error *failure)
{
	*exists = false;
	if (fstatat(target->dir_fd, base, old, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 0;
		return map_fail(failure, map_errno_status(errno), "map %s: %m",
				target->path);
	}
	if (S_ISLNK(old->st_mode))
		return map_fail(failure, RELAY_INSECURE,
				"map %s is a symbolic link; refusing to replace "
				"it (name the real file with -o)",
				target->path);
	if (!S_ISREG(old->st_mode))
		return map_fail(failure, RELAY_INSECURE,
				"map %s is not a regular file; left untouched",
				target->path);
	/* In a shared sticky directory anyone may have planted the old
	 * map; keeping its owner would hand them the new one. */
	if (dir_shared(target->dir_fd) && !relay_owner_trusted(old))
		return map_fail(failure, RELAY_INSECURE,
				"map %s belongs to uid %u in a directory others "
				"can write; refusing to replace it",
				target->path,
				(unsigned)old->st_uid);
	*exists = true;
	return 0;
}

static mode_t new_map_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return MAP_NEW_MODE & ~mask;
}

/* The private file takes the old map's owner, group and mode before a
 * byte is written, so that the rename changes nothing but the content. */
static int give_attributes(struct map_target *target, const struct stat *old,
			   bool exists, struct relay_error *failure)
{
	struct stat now;

	if (!exists) {
		if (fchmod(target->temp_fd, new_map_mode()) != 0)
			goto failed;
		return 0;
	}
	if (fstat(target->temp_fd, &now) != 0)
		goto failed;
	if ((now.st_uid != old->st_uid || now.st_gid != old->st_gid) &&
	    fchown(target->temp_fd, old->st_uid, old->st_gid) != 0)
		return map_fail(failure, RELAY_INSECURE,
				"map %s: cannot give the new map the old one's "
				"owner %u:%u: %m",
				target->path,
				(unsigned)old->st_uid, (unsigned)old->st_gid);
	/* The old mode, but never one that lets others write the map
	 * (that would make them relays) and never a set-id bit. */
	if (fchmod(target->temp_fd, old->st_mode & 0755) != 0)
		goto failed;
	return 0;
failed:
	return map_fail(failure, map_errno_status(errno),
			"map %s: cannot set the new map's mode: %m", target->path);
}

static int create_temp(struct map_target *target, const char *dir,
		       const char *base, struct relay_error *failure)
{
	if (snprintf(target->temp_path, sizeof(target->temp_path),
		     "%s/.%s.XXXXXX", dir, base) >= (int)sizeof(target->temp_path)) {
		target->temp_path[0] = '\0';
		return map_fail(failure, RELAY_USAGE, "map name too long: %s",
				target->path);
	}
	/* mkostemp creates with O_EXCL and mode 0600: nothing else can be
	 * behind that name.  The lock says the file is being written (see
	 * remove_stale_temps). */
	target->temp_fd = mkostemp(target->temp_path, O_CLOEXEC);
	if (target->temp_fd >= 0)
		flock(target->temp_fd, LOCK_EX | LOCK_NB);
	if (target->temp_fd < 0) {
		target->temp_path[0] = '\0';
		return map_fail(failure, map_errno_status(errno),
				"map %s: cannot create a file in %s: %m",
				target->path, dir);
	}
	return 0;
}

/* ".BASE." and six characters: a private file of ours. */
static bool temp_name_of(const char *name, const char *base)
{
	size_t blen = strlen(base);

	return name[0] == '.' && strncmp(name + 1, base, blen) == 0 &&
	       name[1 + blen] == '.' && strlen(name) == blen + 2 + 6;
}

static void remove_if_stale(int dir_fd, const char *name)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat by_fd, by_name;

	if (fd < 0)
		return;
	if (fstat(fd, &by_fd) == 0 && S_ISREG(by_fd.st_mode) &&
	    by_fd.st_uid == geteuid() && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
	    fstatat(dir_fd, name, &by_name, AT_SYMLINK_NOFOLLOW) == 0 &&
	    by_name.st_dev == by_fd.st_dev && by_name.st_ino == by_fd.st_ino)
		unlinkat(dir_fd, name, 0);
	close(fd);
}

/* A mapgen killed outright (SIGKILL, the OOM killer) leaves its private
 * file behind, as big as the map.  One that nobody holds locked is such
 * a leftover; a run writing its own holds the lock on it. */
static void remove_stale_temps(int dir_fd, const char *base)
{
	int fd = dup(dir_fd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *entry;

	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((entry = readdir(dir)) != NULL)
		if (temp_name_of(entry->d_name, base))
			remove_if_stale(dir_fd, entry->d_name);
	closedir(dir);
}

static int open_directory(struct map_target *target, const char *dir,
			  struct relay_error *failure)
{
	target->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (target->dir_fd < 0)
		return map_fail(failure, map_errno_status(errno),
				"map directory %s: %m", dir);
	return check_directory(target->dir_fd, dir, failure);
}

int map_target_begin(struct map_target *target, const char *db_path,
		     struct relay_error *failure)
{
	char dir[PATH_MAX], base[PATH_MAX];
	struct stat old;
	bool exists;
	int rc;

	memset(target, 0, sizeof(*target));
	target->dir_fd = target->temp_fd = -1;
	snprintf(target->path, sizeof(target->path), "%s", db_path);
	split_path(db_path, dir, base);
	rc = open_directory(target, dir, failure);
	if (rc == 0)
		rc = inspect_old_map(target, base, &old, &exists, failure);
	if (rc == 0) {
		remove_stale_temps(target->dir_fd, base);
		rc = create_temp(target, dir, base, failure);
	}
	if (rc == 0)
		rc = give_attributes(target, &old, exists, failure);
	if (rc != 0)
		map_target_abandon(target);
	return rc;
}

/* The private file must still be the one created: renaming a name
 * someone swapped in would install their file. */
static bool still_ours(const struct map_target *target)
{
	struct stat by_fd, by_name;

	return fstat(target->temp_fd, &by_fd) == 0 &&
	       lstat(target->temp_path, &by_name) == 0 &&
	       by_fd.st_dev == by_name.st_dev && by_fd.st_ino == by_name.st_ino;
}

int map_target_commit(struct map_target *target, struct relay_error *failure)
{
	int rc = 0;

	if (fsync(target->temp_fd) != 0)
		rc = map_fail(failure, RELAY_FAILED, "map %s: flushing the new map: %m",
			      target->path);
	else if (!still_ours(target))
		rc = map_fail(failure, RELAY_INSECURE,
			      "map %s: the new map %s was replaced by someone "
			      "else; not installed",
			      target->path,
			      target->temp_path);
	else if (rename(target->temp_path, target->path) != 0)
		rc = map_fail(failure, map_errno_status(errno),
			      "map %s: cannot move the new map into place: %m",
			      target->path);
	if (rc != 0) {
		map_target_abandon(target);
		return rc;
	}
	/* Now the map: readers take its lock too. */
	flock(target->temp_fd, LOCK_UN);
	target->temp_path[0] = '\0';
	/* The new map's pages, flushed above, leave the page cache: ext4
	 * here (kernel 6.18) keeps a freshly written file in folios of up
	 * to 2 MB, and mapgen --watch's first write into one would dirty
	 * (and count as written) all of it.  Readers read back the few
	 * pages they look up, in small folios. */
	posix_fadvise(target->temp_fd, 0, 0, POSIX_FADV_DONTNEED);
	/* The rename is durable once the directory is; a failure here
	 * leaves a correct map that a crash might undo, worth a word but
	 * not a failed export. */
	if (fsync(target->dir_fd) != 0 && errno != EINVAL)
		msg_error("map %s: flushing its directory: %m",
			  target->path);
	map_target_abandon(target);
	return 0;
}

void map_target_abandon(struct map_target *target)
{
	if (target->temp_path[0] != '\0')
		unlink(target->temp_path);
	target->temp_path[0] = '\0';
	if (target->temp_fd >= 0)
		close(target->temp_fd);
	if (target->dir_fd >= 0)
		close(target->dir_fd);
	target->temp_fd = target->dir_fd = -1;
}
