#include "store_diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "stamp.h"

/* What is read of tdb 1.4's file format (tdb_private.h): the header's
 * version word, and the record header that precedes every key:
 *   struct tdb_record { next, rec_len, key_len, data_len, full_hash,
 *                       magic; }   six 32-bit words, then key, data.
 * Records start 4-byte aligned.  A live record's magic is TDB_MAGIC;
 * free, dead and recovery records carry other words. */
#define TDB_VERSION_OFFSET 32
#define TDB_VERSION_NATIVE (0x26011967u + 6)
#define TDB_MAGIC 0x26011999u
#define RECORD_HEADER 24
#define MAGIC_OFFSET 20
#define KEY_LEN_OFFSET 8
#define DATA_LEN_OFFSET 12
#define DATA_MAX 32 /* longer values are no relay entries */

#define PAGE 4096
/* A relay record (header, key of at most 47 bytes, value) fits in this
 * much: a record overlapping a page starts at most this far before it. */
#define LOOKBACK 128

static uint32_t word_at(const unsigned char *bytes, size_t at)
{
	uint32_t word;

	memcpy(&word, bytes + at, sizeof(word));
	return word;
}

static bool comparable(const unsigned char *bytes, size_t len)
{
	return len >= PAGE &&
	       word_at(bytes, TDB_VERSION_OFFSET) == TDB_VERSION_NATIVE;
}

static void unmap(struct store_diff *diff)
{
	if (diff->live != NULL)
		munmap((void *)diff->live, diff->live_len);
	diff->live = NULL;
	diff->live_len = 0;
}

static bool map_file(struct store_diff *diff, int fd, const struct stat *st)
{
	void *live;

	unmap(diff);
	if (st->st_size <= 0)
		return false;
	live = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (live == MAP_FAILED)
		return false;
	diff->live = live;
	diff->live_len = (size_t)st->st_size;
	diff->dev = st->st_dev;
	diff->ino = st->st_ino;
	return true;
}

static bool grow_copy(struct store_diff *diff, size_t len)
{
	unsigned char *grown;

	if (len <= diff->copy_len && diff->copy != NULL)
		return true;
	grown = realloc(diff->copy, len);
	if (grown == NULL)
		return false;
	diff->copy = grown;
	return true;
}

enum diff_outcome store_diff_reset(struct store_diff *diff, int fd)
{
	struct stat st;

	diff->ready = false;
	if (fstat(fd, &st) != 0 || !map_file(diff, fd, &st) ||
	    !comparable(diff->live, diff->live_len) ||
	    !grow_copy(diff, diff->live_len))
		return DIFF_FAILED;
	memcpy(diff->copy, diff->live, diff->live_len);
	diff->copy_len = diff->live_len;
	diff->ready = true;
	return DIFF_OK;
}

bool diff_candidates_add(struct diff_candidates *out,
			 const struct relay_addr *addr, int64_t stamp,
			 enum diff_side side)
{
	if (out->count >= out->limit) {
		out->too_many = true;
		return false;
	}
	if (out->count == out->capacity) {
		size_t capacity = out->capacity ? out->capacity * 2 : 64;
		struct diff_candidate *grown =
			realloc(out->items, capacity * sizeof(*grown));

		if (grown == NULL) {
			out->too_many = true;
			return false;
		}
		out->items = grown;
		out->capacity = capacity;
	}
	out->items[out->count].addr = *addr;
	out->items[out->count].stamp = stamp;
	out->items[out->count++].side = side;
	return true;
}

/* The record whose magic word sits at magic_at, if it is a relay entry
 * overlapping [from, to): its address goes to out. */
static void take_record(const unsigned char *bytes, size_t len, size_t magic_at,
			size_t from, size_t to, enum diff_side side,
			struct diff_candidates *out)
{
	size_t header = magic_at - MAGIC_OFFSET;
	uint32_t key_len = word_at(bytes, header + KEY_LEN_OFFSET);
	uint32_t data_len = word_at(bytes, header + DATA_LEN_OFFSET);
	size_t end = header + RECORD_HEADER + key_len + data_len;
	struct relay_addr addr;
	int64_t stamp;

	memset(&addr, 0, sizeof(addr));
	if (key_len == 0 || key_len >= RELAY_ADDR_TEXT_MAX ||
	    data_len > DATA_MAX || end > len || end <= from || header >= to)
		return;
	if (!relay_addr_is_canonical_key((const char *)bytes + header +
						 RECORD_HEADER,
					 key_len, &addr))
		return;
	if (!relay_stamp_parse((const char *)bytes + header + RECORD_HEADER +
				       key_len,
			       data_len, &stamp))
		stamp = INT64_MIN;
	diff_candidates_add(out, &addr, stamp, side);
}

/* Every live record overlapping [from, to) of bytes. */
static void collect(const unsigned char *bytes, size_t len, size_t from,
		    size_t to, enum diff_side side, struct diff_candidates *out)
{
	size_t at = from > LOOKBACK + MAGIC_OFFSET ? from - LOOKBACK : MAGIC_OFFSET;

	if (to > len)
		to = len;
	at = (at + 3) & ~(size_t)3;
	for (; at + 4 <= to; at += 4)
		if (word_at(bytes, at) == TDB_MAGIC)
			take_record(bytes, len, at, from, to, side, out);
}

static void changed_range(struct store_diff *diff, size_t from, size_t to,
			  struct diff_candidates *out)
{
	if (from < diff->copy_len)
		collect(diff->copy, diff->copy_len, from, to, DIFF_BEFORE, out);
	collect(diff->live, diff->live_len, from, to, DIFF_AFTER, out);
	memcpy(diff->copy + from, diff->live + from, to - from);
}

static bool page_differs(const struct store_diff *diff, size_t at)
{
	size_t len = diff->live_len - at < PAGE ? diff->live_len - at : PAGE;

	return at + len > diff->copy_len ||
	       memcmp(diff->live + at, diff->copy + at, len) != 0;
}

static bool add_run(struct store_diff *diff, size_t from, size_t to)
{
	if (diff->run_count == diff->run_capacity) {
		size_t capacity = diff->run_capacity ? diff->run_capacity * 2 : 64;
		size_t(*grown)[2] = realloc(diff->runs, capacity * sizeof(*grown));

		if (grown == NULL)
			return false;
		diff->runs = grown;
		diff->run_capacity = capacity;
	}
	diff->runs[diff->run_count][0] = from;
	diff->runs[diff->run_count++][1] = to;
	return true;
}

/* Notes the runs of changed pages; a run is handled as one range, so
 * that a record across two of its pages is read whole. */
static bool compare(struct store_diff *diff)
{
	size_t run = SIZE_MAX;

	diff->run_count = 0;
	for (size_t at = 0; at < diff->live_len; at += PAGE) {
		bool differs = page_differs(diff, at);

		if (differs && run == SIZE_MAX)
			run = at;
		if (!differs && run != SIZE_MAX) {
			if (!add_run(diff, run, at))
				return false;
			run = SIZE_MAX;
		}
	}
	return run == SIZE_MAX || add_run(diff, run, diff->live_len);
}

/* The file as mapped is the one copied, no smaller, mapped whole. */
static enum diff_outcome follow_file(struct store_diff *diff, int fd)
{
	struct stat st;

	if (!diff->ready || fstat(fd, &st) != 0 || st.st_dev != diff->dev ||
	    st.st_ino != diff->ino || (size_t)st.st_size < diff->copy_len)
		return DIFF_RESET;
	if ((size_t)st.st_size != diff->live_len &&
	    (!map_file(diff, fd, &st) || !grow_copy(diff, diff->live_len))) {
		diff->ready = false;
		return DIFF_FAILED;
	}
	if (!comparable(diff->live, diff->live_len)) {
		diff->ready = false;
		return DIFF_FAILED;
	}
	return DIFF_OK;
}

enum diff_outcome store_diff_look(struct store_diff *diff, int fd)
{
	enum diff_outcome outcome = follow_file(diff, fd);

	diff->looked = false;
	if (outcome != DIFF_OK)
		return outcome;
	if (!compare(diff))
		return DIFF_FAILED;
	diff->looked = true;
	return DIFF_OK;
}

enum diff_outcome store_diff_scan(struct store_diff *diff, int fd,
				  bool since_look, struct diff_candidates *out)
{
	struct stat st;
	enum diff_outcome outcome;

	if (!since_look || !diff->looked || fstat(fd, &st) != 0 ||
	    (size_t)st.st_size != diff->live_len) {
		outcome = follow_file(diff, fd);
		if (outcome != DIFF_OK)
			return outcome;
		if (!compare(diff))
			return DIFF_FAILED;
	}
	diff->looked = false;
	for (size_t i = 0; i < diff->run_count; i++)
		changed_range(diff, diff->runs[i][0], diff->runs[i][1], out);
	diff->copy_len = diff->live_len;
	return DIFF_OK;
}
static int addr_order(const struct relay_addr *a, const struct relay_addr *b)
{
	return memcmp(a, b, sizeof(*a));
}

static int candidate_order(const void *a, const void *b)
{
	const struct diff_candidate *x = a, *y = b;
	int cmp = addr_order(&x->addr, &y->addr);

	if (cmp != 0)
		return cmp;
	return (int)x->side - (int)y->side;
}

/* items[from, to) share an address, sorted by side: the one kept says
 * the stamp it had before, when exactly one record had it. */
static struct diff_candidate merged(const struct diff_candidate *items,
				    size_t from, size_t to)
{
	struct diff_candidate one = items[from];
	size_t before = 0;

	for (size_t i = from; i < to; i++)
		before += items[i].side == DIFF_BEFORE;
	if (before != 1) {
		one.side = DIFF_OTHER;
		one.stamp = INT64_MIN;
	}
	return one;
}

void diff_candidates_unique(struct diff_candidates *out)
{
	size_t kept = 0, run = 0;

	qsort(out->items, out->count, sizeof(*out->items), candidate_order);
	for (size_t i = 1; i <= out->count; i++) {
		if (i < out->count &&
		    addr_order(&out->items[i].addr, &out->items[run].addr) == 0)
			continue;
		out->items[kept++] = merged(out->items, run, i);
		run = i;
	}
	out->count = kept;
}

void diff_candidates_free(struct diff_candidates *out)
{
	free(out->items);
	memset(out, 0, sizeof(*out));
}

void store_diff_free(struct store_diff *diff)
{
	unmap(diff);
	free(diff->copy);
	free(diff->runs);
	memset(diff, 0, sizeof(*diff));
}
