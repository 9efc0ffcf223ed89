/* core/store and core/snapshot on real files in a private directory.
 *
 * The store decides who may relay, so besides the operations these
 * tests check every refusal, and that a refused file is left exactly as
 * it was.  Lock waits are tested with a second process holding tdb's
 * locks, since fcntl locks never conflict within one process. */
#include "unit.h"
#include "store_exit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <tdb.h>
#include <unistd.h>

#include "snapshot.h"
#include "prune.h"
#include "store.h"

#define MARKER "relayers:store"
#define BUSY_TIMEOUT_MS 100

struct fixture {
	char dir[256];
	char path[PATH_MAX]; /* dir/relayers.tdb, absent at start */
};

static int make_dir(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/relayers-unit.XXXXXX",
		 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(chmod(fx->dir, 0700), 0);
	snprintf(fx->path, sizeof(fx->path), "%s/relayers.tdb", fx->dir);
	*state = fx;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void kill_helpers(void);

static int remove_dir(void **state)
{
	struct fixture *fx = *state;

	kill_helpers();
	nftw(fx->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* ---- helpers: addresses, options, stores ---- */

static struct relay_addr addr_of(const char *text)
{
	struct relay_addr addr;

	if (!relay_addr_parse(text, &addr))
		fail_msg("test address \"%s\" refused", text);
	return addr;
}

static struct relay_store_options options(bool create, unsigned timeout_ms)
{
	struct relay_store_options opts = {
		.timeout_ms = timeout_ms,
		.create = create,
	};
	return opts;
}

static enum relay_status open_store(const char *path, bool create,
				    struct relay_store **store,
				    struct relay_error *err)
{
	struct relay_store_options opts = options(create, 2000);

	memset(err, 0, sizeof(*err));
	return relay_store_open(path, &opts, store, err);
}

static struct relay_store *must_open(const char *path, bool create)
{
	struct relay_store *store;
	struct relay_error err;
	enum relay_status status = open_store(path, create, &store, &err);

	if (status != RELAY_OK)
		fail_msg("open %s: %s (%s)", path, relay_status_name(status),
			 err.text);
	return store;
}

static void must_put(struct relay_store *store, const char *text, int64_t stamp)
{
	struct relay_addr addr = addr_of(text);
	struct relay_error err;
	enum relay_status status = relay_store_put(store, &addr, stamp, &err);

	if (status != RELAY_OK)
		fail_msg("put %s: %s (%s)", text, relay_status_name(status),
			 err.text);
}

static enum relay_status get_stamp(struct relay_store *store, const char *text,
				   int64_t *stamp)
{
	struct relay_addr addr = addr_of(text);
	struct relay_error err;

	return relay_store_get(store, &addr, stamp, &err);
}

static void expect_stamp(struct relay_store *store, const char *text,
			 int64_t want)
{
	int64_t got = -1;
	enum relay_status status = get_stamp(store, text, &got);

	if (status != RELAY_OK)
		fail_msg("get %s: %s", text, relay_status_name(status));
	assert_int_equal(got, want);
}

/* check passes and counts entries and records that are not entries. */
static void expect_store_check(struct relay_store *store, uint64_t want_entries,
			       uint64_t want_bad)
{
	struct relay_error err;
	uint64_t entries = 99, bad = 99;
	enum relay_status status = relay_store_check(store, &entries, &bad, &err);

	if (status != RELAY_OK)
		fail_msg("check: %s (%s)", relay_status_name(status), err.text);
	assert_int_equal(entries, want_entries);
	assert_int_equal(bad, want_bad);
}

/* A new store holding one entry, closed again. */
static void make_store(const char *path)
{
	struct relay_store *store = must_open(path, true);

	must_put(store, "192.0.2.7", 1700000000);
	relay_store_close(store);
}

/* ---- helpers: the tdb underneath, for what only a foreign writer does ---- */

static struct tdb_context *raw_open(const char *path, int flags)
{
	struct tdb_context *tdb = tdb_open(path, 0, TDB_DEFAULT, flags, 0600);

	if (tdb == NULL)
		fail_msg("tdb_open %s: %s", path, strerror(errno));
	return tdb;
}

static void raw_store(const char *path, const char *key, size_t keylen,
		      const char *value, size_t valuelen)
{
	struct tdb_context *tdb = raw_open(path, O_RDWR);
	TDB_DATA k = { (unsigned char *)key, keylen };
	TDB_DATA v = { (unsigned char *)value, valuelen };

	assert_int_equal(tdb_store(tdb, k, v, TDB_REPLACE), 0);
	tdb_close(tdb);
}

/* The value stored under key, NUL-terminated for comparison; NULL if
 * absent.  The length goes to *len. */
static char *raw_fetch(const char *path, const char *key, size_t *len)
{
	struct tdb_context *tdb = raw_open(path, O_RDWR);
	TDB_DATA k = { (unsigned char *)key, strlen(key) };
	TDB_DATA v = tdb_fetch(tdb, k);
	char *copy = NULL;

	if (v.dptr != NULL) {
		copy = calloc(1, v.dsize + 1);
		assert_non_null(copy);
		memcpy(copy, v.dptr, v.dsize);
		*len = v.dsize;
		free(v.dptr);
	}
	tdb_close(tdb);
	return copy;
}

/* ---- helpers: files left exactly as they were ---- */

struct file_image {
	bool exists;
	struct stat st;
	char *bytes;
	size_t len;
};

static void write_file(const char *path, const void *bytes, size_t len,
		       mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static char *read_whole(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	char *bytes;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	bytes = malloc((size_t)st.st_size + 1);
	assert_non_null(bytes);
	*len = 0;
	while (*len < (size_t)st.st_size) {
		ssize_t got = read(fd, bytes + *len, (size_t)st.st_size - *len);

		assert_true(got > 0);
		*len += (size_t)got;
	}
	bytes[*len] = '\0';
	close(fd);
	return bytes;
}

static void image_take(const char *path, struct file_image *img)
{
	memset(img, 0, sizeof(*img));
	img->exists = lstat(path, &img->st) == 0;
	if (img->exists && S_ISREG(img->st.st_mode))
		img->bytes = read_whole(path, &img->len);
}

/* Same inode, type, mode, owner, time and bytes. */
static void expect_unchanged(const char *path, struct file_image *before)
{
	struct file_image after;

	image_take(path, &after);
	assert_int_equal(after.exists, before->exists);
	if (before->exists) {
		assert_int_equal(after.st.st_ino, before->st.st_ino);
		assert_int_equal(after.st.st_mode, before->st.st_mode);
		assert_int_equal(after.st.st_uid, before->st.st_uid);
		assert_int_equal(after.st.st_size, before->st.st_size);
		assert_int_equal(after.st.st_mtim.tv_sec,
				 before->st.st_mtim.tv_sec);
		assert_int_equal(after.st.st_mtim.tv_nsec,
				 before->st.st_mtim.tv_nsec);
		assert_int_equal(after.len, before->len);
		if (before->len > 0)
			assert_memory_equal(after.bytes, before->bytes,
					    before->len);
	}
	free(after.bytes);
	free(before->bytes);
	before->bytes = NULL;
}

static int no_dots(const struct dirent *e)
{
	return strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
}

/* The names in dir, sorted and space-separated, for exact comparison:
 * readdir's order differs from one file system to the next. */
static void list_dir(const char *dir, char *out, size_t outlen)
{
	struct dirent **names;
	int count = scandir(dir, &names, no_dots, alphasort);
	size_t used = 0;

	assert_true(count >= 0);
	out[0] = '\0';
	for (int i = 0; i < count; i++) {
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
					 used ? " " : "", names[i]->d_name);
		assert_true(used < outlen);
		free(names[i]);
	}
	free(names);
}

static void expect_dir(const char *dir, const char *names)
{
	char listed[1024];

	list_dir(dir, listed, sizeof(listed));
	assert_string_equal(listed, names);
}

/* Opening must give status, name the path, and leave the file alone,
 * whether or not the caller asked for creation. */
static void expect_refused(const char *path, enum relay_status want)
{
	for (int create = 0; create <= 1; create++) {
		/* Not NULL, so that the test sees open clear it. */
		struct relay_store *store = (struct relay_store *)&store;
		struct relay_error err;
		struct file_image before;
		enum relay_status got;

		image_take(path, &before);
		got = open_store(path, create, &store, &err);
		if (got != want)
			fail_msg("%s (create=%d): %s, expected %s (%s)", path,
				 create, relay_status_name(got),
				 relay_status_name(want), err.text);
		assert_null(store);
		assert_int_equal(err.status, want);
		assert_non_null(strstr(err.text, path));
		expect_unchanged(path, &before);
	}
}

/* ---- creation and the plain operations ---- */

static void test_create_mode_and_marker(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct tdb_context *tdb;
	struct stat st;
	size_t len;
	char *bytes;

	relay_store_close(store);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	/* Nothing else is left behind, such as the private build name. */
	expect_dir(fx->dir, "relayers.tdb");

	bytes = read_whole(fx->path, &len);
	assert_memory_equal(bytes, "TDB file\n", 9);
	assert_non_null(memmem(bytes, len, MARKER, strlen(MARKER)));
	free(bytes);

	tdb = raw_open(fx->path, O_RDWR);
	TDB_DATA key = { (unsigned char *)MARKER, strlen(MARKER) };
	assert_int_equal(tdb_exists(tdb, key), 1);
	assert_int_equal(tdb_hash_size(tdb), RELAY_STORE_HASH_SIZE);
	tdb_close(tdb);

	/* Opening again neither recreates nor fails. */
	relay_store_close(must_open(fx->path, true));
	relay_store_close(must_open(fx->path, false));
	expect_dir(fx->dir, "relayers.tdb");
}

/* A store is created with the hash size asked for; opening it asking
 * for another keeps its own. */
static void test_create_hash_size(void **state)
{
	struct fixture *fx = *state;
	struct relay_store_options opts = options(true, 2000);
	struct relay_store *store;
	struct relay_error err;
	struct tdb_context *tdb;

	opts.hash_size = 1009;
	assert_int_equal(relay_store_open(fx->path, &opts, &store, &err), RELAY_OK);
	assert_int_equal(relay_store_hash_size(store), 1009);
	relay_store_close(store);
	opts.hash_size = 31;
	assert_int_equal(relay_store_open(fx->path, &opts, &store, &err), RELAY_OK);
	assert_int_equal(relay_store_hash_size(store), 1009);
	relay_store_close(store);
	tdb = raw_open(fx->path, O_RDWR);
	assert_int_equal(tdb_hash_size(tdb), 1009);
	tdb_close(tdb);
	/* Past the largest: refused, and nothing is left behind. */
	assert_int_equal(unlink(fx->path), 0);
	opts.hash_size = RELAY_STORE_HASH_SIZE_MAX + 1;
	assert_int_equal(relay_store_open(fx->path, &opts, &store, &err),
			 RELAY_USAGE);
	assert_non_null(strstr(err.text, "hash size"));
	expect_dir(fx->dir, "");
}

static void test_put_get_delete(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_addr addr = addr_of("192.0.2.7");
	struct relay_error err;
	int64_t stamp;

	must_put(store, "192.0.2.7", 1700000000);
	expect_stamp(store, "192.0.2.7", 1700000000);
	/* put replaces, also with an older time. */
	must_put(store, "192.0.2.7", 1700000100);
	expect_stamp(store, "192.0.2.7", 1700000100);
	must_put(store, "192.0.2.7", 5);
	expect_stamp(store, "192.0.2.7", 5);

	/* Any spelling of an address is the same entry. */
	must_put(store, "::ffff:192.0.2.8", 1);
	expect_stamp(store, "192.0.2.8", 1);
	must_put(store, "IPv6:2001:DB8:0:0:0:0:0:1", 2);
	expect_stamp(store, "[2001:db8::1]", 2);

	assert_int_equal(relay_store_delete(store, &addr, &err), RELAY_OK);
	assert_int_equal(get_stamp(store, "192.0.2.7", &stamp), RELAY_NOT_FOUND);
	assert_int_equal(relay_store_delete(store, &addr, &err), RELAY_NOT_FOUND);
	assert_int_equal(err.status, RELAY_NOT_FOUND);
	assert_non_null(strstr(err.text, "192.0.2.7"));
	expect_stamp(store, "192.0.2.8", 1);
	relay_store_close(store);
}

static void test_get_delete_not_found(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_addr addr = addr_of("2001:db8::99");
	struct relay_error err;
	int64_t stamp = 42;

	assert_int_equal(relay_store_get(store, &addr, &stamp, &err),
			 RELAY_NOT_FOUND);
	assert_int_equal(stamp, 42);
	assert_int_equal(relay_store_delete(store, &addr, &err), RELAY_NOT_FOUND);
	relay_store_close(store);
}

/* The value is what makemap, sendmail's arith map and Postfix read:
 * the canonical key and bare digits, without NUL or padding. */
static void test_record_format_on_disk(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	size_t len = 0;
	char *value;

	must_put(store, "2001:DB8:0:0:0:0:0:1", 1700000000);
	must_put(store, "::ffff:198.51.100.4", 7);
	relay_store_close(store);

	value = raw_fetch(fx->path, "2001:db8::1", &len);
	assert_non_null(value);
	assert_int_equal(len, 10);
	assert_string_equal(value, "1700000000");
	free(value);
	value = raw_fetch(fx->path, "198.51.100.4", &len);
	assert_non_null(value);
	assert_int_equal(len, 1);
	assert_string_equal(value, "7");
	free(value);
	assert_null(raw_fetch(fx->path, "2001:DB8::1", &len));
	assert_null(raw_fetch(fx->path, "::ffff:198.51.100.4", &len));
}

static void test_record_in_one_call(void **state)
{
	struct fixture *fx = *state;
	struct relay_store_options opts = options(true, 250);
	struct relay_addr addr = addr_of("203.0.113.5");
	struct relay_error err;
	struct relay_store *store;

	assert_int_equal(relay_store_record(fx->path, &opts, &addr, 100, &err),
			 RELAY_OK);
	assert_int_equal(relay_store_record(fx->path, &opts, &addr, 200, &err),
			 RELAY_OK);
	store = must_open(fx->path, false);
	expect_stamp(store, "203.0.113.5", 200);
	relay_store_close(store);
	expect_dir(fx->dir, "relayers.tdb");
}

/* ---- snapshots ---- */

struct collected {
	int count;
	int64_t sum;
};

static bool count_entry(const struct relay_addr *addr, int64_t stamp,
			void *context)
{
	struct collected *seen = context;

	(void)addr;
	seen->count++;
	seen->sum += stamp;
	return true;
}

static bool stop_at_once(const struct relay_addr *addr, int64_t stamp,
			 void *context)
{
	(void)addr;
	(void)stamp;
	++*(int *)context;
	return false;
}

static void test_snapshot_skips_foreign_records(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_snapshot snap;
	struct relay_error err;
	struct collected seen = { 0, 0 };
	uint64_t skipped = 99;
	int calls = 0;
	char key[RELAY_ADDR_TEXT_MAX];

	must_put(store, "192.0.2.1", 10);
	must_put(store, "2001:db8::1", 20);
	must_put(store, "198.51.100.1", 30);
	relay_store_close(store);

	/* What a foreign writer or an old tool might leave. */
	raw_store(fx->path, "junk", 4, "1", 1);
	raw_store(fx->path, "2001:DB8::2", 11, "5", 1);	  /* not canonical */
	raw_store(fx->path, "192.0.2.9", 9, "abc", 3);	  /* not a time */
	raw_store(fx->path, "192.0.2.10", 10, "17\0", 3); /* a C string */
	raw_store(fx->path, "192.0.2.11\0", 11, "17", 2);

	store = must_open(fx->path, false);
	assert_int_equal(relay_store_snapshot(store, count_entry, &seen,
					      &skipped, &err),
			 RELAY_OK);
	assert_int_equal(seen.count, 3);
	assert_int_equal(seen.sum, 60);
	assert_int_equal(skipped, 5);

	assert_int_equal(relay_snapshot_take(store, &snap, &err), RELAY_OK);
	assert_int_equal(snap.count, 3);
	assert_int_equal(snap.skipped, 5);
	for (size_t i = 0; i < snap.count; i++) {
		relay_addr_format(&snap.entries[i].addr, key);
		if (strcmp(key, "192.0.2.1") == 0)
			assert_int_equal(snap.entries[i].stamp, 10);
		else if (strcmp(key, "2001:db8::1") == 0)
			assert_int_equal(snap.entries[i].stamp, 20);
		else if (strcmp(key, "198.51.100.1") == 0)
			assert_int_equal(snap.entries[i].stamp, 30);
		else
			fail_msg("unexpected entry %s", key);
	}
	relay_snapshot_free(&snap);
	assert_null(snap.entries);

	/* A relay key whose value is not a time is reported, not guessed. */
	int64_t stamp = 42;
	assert_int_equal(get_stamp(store, "192.0.2.9", &stamp), RELAY_MALFORMED);
	assert_int_equal(stamp, 42);

	/* The walk stops when asked, and NULL is fine for skipped. */
	assert_int_equal(relay_store_snapshot(store, stop_at_once, &calls, NULL,
					      &err),
			 RELAY_OK);
	assert_int_equal(calls, 1);

	/* check counts the same way, and the structure is sound. */
	expect_store_check(store, 3, 5);
	relay_store_close(store);
}

static void test_snapshot_of_empty_store(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_snapshot snap;
	struct relay_error err;

	assert_int_equal(relay_snapshot_take(store, &snap, &err), RELAY_OK);
	assert_int_equal(snap.count, 0);
	assert_int_equal(snap.skipped, 0); /* the marker is not "foreign" */
	relay_snapshot_free(&snap);
	relay_store_close(store);
}

static void put_many(struct relay_store *store, int count)
{
	for (int i = 0; i < count; i++) {
		char text[32];

		snprintf(text, sizeof(text), "10.%d.%d.%d", i >> 16,
			 (i >> 8) & 0xff, i & 0xff);
		must_put(store, text, 1000000 + i);
	}
}

static void test_snapshot_after_many_puts(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_snapshot snap;
	struct relay_error err;
	char key[RELAY_ADDR_TEXT_MAX];
	int64_t sum = 0, want = 0;
	enum { COUNT = 10000 };

	put_many(store, COUNT);
	assert_int_equal(relay_snapshot_take(store, &snap, &err), RELAY_OK);
	assert_int_equal(snap.count, COUNT);
	assert_int_equal(snap.skipped, 0);
	for (size_t i = 0; i < snap.count; i++) {
		int64_t n = snap.entries[i].stamp - 1000000;

		/* Each entry carries its own address's time. */
		snprintf(key, sizeof(key), "10.%d.%d.%d", (int)(n >> 16),
			 (int)((n >> 8) & 0xff), (int)(n & 0xff));
		char got[RELAY_ADDR_TEXT_MAX];
		relay_addr_format(&snap.entries[i].addr, got);
		assert_string_equal(got, key);
		sum += n;
		want += (int64_t)i;
	}
	assert_int_equal(sum, want);
	relay_snapshot_free(&snap);
	expect_store_check(store, COUNT, 0);
	relay_store_close(store);
}

/* ---- transactions and change detection ---- */

static bool keep_recent(const struct relay_addr *addr, int64_t stamp,
			void *context)
{
	(void)addr;
	return stamp >= *(const int64_t *)context;
}

static void put_ten(struct relay_store *store)
{
	for (int i = 0; i < 10; i++) {
		char text[32];

		snprintf(text, sizeof(text), "192.0.2.%d", i);
		must_put(store, text, i);
	}
}

static int count_entries(struct relay_store *store)
{
	struct collected seen = { 0, 0 };
	struct relay_error err;

	assert_int_equal(relay_store_snapshot(store, count_entry, &seen, NULL,
					      &err),
			 RELAY_OK);
	return seen.count;
}

static void test_transaction_prune_commit(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_error err;
	int64_t cutoff = 5, stamp;
	uint64_t removed = 0, seq;

	put_ten(store);
	seq = relay_store_seqnum(store);
	assert_int_equal(relay_store_begin(store, &err), RELAY_OK);
	assert_int_equal(relay_store_prune(store, keep_recent, &cutoff, &removed,
					   &err),
			 RELAY_OK);
	assert_int_equal(removed, 5);
	assert_int_equal(relay_store_commit(store, &err), RELAY_OK);
	assert_true(relay_store_seqnum(store) != seq);

	assert_int_equal(count_entries(store), 5);
	assert_int_equal(get_stamp(store, "192.0.2.4", &stamp), RELAY_NOT_FOUND);
	expect_stamp(store, "192.0.2.5", 5);
	relay_store_close(store);

	/* The marker survives a prune that keeps nothing. */
	store = must_open(fx->path, false);
	cutoff = INT64_MAX;
	assert_int_equal(relay_store_begin(store, &err), RELAY_OK);
	assert_int_equal(relay_store_prune(store, keep_recent, &cutoff, &removed,
					   &err),
			 RELAY_OK);
	assert_int_equal(removed, 5);
	assert_int_equal(relay_store_commit(store, &err), RELAY_OK);
	relay_store_close(store);
	store = must_open(fx->path, false);
	assert_int_equal(count_entries(store), 0);
	relay_store_close(store);
}

static void test_transaction_cancel(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_addr addr = addr_of("192.0.2.9");
	struct relay_error err;
	struct file_image before;
	int64_t cutoff = INT64_MAX, stamp;
	uint64_t removed = 0;

	put_ten(store);
	relay_store_close(store);
	image_take(fx->path, &before);

	store = must_open(fx->path, false);
	assert_int_equal(relay_store_begin(store, &err), RELAY_OK);
	assert_int_equal(relay_store_delete(store, &addr, &err), RELAY_OK);
	/* Inside, the change is visible ... */
	assert_int_equal(get_stamp(store, "192.0.2.9", &stamp), RELAY_NOT_FOUND);
	assert_int_equal(relay_store_prune(store, keep_recent, &cutoff, &removed,
					   &err),
			 RELAY_OK);
	assert_int_equal(removed, 9);
	relay_store_cancel(store);
	/* ... and after cancel, none of it happened. */
	assert_int_equal(count_entries(store), 10);
	expect_stamp(store, "192.0.2.9", 9);
	relay_store_cancel(store); /* harmless outside a transaction */
	relay_store_close(store);
	expect_unchanged(fx->path, &before);
}

/* More than one chunk: every chunk's deletions land and the kept
 * entries stay (an off-by-one between chunks would lose or keep one);
 * inside the caller's transaction the same prune is all or nothing. */
static void test_prune_in_chunks(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_error err;
	const int total = 2 * RELAY_PRUNE_CHUNK + 500;
	int64_t cutoff = total - 10, stamp;
	uint64_t removed = 0, seq;
	char last[32];

	assert_int_equal(relay_store_begin(store, &err), RELAY_OK);
	for (int i = 0; i < total; i++) {
		char text[32];

		snprintf(text, sizeof(text), "10.0.%d.%d", i / 256, i % 256);
		must_put(store, text, i);
	}
	assert_int_equal(relay_store_commit(store, &err), RELAY_OK);

	assert_int_equal(relay_store_begin(store, &err), RELAY_OK);
	assert_int_equal(relay_store_prune(store, keep_recent, &cutoff,
					   &removed, &err),
			 RELAY_OK);
	assert_int_equal(removed, total - 10);
	relay_store_cancel(store);
	assert_int_equal(count_entries(store), total);

	seq = relay_store_seqnum(store);
	assert_int_equal(relay_store_prune(store, keep_recent, &cutoff,
					   &removed, &err),
			 RELAY_OK);
	assert_int_equal(removed, total - 10);
	assert_int_equal(count_entries(store), 10);
	assert_int_equal(get_stamp(store, "10.0.0.0", &stamp), RELAY_NOT_FOUND);
	snprintf(last, sizeof(last), "10.0.%d.%d", (total - 1) / 256,
		 (total - 1) % 256);
	expect_stamp(store, last, total - 1);
	assert_true(relay_store_seqnum(store) != seq);
	relay_store_close(store);
}

static void test_prune_runs_its_own_transaction(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_error err;
	int64_t cutoff = 7, stamp;
	uint64_t removed = 0;

	put_ten(store);
	assert_int_equal(relay_store_prune(store, keep_recent, &cutoff,
					   &removed, &err),
			 RELAY_OK);
	assert_int_equal(removed, 7);
	assert_int_equal(count_entries(store), 3);
	assert_int_equal(get_stamp(store, "192.0.2.6", &stamp), RELAY_NOT_FOUND);
	expect_stamp(store, "192.0.2.7", 7);
	/* Nothing to remove: no transaction, nothing changes. */
	uint64_t seq = relay_store_seqnum(store);
	assert_int_equal(relay_store_prune(store, keep_recent, &cutoff,
					   &removed, &err),
			 RELAY_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(relay_store_seqnum(store), seq);
	relay_store_close(store);
}

static void test_seqnum_changes(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_addr addr = addr_of("192.0.2.1");
	struct relay_error err;
	uint64_t seq, after;
	int64_t stamp;

	seq = relay_store_seqnum(store);
	must_put(store, "192.0.2.1", 1);
	after = relay_store_seqnum(store);
	assert_true(after != seq);

	/* Reads change nothing. */
	seq = after;
	expect_stamp(store, "192.0.2.1", 1);
	assert_int_equal(count_entries(store), 1);
	assert_int_equal(relay_store_seqnum(store), seq);

	/* Rewriting the same value is still a change a reader may want. */
	must_put(store, "192.0.2.1", 1);
	assert_true(relay_store_seqnum(store) != seq);

	seq = relay_store_seqnum(store);
	assert_int_equal(relay_store_begin(store, &err), RELAY_OK);
	assert_int_equal(relay_store_delete(store, &addr, &err), RELAY_OK);
	assert_int_equal(relay_store_commit(store, &err), RELAY_OK);
	assert_true(relay_store_seqnum(store) != seq);
	assert_int_equal(get_stamp(store, "192.0.2.1", &stamp), RELAY_NOT_FOUND);

	/* Another opener sees the count that writers left. */
	seq = relay_store_seqnum(store);
	relay_store_close(store);
	store = must_open(fx->path, false);
	assert_int_equal(relay_store_seqnum(store), seq);
	relay_store_close(store);
}

/* ---- check, repack, status codes ---- */

static void test_check_good_store(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);

	expect_store_check(store, 0, 0);
	put_ten(store);
	expect_store_check(store, 10, 0);
	relay_store_close(store);
}

/* The records in tdb's free list (the store must be closed: one
 * process cannot open a tdb twice). */
static int free_list_holes(const char *path)
{
	struct tdb_context *tdb = raw_open(path, O_RDWR);
	int holes = tdb_freelist_size(tdb);

	tdb_close(tdb);
	return holes;
}

static void delete_every_other(struct relay_store *store, int count)
{
	struct relay_error err;

	for (int i = 0; i < count; i += 2) {
		char text[32];
		struct relay_addr addr;

		snprintf(text, sizeof(text), "10.0.%d.%d", i >> 8, i & 0xff);
		addr = addr_of(text);
		assert_int_equal(relay_store_delete(store, &addr, &err), RELAY_OK);
	}
}

/* What delete_every_other(store, 1000) leaves of put_many(store, 1000). */
static void expect_odd_half_kept(struct relay_store *store)
{
	assert_int_equal(count_entries(store), 500);
	expect_stamp(store, "10.0.3.231", 1000000 + 999);
	expect_store_check(store, 500, 0);
}

/* Deleting every other record leaves holes that cannot merge: a long
 * free list, which compacting must shorten, keeping every entry. */
static void test_compact_shortens_long_free_list(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_error err;
	bool rewrite;

	put_many(store, 1000);
	delete_every_other(store, 1000);
	relay_store_close(store);
	assert_true(free_list_holes(fx->path) > 400);

	store = must_open(fx->path, true);
	assert_int_equal(relay_store_compact(store, &rewrite, &err), RELAY_OK);
	assert_false(rewrite); /* small enough to repack in place */
	relay_store_close(store);
	assert_true(free_list_holes(fx->path) <= 4);

	store = must_open(fx->path, false);
	expect_odd_half_kept(store);
	relay_store_close(store);
}

/* A short free list is left as it is: no rewrite of the whole store. */
static void test_compact_leaves_short_free_list(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_error err;
	uint64_t before;
	bool rewrite;

	put_many(store, 1000);
	delete_every_other(store, 10);
	before = relay_store_seqnum(store);
	assert_int_equal(relay_store_compact(store, &rewrite, &err), RELAY_OK);
	assert_false(rewrite);
	assert_true(relay_store_seqnum(store) == before);
	assert_int_equal(count_entries(store), 995);
	relay_store_close(store);
}

static void test_repack_keeps_entries(void **state)
{
	struct fixture *fx = *state;
	struct relay_store *store = must_open(fx->path, true);
	struct relay_error err;

	put_many(store, 1000);
	delete_every_other(store, 1000);
	assert_int_equal(relay_store_repack(store, &err), RELAY_OK);
	expect_odd_half_kept(store);
	relay_store_close(store);

	/* Still a relay store afterwards. */
	store = must_open(fx->path, false);
	assert_int_equal(count_entries(store), 500);
	relay_store_close(store);
}

static void test_status_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(relay_status_exit_code(RELAY_OK), 0);
	assert_int_equal(relay_status_exit_code(RELAY_NOT_FOUND), 1);
	assert_int_equal(relay_status_exit_code(RELAY_NOT_STORE), 65);
	assert_int_equal(relay_status_exit_code(RELAY_CORRUPT), 65);
	assert_int_equal(relay_status_exit_code(RELAY_MALFORMED), 65);
	assert_int_equal(relay_status_exit_code(RELAY_MISSING), 66);
	assert_int_equal(relay_status_exit_code(RELAY_FAILED), 74);
	assert_int_equal(relay_status_exit_code(RELAY_BUSY), 75);
	assert_int_equal(relay_status_exit_code(RELAY_INSECURE), 77);
	assert_int_equal(relay_status_exit_code(RELAY_CANNOT_CREATE), 73);
	assert_int_equal(relay_status_exit_code(RELAY_OS_ERROR), 71);
	assert_int_equal(relay_status_exit_code(RELAY_USAGE), 64);
	assert_int_equal(relay_status_exit_code((enum relay_status)99), 74);

	static const enum relay_status all[] = {
		RELAY_OK,
		RELAY_MISSING,
		RELAY_INSECURE,
		RELAY_NOT_STORE,
		RELAY_CORRUPT,
		RELAY_MALFORMED,
		RELAY_BUSY,
		RELAY_FAILED,
		RELAY_NOT_FOUND,
		RELAY_CANNOT_CREATE,
		RELAY_OS_ERROR,
		RELAY_USAGE,
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(relay_status_name(all[i]),
						relay_status_name(all[j]));
	assert_string_equal(relay_status_name(RELAY_BUSY), "busy");
}

/* ---- refusals: the file is never touched ---- */

static void test_missing_store(void **state)
{
	struct fixture *fx = *state;
	struct relay_store_options opts = options(true, 250);
	struct relay_store *store;
	struct relay_error err;

	assert_int_equal(open_store(fx->path, false, &store, &err), RELAY_MISSING);
	assert_null(store);
	assert_non_null(strstr(err.text, fx->path));
	expect_dir(fx->dir, "");

	/* A reader never creates. */
	opts.fallback_read_only = true;
	assert_int_equal(relay_store_open(fx->path, &opts, &store, &err),
			 RELAY_MISSING);
	expect_dir(fx->dir, "");
}

static void test_missing_directory(void **state)
{
	struct fixture *fx = *state;
	struct relay_store_options opts = options(true, 250);
	struct relay_addr addr = addr_of("192.0.2.7");
	struct relay_store *store;
	struct relay_error err;
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/absent/relayers.tdb", fx->dir);
	assert_int_equal(open_store(path, true, &store, &err), RELAY_MISSING);
	assert_null(store);
	assert_int_equal(relay_store_record(path, &opts, &addr, 1, &err),
			 RELAY_MISSING);
	expect_dir(fx->dir, "");
}

static void test_foreign_files(void **state)
{
	struct fixture *fx = *state;
	static const char text[] = "192.0.2.7 1700000000\n";
	char header[512];

	/* A text file where the store should be. */
	write_file(fx->path, text, sizeof(text) - 1, 0600);
	expect_refused(fx->path, RELAY_NOT_STORE);
	unlink(fx->path);

	/* An empty one: O_CREAT would have made it a tdb. */
	write_file(fx->path, "", 0, 0600);
	expect_refused(fx->path, RELAY_NOT_STORE);
	unlink(fx->path);

	/* The tdb magic followed by garbage. */
	memset(header, 0x5a, sizeof(header));
	memcpy(header, "TDB file\n", 9);
	write_file(fx->path, header, sizeof(header), 0600);
	expect_refused(fx->path, RELAY_CORRUPT);
	expect_dir(fx->dir, "relayers.tdb");
}

static void test_tdb_without_marker(void **state)
{
	struct fixture *fx = *state;
	struct tdb_context *tdb = tdb_open(fx->path, 131, TDB_DEFAULT,
					   O_RDWR | O_CREAT | O_EXCL, 0600);
	TDB_DATA key = { (unsigned char *)"192.0.2.7", 9 };
	TDB_DATA value = { (unsigned char *)"1700000000", 10 };

	assert_non_null(tdb);
	assert_int_equal(tdb_store(tdb, key, value, TDB_INSERT), 0);
	tdb_close(tdb);
	/* Someone else's tdb, even one holding a relay-like record, is
	 * never written to: not even to add the marker. */
	expect_refused(fx->path, RELAY_NOT_STORE);

	struct relay_store_options opts = options(true, 250);
	struct relay_addr addr = addr_of("192.0.2.8");
	struct relay_error err;
	struct file_image before;

	image_take(fx->path, &before);
	assert_int_equal(relay_store_record(fx->path, &opts, &addr, 1, &err),
			 RELAY_NOT_STORE);
	expect_unchanged(fx->path, &before);
}

static void test_symlinks(void **state)
{
	struct fixture *fx = *state;
	char target[PATH_MAX + 16], dangling[PATH_MAX + 16];
	struct relay_store *store;
	struct relay_error err;
	struct file_image before;

	snprintf(target, sizeof(target), "%s/real.tdb", fx->dir);
	make_store(target);
	assert_int_equal(symlink(target, fx->path), 0);
	image_take(target, &before);
	expect_refused(fx->path, RELAY_INSECURE);
	expect_unchanged(target, &before);

	/* A dangling link must not lead creation elsewhere. */
	snprintf(dangling, sizeof(dangling), "%s/elsewhere.tdb", fx->dir);
	unlink(fx->path);
	assert_int_equal(symlink(dangling, fx->path), 0);
	assert_int_equal(open_store(fx->path, true, &store, &err), RELAY_INSECURE);
	assert_int_equal(access(dangling, F_OK), -1);
	expect_dir(fx->dir, "real.tdb relayers.tdb");
}

static void test_directory(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(mkdir(fx->path, 0700), 0);
	expect_refused(fx->path, RELAY_INSECURE);
}

static void test_writable_by_others(void **state)
{
	struct fixture *fx = *state;
	static const mode_t refused[] = { 0620, 0602, 0660, 0666, 0622, 0777 };
	static const mode_t accepted[] = { 0600, 0640, 0644, 0400 };
	struct relay_store *store;
	struct relay_error err;

	make_store(fx->path);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(chmod(fx->path, refused[i]), 0);
		expect_refused(fx->path, RELAY_INSECURE);
	}
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		assert_int_equal(chmod(fx->path, accepted[i]), 0);
		if (open_store(fx->path, false, &store, &err) != RELAY_OK)
			fail_msg("mode %03o refused: %s", accepted[i], err.text);
		relay_store_close(store);
	}
}

static void test_owned_by_another_user(void **state)
{
	struct fixture *fx = *state;

	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	make_store(fx->path);
	assert_int_equal(chown(fx->path, 65534, 65534), 0);
	expect_refused(fx->path, RELAY_INSECURE);
	/* Group ownership alone does not matter; the owner does. */
	assert_int_equal(chown(fx->path, 0, 65534), 0);
	relay_store_close(must_open(fx->path, false));
}

/* ---- a second process: bounded waits ---- */

/* A forked helper that talks over two pipes.  It is forked before this
 * process opens the store: tdb refuses a second open of one file in a
 * process, and a child inherits the parent's list of open files. */
struct helper {
	pid_t pid;
	int to;	  /* commands to the helper; closing it ends the helper */
	int from; /* its replies */
};

struct probe_result {
	int status;
	long ms;
};

/* Copies of the helpers still running: a failed assertion leaves its
 * test (and the helper's stack frame) early, and the teardown then ends
 * them.  A pid of 0 marks a free slot. */
static struct helper live_helpers[4];

static void helper_track(const struct helper *h, bool live)
{
	for (size_t i = 0; i < sizeof(live_helpers) / sizeof(live_helpers[0]);
	     i++)
		if (live_helpers[i].pid == (live ? 0 : h->pid)) {
			if (live)
				live_helpers[i] = *h;
			else
				live_helpers[i].pid = 0;
			return;
		}
	assert_false(live); /* more helpers than slots */
}

static void helper_start(struct helper *h, void (*body)(const char *, int, int),
			 const char *path)
{
	int down[2], up[2];

	assert_int_equal(pipe(down), 0);
	assert_int_equal(pipe(up), 0);
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (h->pid == 0) {
		close(down[1]);
		close(up[0]);
		body(path, down[0], up[1]);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	h->to = down[1];
	h->from = up[0];
	helper_track(h, true);
}

/* Reads len bytes, waiting at most limit_ms; false on timeout or EOF. */
static bool helper_read(struct helper *h, void *buf, size_t len, long limit_ms)
{
	struct pollfd p = { .fd = h->from, .events = POLLIN };
	size_t got = 0;
	long start = unit_now_ms();

	while (got < len) {
		long left = limit_ms - (unit_now_ms() - start);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return false;
		n = read(h->from, (char *)buf + got, len - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

static void helper_stop(struct helper *h)
{
	long start = unit_now_ms();

	close(h->to);
	while (waitpid(h->pid, NULL, WNOHANG) == 0) {
		if (unit_now_ms() - start > 5000 * unit_time_scale()) {
			kill(h->pid, SIGKILL);
			waitpid(h->pid, NULL, 0);
			break;
		}
		struct timespec pause = { 0, 5000000 };
		nanosleep(&pause, NULL);
	}
	close(h->from);
	helper_track(h, false);
}

static void kill_helpers(void)
{
	for (size_t i = 0; i < sizeof(live_helpers) / sizeof(live_helpers[0]);
	     i++) {
		struct helper *h = &live_helpers[i];

		if (h->pid == 0)
			continue;
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		close(h->to);
		close(h->from);
		h->pid = 0;
	}
}

static void wait_for_eof(int in)
{
	char byte;

	while (read(in, &byte, 1) > 0)
		;
}

/* Holds the whole-store lock, as a traverse or a bulk writer would. */
static void hold_lockall(const char *path, int in, int out)
{
	struct tdb_context *tdb = tdb_open(path, 0, TDB_DEFAULT, O_RDWR, 0);

	if (tdb == NULL || tdb_lockall(tdb) != 0) {
		(void)!write(out, "E", 1);
		return;
	}
	(void)!write(out, "L", 1);
	wait_for_eof(in);
	tdb_unlockall(tdb);
	tdb_close(tdb);
}

/* Holds byte 0, tdb's open lock, as a stuck opener would. */
static void hold_open_lock(const char *path, int in, int out)
{
	struct flock lock = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1
	};
	int fd = open(path, O_RDWR);

	if (fd < 0 || fcntl(fd, F_SETLK, &lock) != 0) {
		(void)!write(out, "E", 1);
		return;
	}
	(void)!write(out, "L", 1);
	wait_for_eof(in);
	close(fd);
}

static enum relay_status probe_open(const char *path, struct relay_store **store)
{
	struct relay_store_options opts = options(false, BUSY_TIMEOUT_MS);
	struct relay_error err;

	return relay_store_open(path, &opts, store, &err);
}

static enum relay_status probe_run(const char *path, char op,
				   struct relay_store **store)
{
	struct relay_store_options opts = options(false, BUSY_TIMEOUT_MS);
	struct relay_addr addr = addr_of("192.0.2.7");
	struct relay_error err;
	struct collected seen = { 0, 0 };
	uint64_t a, b;
	int64_t stamp;
	enum relay_status status;

	if (op == 'o') {
		relay_store_close(*store);
		return probe_open(path, store);
	}
	if (op == 'R') {
		/* One process may have a tdb file open only once. */
		relay_store_close(*store);
		*store = NULL;
		return relay_store_record(path, &opts, &addr, 3, &err);
	}
	if (*store == NULL)
		return RELAY_FAILED;
	switch (op) {
	case 'p': return relay_store_put(*store, &addr, 2, &err);
	case 'g': return relay_store_get(*store, &addr, &stamp, &err);
	case 'd': return relay_store_delete(*store, &addr, &err);
	case 's': return relay_store_snapshot(*store, count_entry, &seen, NULL,
					      &err);
	case 'c': return relay_store_check(*store, &a, &b, &err);
	case 'r': return relay_store_repack(*store, &err);
	case 'b':
		status = relay_store_begin(*store, &err);
		relay_store_cancel(*store);
		return status;
	}
	return RELAY_FAILED;
}

/* Opens the store, reports, then runs each command byte it is sent and
 * reports the status and the time it took. */
static void probe(const char *path, int in, int out)
{
	struct relay_store *store = NULL;
	struct probe_result result;
	long start = unit_now_ms();
	char op;

	result.status = probe_open(path, &store);
	result.ms = unit_now_ms() - start;
	(void)!write(out, &result, sizeof(result));
	while (read(in, &op, 1) == 1) {
		start = unit_now_ms();
		result.status = probe_run(path, op, &store);
		result.ms = unit_now_ms() - start;
		(void)!write(out, &result, sizeof(result));
	}
	relay_store_close(store);
}

static struct probe_result probe_ask(struct helper *h, char op)
{
	struct probe_result result = { -1, -1 };

	if (op != 0)
		assert_int_equal(write(h->to, &op, 1), 1);
	if (!helper_read(h, &result, sizeof(result), 5000 * unit_time_scale()))
		fail_msg("operation '%c' did not return within 5 s: a lock "
			 "wait is not bounded",
			 op ? op : 'O');
	return result;
}

static void expect_busy(struct helper *h, char op)
{
	struct probe_result got = probe_ask(h, op);

	if (got.status != RELAY_BUSY)
		fail_msg("operation '%c': %s, expected busy", op,
			 relay_status_name(got.status));
	if (got.ms < BUSY_TIMEOUT_MS - 5 || got.ms > 1000 * unit_time_scale())
		fail_msg("operation '%c' gave up after %ld ms, not about %d",
			 op, got.ms, BUSY_TIMEOUT_MS);
}

static void expect_ok(struct helper *h, char op)
{
	struct probe_result got = probe_ask(h, op);

	if (got.status != RELAY_OK)
		fail_msg("operation '%c': %s, expected ok", op ? op : 'O',
			 relay_status_name(got.status));
}

static void start_holder(struct helper *holder,
			 void (*body)(const char *, int, int), const char *path)
{
	char byte = 0;

	helper_start(holder, body, path);
	if (!helper_read(holder, &byte, 1, 5000 * unit_time_scale()) ||
	    byte != 'L')
		fail_msg("the lock holder could not take its lock");
}

static void test_busy_whole_store_lock(void **state)
{
	struct fixture *fx = *state;
	struct helper prober, holder;
	static const char ops[] = "pgdsbcr";

	make_store(fx->path);
	helper_start(&prober, probe, fx->path);
	expect_ok(&prober, 0); /* opened before the lock is taken */
	start_holder(&holder, hold_lockall, fx->path);

	for (const char *op = ops; *op != '\0'; op++)
		expect_busy(&prober, *op);
	expect_busy(&prober, 'R');
	expect_busy(&prober, 'o'); /* opening reads the marker */

	helper_stop(&holder);
	expect_ok(&prober, 'o');
	expect_ok(&prober, 'p');
	expect_ok(&prober, 'R');
	helper_stop(&prober);
}

static void test_busy_open_lock(void **state)
{
	struct fixture *fx = *state;
	struct helper prober, holder;

	make_store(fx->path);
	helper_start(&prober, probe, fx->path);
	expect_ok(&prober, 0);
	start_holder(&holder, hold_open_lock, fx->path);

	/* An open store does not need the open lock ... */
	expect_ok(&prober, 'p');
	expect_ok(&prober, 'g');
	/* ... opening it does, and gives up in time. */
	expect_busy(&prober, 'o');
	expect_busy(&prober, 'R');

	helper_stop(&holder);
	expect_ok(&prober, 'o');
	expect_ok(&prober, 'g');
	helper_stop(&prober);
}

/* A FIFO would block an open(2) for reading forever. */
static void test_fifo_refused_without_hanging(void **state)
{
	struct fixture *fx = *state;
	struct helper prober;
	struct probe_result got;

	assert_int_equal(mkfifo(fx->path, 0600), 0);
	helper_start(&prober, probe, fx->path);
	got = probe_ask(&prober, 0);
	helper_stop(&prober);
	assert_int_equal(got.status, RELAY_INSECURE);
	expect_refused(fx->path, RELAY_INSECURE);
}

/* Run as another user: writing needs a store the caller owns, and a
 * store it cannot write may still be read, unlocked, for a listing. */
static void as_nobody(const char *path, int in, int out)
{
	struct relay_store_options opts = options(false, 250);
	struct relay_addr addr = addr_of("192.0.2.50");
	struct collected seen = { 0, 0 };
	struct relay_store *store;
	struct relay_error err;
	signed char result[4] = { -1, -1, -1, -1 };

	(void)in;
	if (setgid(65534) != 0 || setuid(65534) != 0) {
		(void)!write(out, "EEEE", 4);
		return;
	}
	result[0] = (signed char)relay_store_open(path, &opts, &store, &err);
	if (result[0] == RELAY_OK) {
		result[1] = (signed char)relay_store_put(store, &addr, 1, &err);
		relay_store_close(store);
	}
	opts.fallback_read_only = true;
	result[2] = (signed char)relay_store_open(path, &opts, &store, &err);
	if (result[2] == RELAY_OK) {
		/* Without write access tdb takes no locks: a listing must
		 * still work, not report "busy". */
		result[3] = (signed char)relay_store_snapshot(store, count_entry,
							      &seen, NULL, &err);
		relay_store_close(store);
	}
	(void)!write(out, result, sizeof(result));
}

static void run_as_nobody(const char *path, signed char result[4])
{
	struct helper nobody;

	helper_start(&nobody, as_nobody, path);
	if (!helper_read(&nobody, result, 4, 5000 * unit_time_scale()))
		fail_msg("the helper running as uid 65534 did not answer");
	helper_stop(&nobody);
	assert_int_not_equal(result[0], 'E');
}

static void test_other_callers(void **state)
{
	struct fixture *fx = *state;
	signed char result[4];

	if (geteuid() != 0)
		skip(); /* needs a second user */
	assert_int_equal(chmod(fx->dir, 0711), 0);
	make_store(fx->path);

	/* The caller's own store: read and written. */
	assert_int_equal(chown(fx->path, 65534, 65534), 0);
	run_as_nobody(fx->path, result);
	assert_int_equal(result[0], RELAY_OK);
	assert_int_equal(result[1], RELAY_OK);
	assert_int_equal(result[2], RELAY_OK);
	assert_int_equal(result[3], RELAY_OK);

	/* root's store, readable by all (or by a group, at 0640): read
	 * only, as vsmtprelay list and mapgen open it. */
	assert_int_equal(chown(fx->path, 0, 0), 0);
	assert_int_equal(chmod(fx->path, 0644), 0);
	run_as_nobody(fx->path, result);
	assert_int_equal(result[0], RELAY_FAILED);
	assert_int_equal(result[2], RELAY_OK);
	assert_int_equal(result[3], RELAY_OK);
}

#define STORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, make_dir, remove_dir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		STORE_TEST(test_create_mode_and_marker),
		STORE_TEST(test_create_hash_size),
		STORE_TEST(test_put_get_delete),
		STORE_TEST(test_get_delete_not_found),
		STORE_TEST(test_record_format_on_disk),
		STORE_TEST(test_record_in_one_call),
		STORE_TEST(test_snapshot_skips_foreign_records),
		STORE_TEST(test_snapshot_of_empty_store),
		STORE_TEST(test_snapshot_after_many_puts),
		STORE_TEST(test_transaction_prune_commit),
		STORE_TEST(test_transaction_cancel),
		STORE_TEST(test_prune_in_chunks),
		STORE_TEST(test_prune_runs_its_own_transaction),
		STORE_TEST(test_seqnum_changes),
		STORE_TEST(test_check_good_store),
		STORE_TEST(test_repack_keeps_entries),
		STORE_TEST(test_compact_shortens_long_free_list),
		STORE_TEST(test_compact_leaves_short_free_list),
		cmocka_unit_test(test_status_exit_codes),
		STORE_TEST(test_missing_store),
		STORE_TEST(test_missing_directory),
		STORE_TEST(test_foreign_files),
		STORE_TEST(test_tdb_without_marker),
		STORE_TEST(test_symlinks),
		STORE_TEST(test_directory),
		STORE_TEST(test_writable_by_others),
		STORE_TEST(test_owned_by_another_user),
		STORE_TEST(test_other_callers),
		STORE_TEST(test_busy_whole_store_lock),
		STORE_TEST(test_busy_open_lock),
		STORE_TEST(test_fifo_refused_without_hanging),
	};

	return UNIT_RUN("store", tests, NULL, NULL);
}
