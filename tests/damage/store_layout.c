/* damage-layout STORE: where each record of a sound store lies, so that
 * the damage suite can tell which entries a damaged byte range touched.
 *
 *   E OFFSET SPAN KEY VALUE   a relay entry (SPAN: header, key and data)
 *   M OFFSET SPAN             the marker
 *   B OFFSET SPAN             an owner or account record (bookkeeping)
 *   F OFFSET SPAN             a record on the free list (header and space)
 *   T HASH_SIZE DATA_START    the hash table
 *
 * The offsets come from the salvage's own scan, and are believed only
 * because tdb agrees: every record reached from a hash chain must be
 * what tdb_fetch returns for its key, and there must be as many as tdb's
 * traverse counts.  Exits 1 when they disagree, or the store is damaged. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tdb.h>
#include <unistd.h>

#include "salvage_scan.h"

#define TDB_FREE_MAGIC (~0x26011999U)

static unsigned char *read_all(const char *path, size_t *size)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) != 0)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL ||
	    pread(fd, buf, (size_t)st.st_size, 0) != (ssize_t)st.st_size) {
		free(buf);
		buf = NULL;
	}
	*size = (size_t)st.st_size;
	close(fd);
	return buf;
}

static uint32_t word(const unsigned char *image, size_t off)
{
	uint32_t w;

	memcpy(&w, image + off, 4);
	return w;
}

static int count_record(struct tdb_context *tdb, TDB_DATA k, TDB_DATA v, void *p)
{
	(void)tdb;
	(void)k;
	(void)v;
	(*(size_t *)p)++;
	return 0;
}

static bool agrees_with_tdb(struct tdb_context *tdb, const unsigned char *image,
			    const struct salvage_record *rec)
{
	TDB_DATA key = { (unsigned char *)image + rec->offset + 24, rec->key_len };
	TDB_DATA value = tdb_fetch(tdb, key);
	bool same = value.dptr != NULL && value.dsize == rec->data_len &&
		    memcmp(value.dptr, key.dptr + rec->key_len, rec->data_len) == 0;

	free(value.dptr);
	return same;
}

static void print_free_list(const unsigned char *image, size_t size)
{
	uint32_t off = word(image, SALVAGE_HEADER_SIZE);

	for (size_t steps = 0; off != 0 && off + 24 <= size && steps < size / 24;
	     steps++) {
		if (word(image, off + 20) != TDB_FREE_MAGIC)
			break;
		printf("F %u %u\n", off, 24 + word(image, off + 4));
		off = word(image, off);
	}
}

int main(int argc, char **argv)
{
	struct salvage_scan scan = { 0 };
	struct tdb_context *tdb;
	size_t size = 0, live = 0, traversed = 0;
	unsigned char *image;

	if (argc != 2) {
		fprintf(stderr, "usage: damage-layout STORE\n");
		return 64;
	}
	image = read_all(argv[1], &size);
	tdb = tdb_open(argv[1], 0, TDB_INCOMPATIBLE_HASH, O_RDONLY, 0);
	if (image == NULL || tdb == NULL ||
	    !salvage_scan_image(image, size, 0, &scan)) {
		fprintf(stderr, "damage-layout: cannot read %s\n", argv[1]);
		return 1;
	}
	printf("T %u %u\n", scan.hash_size,
	       SALVAGE_HEADER_SIZE + 4 * (scan.hash_size + 1));
	for (size_t i = 0; i < scan.count; i++) {
		const struct salvage_record *rec = &scan.records[i];
		const char *key = (const char *)image + rec->offset + 24;

		if (!rec->in_hash)
			continue;
		if (!agrees_with_tdb(tdb, image, rec)) {
			fprintf(stderr, "damage-layout: record at %u is not what "
					"tdb reads\n",
				rec->offset);
			return 1;
		}
		live++;
		if (rec->key_len == 14 && memcmp(key, "relayers:store", 14) == 0)
			printf("M %u %u\n", rec->offset,
			       24 + rec->key_len + rec->data_len);
		else if (rec->key_len > 9 && memcmp(key, "relayers:", 9) == 0)
			printf("B %u %u\n", rec->offset,
			       24 + rec->key_len + rec->data_len);
		else
			printf("E %u %u %.*s %.*s\n", rec->offset,
			       24 + rec->key_len + rec->data_len, (int)rec->key_len,
			       key, (int)rec->data_len, key + rec->key_len);
	}
	print_free_list(image, size);
	tdb_traverse_read(tdb, count_record, &traversed);
	if (traversed != live) {
		fprintf(stderr, "damage-layout: tdb counts %zu records, the chains "
				"%zu\n",
			traversed, live);
		return 1;
	}
	tdb_close(tdb);
	salvage_scan_free(&scan);
	free(image);
	return 0;
}
