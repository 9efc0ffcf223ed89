#include "map_update.h"

#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child's exit codes. */
#define CHILD_DONE 0
#define CHILD_RESHAPED 3
#define CHILD_FAILED 4

/* Room in the child's cache for every page the changes can touch (one
 * bucket page per key, never more than the file holds), with as much
 * again for Berkeley DB's own bookkeeping: a page pushed out of a full
 * cache would be written before the shape is checked. */
#define CACHE_PAGE 4096u
#define CACHE_BASE (1u << 20)

static u_int32_t cache_bytes(size_t count, off_t file_size)
{
	uint64_t pages = (uint64_t)count + 2;
	uint64_t in_file = (uint64_t)file_size / CACHE_PAGE + 2;

	if (pages > in_file)
		pages = in_file;
	return (u_int32_t)(CACHE_BASE + pages * CACHE_PAGE * 2);
}

void map_state_take(const char *db_path, struct map_state *state)
{
	struct stat st;

	memset(state, 0, sizeof(*state));
	if (stat(db_path, &st) != 0)
		return;
	state->dev = st.st_dev;
	state->ino = st.st_ino;
	state->size = st.st_size;
	state->mtime = st.st_mtim;
	state->known = true;
}

static bool same_file(const struct stat *st, const struct map_state *state)
{
	return state->known && st->st_dev == state->dev &&
	       st->st_ino == state->ino && st->st_size == state->size &&
	       st->st_mtim.tv_sec == state->mtime.tv_sec &&
	       st->st_mtim.tv_nsec == state->mtime.tv_nsec;
}

bool map_state_changed(const char *db_path, const struct map_state *state)
{
	struct stat st;

	return stat(db_path, &st) != 0 || !same_file(&st, state);
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Opens the map and takes the exclusive lock, waiting a bounded time;
 * -1 when it cannot be had or the file is not the one we left. */
static int lock_map(const char *db_path, const struct map_state *state)
{
	int fd = open(db_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;

	if (fd < 0)
		return -1;
	for (unsigned waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited++) {
		if (errno != EWOULDBLOCK || waited >= MAP_UPDATE_LOCK_MS) {
			close(fd);
			return -1;
		}
		pause_ms(1);
	}
	if (fstat(fd, &st) != 0 || !same_file(&st, state)) {
		close(fd);
		return -1;
	}
	return fd;
}

struct shape {
	u_int32_t pages;
	u_int32_t buckets;
};

static bool take_shape(DB *db, struct shape *shape)
{
	DB_HASH_STAT *stat;

	if (db->stat(db, NULL, &stat, DB_FAST_STAT) != 0)
		return false;
	shape->pages = stat->hash_pagecnt;
	shape->buckets = stat->hash_buckets;
	free(stat);
	return true;
}

static bool holds(DB *db, const struct map_change *change)
{
	DBT k = { .data = (void *)change->key, .size = change->key_len };
	DBT v = { 0 };
	int rc = db->get(db, NULL, &k, &v, 0);

	if (rc == DB_NOTFOUND)
		return change->value_len == 0;
	return rc == 0 && change->value_len != 0 &&
	       v.size == change->value_len &&
	       memcmp(v.data, change->value, v.size) == 0;
}

static bool apply(DB *db, const struct map_change *change)
{
	DBT k = { .data = (void *)change->key, .size = change->key_len };
	DBT v = { .data = (void *)change->value, .size = change->value_len };
	int rc;

	if (holds(db, change))
		return true;
	if (change->value_len == 0)
		rc = db->del(db, NULL, &k, 0);
	else
		rc = db->put(db, NULL, &k, &v, 0);
	return rc == 0 || rc == DB_NOTFOUND;
}

/* Berkeley DB's sync writes the dirty pages, which is what readers
 * need, then fsyncs the file, which only a crash would need: after one,
 * mapgen starts with a full export that replaces the map anyway. */
static int skip_fsync(int fd)
{
	(void)fd;
	return 0;
}

/* In the child.  Nothing reaches the file before db->sync: the cache
 * holds every page the changes touch. */
static int child_update(const char *db_path, const struct map_change *changes,
			size_t count, off_t file_size)
{
	struct shape before, after;
	DB *db;

	db_env_set_func_fsync(skip_fsync);
	if (db_create(&db, NULL, 0) != 0)
		return CHILD_FAILED;
	if (db->set_cachesize(db, 0, cache_bytes(count, file_size), 1) != 0 ||
	    db->open(db, NULL, db_path, NULL, DB_HASH, 0, 0) != 0 ||
	    !take_shape(db, &before))
		return CHILD_FAILED;
	for (size_t i = 0; i < count; i++)
		if (!apply(db, &changes[i]))
			return CHILD_FAILED;
	if (!take_shape(db, &after))
		return CHILD_FAILED;
	if (after.pages != before.pages || after.buckets != before.buckets)
		return CHILD_RESHAPED;
	if (db->sync(db, 0) != 0 || db->close(db, 0) != 0)
		return CHILD_FAILED;
	return CHILD_DONE;
}

static int run_child(const char *db_path, const struct map_change *changes,
		     size_t count, off_t file_size, struct relay_error *failure)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return map_fail(failure, RELAY_OS_ERROR, "map %s: fork: %m", db_path);
	if (pid == 0)
		_exit(child_update(db_path, changes, count, file_size));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return map_fail(failure, RELAY_OS_ERROR, "map %s: waitpid: %m",
					db_path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_DONE)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_RESHAPED)
		return MAP_UPDATE_REBUILD;
	return map_fail(failure, RELAY_FAILED,
			"map %s: updating it in place failed", db_path);
}

int map_update_in_place(const char *db_path, const struct map_change *changes,
			size_t count, struct map_state *state,
			struct relay_error *failure)
{
	int fd = lock_map(db_path, state);
	int rc;

	if (fd < 0)
		return MAP_UPDATE_REBUILD;
	rc = run_child(db_path, changes, count, state->size, failure);
	map_state_take(db_path, state);
	flock(fd, LOCK_UN);
	close(fd);
	return rc;
}

int map_update_touch(const char *db_path, struct map_state *state,
		     struct relay_error *failure)
{
	int fd = lock_map(db_path, state);
	int rc = 0;

	if (fd < 0)
		return MAP_UPDATE_REBUILD;
	if (futimens(fd, NULL) != 0)
		rc = map_fail(failure, map_errno_status(errno),
			      "map %s: cannot move its time on: %m", db_path);
	map_state_take(db_path, state);
	flock(fd, LOCK_UN);
	close(fd);
	return rc;
}
