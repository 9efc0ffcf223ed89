/* core/salvage_scan (the raw walk of a damaged tdb file),
 * store_record_admissible, and relay_store_salvage on real files. */
#include "unit.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <tdb.h>
#include <unistd.h>

#include "salvage_scan.h"
#include "store.h"
#include "store_private.h"

#define HASH_SIZE 31

struct image {
	unsigned char *bytes;
	size_t size;
};

static char dir[] = "/tmp/relayers-salvage.XXXXXX";
static char path[PATH_MAX];

static TDB_DATA text(const char *s)
{
	return (TDB_DATA){ (unsigned char *)s, strlen(s) };
}

/* A store of count entries 10.0.0.N = 1700000000 + N, and the marker. */
static void make_store(unsigned count)
{
	struct tdb_context *tdb;

	unlink(path);
	tdb = tdb_open(path, HASH_SIZE, TDB_INCOMPATIBLE_HASH,
		       O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_non_null(tdb);
	assert_int_equal(tdb_store(tdb, text("relayers:store"), text("1"),
				   TDB_INSERT),
			 0);
	for (unsigned i = 0; i < count; i++) {
		char key[32], value[32];

		snprintf(key, sizeof(key), "10.0.0.%u", i);
		snprintf(value, sizeof(value), "%u", 1700000000 + i);
		assert_int_equal(tdb_store(tdb, text(key), text(value), TDB_INSERT),
				 0);
	}
	tdb_close(tdb);
}

static void delete_key(const char *key)
{
	struct tdb_context *tdb = tdb_open(path, 0, TDB_INCOMPATIBLE_HASH,
					   O_RDWR, 0);

	assert_non_null(tdb);
	assert_int_equal(tdb_delete(tdb, text(key)), 0);
	tdb_close(tdb);
}

static struct image read_store(void)
{
	struct image img;
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0 && fstat(fd, &st) == 0);
	img.size = (size_t)st.st_size;
	img.bytes = malloc(img.size + 1);
	assert_non_null(img.bytes);
	assert_int_equal(pread(fd, img.bytes, img.size, 0), (ssize_t)img.size);
	close(fd);
	return img;
}

static void write_store(const struct image *img)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, img->bytes, img->size), (ssize_t)img->size);
	close(fd);
}

/* The record of key in scan, or NULL. */
static const struct salvage_record *find(const struct image *img,
					 const struct salvage_scan *scan,
					 const char *key)
{
	for (size_t i = 0; i < scan->count; i++) {
		const struct salvage_record *r = &scan->records[i];

		if (r->key_len == strlen(key) &&
		    memcmp(img->bytes + r->offset + 24, key, r->key_len) == 0)
			return r;
	}
	return NULL;
}

static void scan(const struct image *img, struct salvage_scan *out)
{
	memset(out, 0, sizeof(*out));
	assert_true(salvage_scan_image(img->bytes, img->size, HASH_SIZE, out));
}

static void test_sound_store(void **state)
{
	struct salvage_scan s;
	struct image img;

	(void)state;
	make_store(50);
	img = read_store();
	scan(&img, &s);
	assert_int_equal(s.count, 51);
	assert_int_equal(s.hash_size, HASH_SIZE);
	assert_int_equal(s.damaged, 0);
	for (size_t i = 0; i < s.count; i++) {
		assert_true(s.records[i].in_hash);
		assert_false(s.records[i].in_free);
		assert_false(s.records[i].orphan);
	}
	salvage_scan_free(&s);
	free(img.bytes);
}

/* A zeroed header: the records are still found, and the chains followed
 * with the hash size the store is made with. */
static void test_zeroed_header(void **state)
{
	struct salvage_scan s;
	struct image img;

	(void)state;
	make_store(50);
	img = read_store();
	memset(img.bytes, 0, SALVAGE_HEADER_SIZE);
	scan(&img, &s);
	assert_int_equal(s.count, 51);
	assert_int_equal(s.hash_size, HASH_SIZE);
	assert_true(find(&img, &s, "10.0.0.7")->in_hash);
	salvage_scan_free(&s);
	free(img.bytes);
}

/* A damaged key no longer matches its hash: the record is not taken. */
static void test_damaged_key(void **state)
{
	struct salvage_scan s;
	struct image img;
	const struct salvage_record *r;

	(void)state;
	make_store(50);
	img = read_store();
	scan(&img, &s);
	r = find(&img, &s, "10.0.0.7");
	assert_non_null(r);
	img.bytes[r->offset + 24] = 'X';
	salvage_scan_free(&s);
	scan(&img, &s);
	assert_int_equal(s.count, 50);
	assert_int_equal(s.damaged, 1);
	assert_null(find(&img, &s, "X0.0.0.7"));
	salvage_scan_free(&s);
	free(img.bytes);
}

/* A deleted record is never taken for a current one, even when tdb left
 * its "in use" magic behind (merged into free space on its left). */
static void test_deleted_records(void **state)
{
	struct salvage_scan s;
	struct image img;

	(void)state;
	make_store(50);
	for (unsigned i = 10; i < 20; i++) {
		char key[32];

		snprintf(key, sizeof(key), "10.0.0.%u", i);
		delete_key(key);
	}
	img = read_store();
	scan(&img, &s);
	for (unsigned i = 10; i < 20; i++) {
		char key[32];
		const struct salvage_record *r;

		snprintf(key, sizeof(key), "10.0.0.%u", i);
		r = find(&img, &s, key);
		if (r != NULL) {
			assert_false(r->in_hash);
			assert_true(r->in_free || r->orphan);
		}
	}
	assert_true(find(&img, &s, "10.0.0.9")->in_hash);
	salvage_scan_free(&s);
	free(img.bytes);
}

/* Cut short in every place, and filled with junk: no record is read
 * past the end, and the walk ends. */
static void test_truncated_and_junk(void **state)
{
	struct salvage_scan s;
	struct image img;

	(void)state;
	make_store(50);
	img = read_store();
	for (size_t cut = 0; cut < img.size; cut += 7) {
		scan(&(struct image){ img.bytes, cut }, &s);
		for (size_t i = 0; i < s.count; i++)
			assert_true(s.records[i].offset + 24 + s.records[i].key_len +
					    s.records[i].data_len <=
				    cut);
		salvage_scan_free(&s);
	}
	srand(7);
	for (size_t i = 0; i < img.size; i++)
		img.bytes[i] = (unsigned char)rand();
	scan(&img, &s);
	assert_int_equal(s.count, 0);
	salvage_scan_free(&s);
	/* A chain that loops onto itself. */
	free(img.bytes);
	img = read_store();
	scan(&img, &s);
	{
		const struct salvage_record *r = find(&img, &s, "10.0.0.3");
		uint32_t self = r->offset;

		memcpy(img.bytes + r->offset, &self, 4); /* next = itself */
	}
	salvage_scan_free(&s);
	scan(&img, &s);
	assert_int_equal(s.count, 51);
	salvage_scan_free(&s);
	free(img.bytes);
}

static void test_admissible(void **state)
{
	int64_t order;

	(void)state;
	assert_true(store_record_admissible(text("relayers:store"), text("1"),
					    &order));
	assert_true(store_record_admissible(text("192.0.2.7"), text("1700000000"),
					    &order));
	assert_int_equal(order, 1700000000);
	assert_true(store_record_admissible(text("2001:db8::1"), text("5"), &order));
	assert_false(store_record_admissible(text("2001:DB8::1"), text("5"), &order));
	assert_false(store_record_admissible(text("::ffff:192.0.2.7"), text("5"),
					     &order));
	assert_false(store_record_admissible(text("192.0.2.7"), text("17x"), &order));
	assert_false(store_record_admissible(text("192.0.2.7"), text(""), &order));
	assert_false(store_record_admissible(text("somekey"), text("1"), &order));
	assert_false(store_record_admissible(text("relayers:store"), text(""),
					     &order));
}

static void test_salvage_keeps_owner_mode_and_entries(void **state)
{
	struct relay_store_options options = { .timeout_ms = 1000 };
	struct relay_salvage_report report;
	struct relay_error err;
	struct image img;
	struct stat before, after;
	struct tdb_context *tdb;
	TDB_DATA value;

	(void)state;
	make_store(50);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(stat(path, &before), 0);
	img = read_store();
	/* The whole hash table: tdb can no longer find a thing. */
	memset(img.bytes + SALVAGE_HEADER_SIZE, 0xff, 4 * (HASH_SIZE + 1));
	write_store(&img);
	free(img.bytes);
	assert_int_equal(relay_store_salvage(path, &options, &report, &err),
			 RELAY_OK);
	assert_int_equal(report.entries, 50);
	assert_true(report.marker);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_mode & 07777, 0640);
	assert_int_equal(after.st_uid, before.st_uid);
	assert_int_equal(after.st_gid, before.st_gid);
	assert_true(after.st_ino != before.st_ino);
	tdb = tdb_open(path, 0, TDB_INCOMPATIBLE_HASH, O_RDONLY, 0);
	assert_non_null(tdb);
	value = tdb_fetch(tdb, text("10.0.0.49"));
	assert_int_equal(value.dsize, 10);
	assert_memory_equal(value.dptr, "1700000049", 10);
	free(value.dptr);
	tdb_close(tdb);
}

/* A store made on a machine of the other byte order (TDB_CONVERT),
 * its header zeroed: the records' own magic says the order. */
static void test_foreign_byte_order(void **state)
{
	struct salvage_scan s;
	struct tdb_context *tdb;
	struct image img;

	(void)state;
	unlink(path);
	tdb = tdb_open(path, HASH_SIZE, TDB_INCOMPATIBLE_HASH | TDB_CONVERT,
		       O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_non_null(tdb);
	assert_int_equal(tdb_store(tdb, text("relayers:store"), text("1"),
				   TDB_INSERT),
			 0);
	assert_int_equal(tdb_store(tdb, text("192.0.2.7"), text("1700000000"),
				   TDB_INSERT),
			 0);
	tdb_close(tdb);
	img = read_store();
	scan(&img, &s);
	assert_true(s.convert);
	assert_int_equal(s.count, 2);
	assert_true(find(&img, &s, "192.0.2.7")->in_hash);
	salvage_scan_free(&s);
	memset(img.bytes, 0, SALVAGE_HEADER_SIZE);
	scan(&img, &s);
	assert_true(s.convert);
	assert_int_equal(s.count, 2);
	salvage_scan_free(&s);
	free(img.bytes);
}

/* The hash size of the file at path, as tdb reads it. */
static unsigned file_hash_size(void)
{
	struct tdb_context *tdb = tdb_open(path, 0, TDB_INCOMPATIBLE_HASH,
					   O_RDONLY, 0);
	unsigned size;

	assert_non_null(tdb);
	size = (unsigned)tdb_hash_size(tdb);
	tdb_close(tdb);
	return size;
}

/* The new store has the hash size asked for, else one sized for the
 * records kept, and every record moves over whichever. */
static void test_salvage_hash_size(void **state)
{
	struct relay_store_options options = { .timeout_ms = 1000 };
	struct relay_salvage_report report;
	struct relay_error err;
	struct tdb_context *tdb;
	TDB_DATA value;

	(void)state;
	make_store(50);
	assert_int_equal(file_hash_size(), HASH_SIZE);
	assert_int_equal(relay_store_salvage(path, &options, &report, &err),
			 RELAY_OK);
	assert_int_equal(report.hash_size, RELAY_STORE_HASH_SIZE);
	assert_int_equal(file_hash_size(), RELAY_STORE_HASH_SIZE);
	options.hash_size = 97;
	assert_int_equal(relay_store_salvage(path, &options, &report, &err),
			 RELAY_OK);
	assert_int_equal(report.hash_size, 97);
	assert_int_equal(report.records, 51);
	assert_int_equal(file_hash_size(), 97);
	tdb = tdb_open(path, 0, TDB_INCOMPATIBLE_HASH, O_RDONLY, 0);
	assert_non_null(tdb);
	for (unsigned i = 0; i < 50; i++) {
		char key[32], want[32];

		snprintf(key, sizeof(key), "10.0.0.%u", i);
		snprintf(want, sizeof(want), "%u", 1700000000 + i);
		value = tdb_fetch(tdb, text(key));
		assert_int_equal(value.dsize, strlen(want));
		assert_memory_equal(value.dptr, want, value.dsize);
		free(value.dptr);
	}
	tdb_close(tdb);
	/* Past the largest: refused before anything is written. */
	options.hash_size = RELAY_STORE_HASH_SIZE_MAX + 1;
	assert_int_equal(relay_store_salvage(path, &options, &report, &err),
			 RELAY_USAGE);
	assert_int_equal(file_hash_size(), 97);
}

/* A prime of the list at least as large as the records, within its
 * bounds. */
static void test_hash_size_for(void **state)
{
	(void)state;
	assert_int_equal(relay_store_hash_size_for(0), RELAY_STORE_HASH_SIZE);
	assert_int_equal(relay_store_hash_size_for(RELAY_STORE_HASH_SIZE),
			 RELAY_STORE_HASH_SIZE);
	assert_int_equal(relay_store_hash_size_for(RELAY_STORE_HASH_SIZE + 1),
			 200003);
	assert_int_equal(relay_store_hash_size_for(1000001), 1000003);
	assert_int_equal(relay_store_hash_size_for(2000002), 2000003);
	assert_int_equal(relay_store_hash_size_for(10000019), 10000019);
	assert_int_equal(relay_store_hash_size_for(UINT64_MAX), 10000019);
}

/* Nothing a relay store holds: refused, and the file left alone. */
static void test_salvage_refuses_a_foreign_file(void **state)
{
	struct relay_store_options options = { .timeout_ms = 1000 };
	struct relay_salvage_report report;
	struct relay_error err;
	struct image img, again;
	struct stat before, after;
	struct tdb_context *tdb;

	(void)state;
	unlink(path);
	tdb = tdb_open(path, HASH_SIZE, TDB_INCOMPATIBLE_HASH,
		       O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_non_null(tdb);
	assert_int_equal(tdb_store(tdb, text("somekey"), text("somevalue"),
				   TDB_INSERT),
			 0);
	tdb_close(tdb);
	img = read_store();
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(relay_store_salvage(path, &options, &report, &err),
			 RELAY_NOT_STORE);
	assert_non_null(strstr(err.text, "left as it was"));
	assert_int_equal(report.not_relay, 1);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	again = read_store();
	assert_int_equal(again.size, img.size);
	assert_memory_equal(again.bytes, img.bytes, img.size);
	free(img.bytes);
	free(again.bytes);
}

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/relayers.tdb", dir);
	return 0;
}

static int teardown(void **state)
{
	char scratch[PATH_MAX + 32];

	(void)state;
	unlink(path);
	snprintf(scratch, sizeof(scratch), "%s.salvage.%ld", path, (long)getpid());
	unlink(scratch);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sound_store),
		cmocka_unit_test(test_zeroed_header),
		cmocka_unit_test(test_damaged_key),
		cmocka_unit_test(test_deleted_records),
		cmocka_unit_test(test_truncated_and_junk),
		cmocka_unit_test(test_admissible),
		cmocka_unit_test(test_foreign_byte_order),
		cmocka_unit_test(test_salvage_keeps_owner_mode_and_entries),
		cmocka_unit_test(test_salvage_refuses_a_foreign_file),
		cmocka_unit_test(test_salvage_hash_size),
		cmocka_unit_test(test_hash_size_for),
	};

	return UNIT_RUN("salvage", tests, setup, teardown);
}
