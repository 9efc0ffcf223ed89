/* The raw walk behind the salvage: see salvage_scan.h.  Everything here
 * reads a private copy of the file, so no length or offset found in it
 * is used before it is checked against that copy's size. */
#include "salvage_scan.h"

#include <stdlib.h>
#include <string.h>
#include <tdb.h>

/* From tdb 1.4.8's tdb_private.h. */
#define TDB_VERSION (0x26011967U + 6)
#define TDB_MAGIC 0x26011999U
#define TDB_FREE_MAGIC (~TDB_MAGIC)
#define TDB_DEAD_MAGIC 0xFEE1DEADU
#define TDB_RECOVERY_MAGIC 0xf53bc0e7U
#define TDB_RECOVERY_INVALID_MAGIC 0U
#define TDB_ALIGNMENT 4
#define OFFSET_VERSION 32
#define OFFSET_HASH_SIZE 36
#define OFFSET_RECOVERY 44
#define FREELIST_TOP SALVAGE_HEADER_SIZE

/* The record header's words, in struct tdb_record's order. */
enum { REC_NEXT,
       REC_LEN,
       REC_KEY_LEN,
       REC_DATA_LEN,
       REC_HASH,
       REC_MAGIC };

static uint32_t swap32(uint32_t x)
{
	return (x >> 24) | ((x >> 8) & 0xff00U) | ((x << 8) & 0xff0000U) |
	       (x << 24);
}

/* The caller has checked that off + 4 <= size. */
static uint32_t word_at(const unsigned char *image, size_t off, bool convert)
{
	uint32_t w;

	memcpy(&w, image + off, sizeof(w));
	return convert ? swap32(w) : w;
}

static bool fits(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/* The version word says the byte order; when it is damaged, the "in
 * use" magic of the records says it by majority. */
static bool file_is_foreign_order(const unsigned char *image, size_t size)
{
	uint64_t ours = 0, theirs = 0;

	if (fits(size, OFFSET_VERSION, 4)) {
		uint32_t version = word_at(image, OFFSET_VERSION, false);

		if (version == TDB_VERSION)
			return false;
		if (version == swap32(TDB_VERSION))
			return true;
	}
	for (size_t off = FREELIST_TOP; off + 4 <= size; off += TDB_ALIGNMENT) {
		uint32_t w = word_at(image, off, false);

		ours += w == TDB_MAGIC;
		theirs += w == swap32(TDB_MAGIC);
	}
	return theirs > ours;
}

static bool add_record(struct salvage_scan *scan, uint32_t off,
		       uint32_t key_len, uint32_t data_len, uint32_t full_hash)
{
	if (scan->count == scan->capacity) {
		size_t cap = scan->capacity ? scan->capacity * 2 : 1024;
		struct salvage_record *grown =
			realloc(scan->records, cap * sizeof(*grown));

		if (grown == NULL) {
			scan->out_of_memory = true;
			return false;
		}
		scan->records = grown;
		scan->capacity = cap;
	}
	scan->records[scan->count++] = (struct salvage_record){
		.offset = off,
		.key_len = key_len,
		.data_len = data_len,
		.full_hash = full_hash,
	};
	return true;
}

/* A header with the "in use" magic is a record only if everything it
 * claims can be checked and holds. */
static bool intact_record(const unsigned char *image, size_t size, size_t off,
			  bool convert, uint32_t *key_len, uint32_t *data_len)
{
	uint32_t rec_len = word_at(image, off + 4 * REC_LEN, convert);
	uint64_t body = off + SALVAGE_RECORD_HEADER;
	TDB_DATA key;

	*key_len = word_at(image, off + 4 * REC_KEY_LEN, convert);
	*data_len = word_at(image, off + 4 * REC_DATA_LEN, convert);
	if (*key_len == 0 || *key_len > SALVAGE_FIELD_MAX ||
	    *data_len > SALVAGE_FIELD_MAX || rec_len % TDB_ALIGNMENT != 0 ||
	    (uint64_t)*key_len + *data_len + sizeof(uint32_t) > rec_len ||
	    !fits(size, body, (uint64_t)*key_len + *data_len))
		return false;
	key.dptr = (unsigned char *)image + body;
	key.dsize = *key_len;
	return tdb_jenkins_hash(&key) ==
	       word_at(image, off + 4 * REC_HASH, convert);
}

static bool find_records(const unsigned char *image, size_t size,
			 struct salvage_scan *scan)
{
	for (size_t off = FREELIST_TOP; off + SALVAGE_RECORD_HEADER <= size;
	     off += TDB_ALIGNMENT) {
		uint32_t key_len, data_len;

		if (word_at(image, off + 4 * REC_MAGIC, scan->convert) !=
		    TDB_MAGIC)
			continue;
		if (!intact_record(image, size, off, scan->convert, &key_len,
				   &data_len)) {
			scan->damaged++;
			continue;
		}
		if (!add_record(scan, (uint32_t)off, key_len, data_len,
				word_at(image, off + 4 * REC_HASH, scan->convert)))
			return false;
	}
	return true;
}

/* The first record at or after off. */
static size_t first_from(const struct salvage_scan *scan, uint64_t off)
{
	size_t lo = 0, hi = scan->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (scan->records[mid].offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Finding a record by offset, once per chain step and bucket: an open
 * addressing table of record numbers (plus one; 0 is empty), twice as
 * many slots as records, a power of two. */
struct offset_index {
	uint32_t *slots;
	size_t mask;
};

static size_t slot_of(uint64_t off, size_t mask)
{
	return (size_t)(((off >> 2) * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
}

static bool build_index(const struct salvage_scan *scan, struct offset_index *ix)
{
	size_t slots = 1024;

	while (slots < 2 * scan->count)
		slots *= 2;
	ix->slots = calloc(slots, sizeof(*ix->slots));
	ix->mask = slots - 1;
	if (ix->slots == NULL)
		return false;
	for (size_t i = 0; i < scan->count; i++) {
		size_t at = slot_of(scan->records[i].offset, ix->mask);

		while (ix->slots[at] != 0)
			at = (at + 1) & ix->mask;
		ix->slots[at] = (uint32_t)(i + 1);
	}
	return true;
}

static struct salvage_record *record_at(struct salvage_scan *scan,
					const struct offset_index *ix,
					uint64_t off)
{
	for (size_t at = slot_of(off, ix->mask); ix->slots[at] != 0;
	     at = (at + 1) & ix->mask) {
		struct salvage_record *rec = &scan->records[ix->slots[at] - 1];

		if (rec->offset == off)
			return rec;
	}
	return NULL;
}

static void mark_free(struct salvage_scan *scan, uint64_t start, uint64_t len)
{
	for (size_t i = first_from(scan, start);
	     i < scan->count && scan->records[i].offset < start + len; i++)
		scan->records[i].in_free = true;
}

/* Whether a chain may step onto off: aligned, past the hash table's
 * start, and with a whole record header inside the file. */
static bool chain_step_ok(size_t size, uint64_t off)
{
	return off >= FREELIST_TOP && off % TDB_ALIGNMENT == 0 &&
	       fits(size, off, SALVAGE_RECORD_HEADER);
}

static void follow_free_list(const unsigned char *image, size_t size,
			     struct salvage_scan *scan, uint64_t *budget)
{
	uint64_t off = word_at(image, FREELIST_TOP, scan->convert);

	while (off != 0 && chain_step_ok(size, off) && (*budget)-- > 0 &&
	       word_at(image, off + 4 * REC_MAGIC, scan->convert) ==
		       TDB_FREE_MAGIC) {
		uint64_t span = SALVAGE_RECORD_HEADER +
				(uint64_t)word_at(image, off + 4 * REC_LEN,
						  scan->convert);

		/* tdb keeps a free record's tailer (its whole length, in its
		 * last word) up to date; a length that disagrees is damage,
		 * and would mark live records as free space. */
		if (span < SALVAGE_RECORD_HEADER + 4 || !fits(size, off, span) ||
		    word_at(image, off + span - 4, scan->convert) != span)
			break;
		mark_free(scan, off + 1, span - 1);
		off = word_at(image, off + 4 * REC_NEXT, scan->convert);
	}
}

/* The blocks a transaction's recovery area holds, as
 * transaction_setup_recovery() writes them: (offset, length, bytes)
 * within the file as it was (key_len), then a tailer, data_len bytes in
 * all.  True when the area at body could be that, as far as the file
 * goes. */
static bool recovery_blocks(const unsigned char *image, size_t size,
			    uint64_t body, uint64_t data_len,
			    uint64_t old_size, bool convert)
{
	uint64_t left = data_len - sizeof(uint32_t);
	unsigned blocks = 0;

	while (left >= 8 && fits(size, body, 8)) {
		uint64_t ofs = word_at(image, body, convert);
		uint64_t len = word_at(image, body + 4, convert);

		if (len == 0 || ofs + len > old_size || 8 + len > left)
			return false;
		blocks++;
		body += 8 + len;
		left -= 8 + len;
	}
	return blocks > 0 && (left == 0 || !fits(size, body, 8));
}

/* tdb copies the blocks a transaction changes into its recovery area,
 * old records and all: none of them is current.  The header says where
 * the area is, but the header may be the damage, so every place that
 * looks like one counts. */
static void skip_recovery_areas(const unsigned char *image, size_t size,
				struct salvage_scan *scan)
{
	for (size_t off = FREELIST_TOP; off + SALVAGE_RECORD_HEADER <= size;
	     off += TDB_ALIGNMENT) {
		uint32_t magic = word_at(image, off + 4 * REC_MAGIC, scan->convert);
		uint64_t rec_len, old_size, data_len;

		if ((magic != TDB_RECOVERY_MAGIC &&
		     magic != TDB_RECOVERY_INVALID_MAGIC) ||
		    word_at(image, off + 4 * REC_NEXT, scan->convert) != 0 ||
		    word_at(image, off + 4 * REC_HASH, scan->convert) != 0)
			continue;
		old_size = word_at(image, off + 4 * REC_KEY_LEN, scan->convert);
		data_len = word_at(image, off + 4 * REC_DATA_LEN, scan->convert);
		rec_len = word_at(image, off + 4 * REC_LEN, scan->convert);
		if (old_size < FREELIST_TOP || data_len < 12 || data_len > rec_len ||
		    !recovery_blocks(image, size, off + SALVAGE_RECORD_HEADER,
				     data_len, old_size, scan->convert))
			continue;
		mark_free(scan, off + 1, SALVAGE_RECORD_HEADER - 1 + rec_len);
	}
}

/* Follows chain h; true when it ends where a sound chain ends, at a
 * null pointer, every step an intact record (or a dead one) of this
 * chain, and at least one step long. */
static bool follow_chain(const unsigned char *image, size_t size,
			 struct salvage_scan *scan, const struct offset_index *ix,
			 uint64_t h, uint64_t *budget)
{
	uint64_t off = word_at(image, FREELIST_TOP + 4 * h, scan->convert);

	/* Whether an empty chain can be believed: trust_empty_buckets. */
	if (off == 0)
		return false;
	while (off != 0) {
		uint32_t magic;
		struct salvage_record *rec;

		if (!chain_step_ok(size, off) || *budget == 0)
			return false;
		(*budget)--;
		magic = word_at(image, off + 4 * REC_MAGIC, scan->convert);
		if (magic == TDB_MAGIC) {
			rec = record_at(scan, ix, off);
			if (rec == NULL ||
			    rec->full_hash % scan->hash_size + 1 != h)
				return false;
			rec->in_hash = true;
		} else if (magic != TDB_DEAD_MAGIC ||
			   word_at(image, off + 4 * REC_HASH, scan->convert) %
						   scan->hash_size +
					   1 !=
				   h) {
			return false;
		}
		off = word_at(image, off + 4 * REC_NEXT, scan->convert);
	}
	return true;
}

/* An empty bucket is trusted to be empty, so that a record it would
 * hold is taken for an old one (a writer killed before linking it, a
 * deleted copy), unless its page of the table looks wiped: disks fail,
 * and pages get zeroed, a page at a time.  A page of n buckets at the
 * table's fill holds about fill * n heads; one that should hold 20 or
 * more and holds at most 2 (logins since may have written a few) is
 * damage, odds of chance below one in a million. */
#define WIPED_PAGE_EXPECTED 20.0
#define WIPED_PAGE_MAX_HEADS 2

static void trust_empty_buckets(const unsigned char *image,
				struct salvage_scan *scan, unsigned char *sound)
{
	uint64_t used = 0;
	double fill;

	for (uint64_t h = 1; h <= scan->hash_size; h++)
		used += word_at(image, FREELIST_TOP + 4 * h, scan->convert) != 0;
	fill = (double)used / (double)scan->hash_size;
	for (uint64_t h = 1; h <= scan->hash_size;) {
		uint64_t page = (FREELIST_TOP + 4 * h) / 4096, end = h, heads = 0;

		while (end <= scan->hash_size &&
		       (FREELIST_TOP + 4 * end) / 4096 == page)
			heads += word_at(image, FREELIST_TOP + 4 * end++,
					 scan->convert) != 0;
		if (fill * (double)(end - h) >= WIPED_PAGE_EXPECTED &&
		    heads > WIPED_PAGE_MAX_HEADS)
			for (uint64_t b = h; b < end; b++)
				if (word_at(image, FREELIST_TOP + 4 * b,
					    scan->convert) == 0)
					sound[b] = 1;
		h = end;
	}
}

static bool follow_chains(const unsigned char *image, size_t size,
			  struct salvage_scan *scan, const struct offset_index *ix,
			  uint64_t *budget)
{
	unsigned char *sound;

	if (scan->hash_size == 0)
		return true;
	sound = calloc((size_t)scan->hash_size + 1, 1);
	if (sound == NULL) {
		scan->out_of_memory = true;
		return false;
	}
	for (uint64_t h = 1; h <= scan->hash_size; h++)
		sound[h] = follow_chain(image, size, scan, ix, h, budget);
	trust_empty_buckets(image, scan, sound);
	for (size_t i = 0; i < scan->count; i++) {
		struct salvage_record *rec = &scan->records[i];

		rec->orphan = !rec->in_hash &&
			      sound[rec->full_hash % scan->hash_size + 1];
	}
	free(sound);
	return true;
}

static bool hash_table_fits(size_t size, uint64_t hash_size)
{
	return hash_size > 0 && hash_size < UINT32_MAX &&
	       fits(size, FREELIST_TOP, 4 * (hash_size + 1));
}

/* How many buckets of a table of hash_size hold the head of an intact
 * record that hashes to that bucket: a wrong size (a damaged header)
 * scores next to nothing, as its buckets and hashes disagree. */
static uint64_t table_score(const unsigned char *image, size_t size,
			    struct salvage_scan *scan, const struct offset_index *ix,
			    uint64_t hash_size)
{
	uint64_t score = 0;

	if (!hash_table_fits(size, hash_size))
		return 0;
	for (uint64_t h = 1; h <= hash_size; h++) {
		uint32_t off = word_at(image, FREELIST_TOP + 4 * h, scan->convert);
		const struct salvage_record *rec =
			off != 0 ? record_at(scan, ix, off) : NULL;

		score += rec != NULL && rec->full_hash % hash_size + 1 == h;
	}
	return score;
}

/* The header's hash size, unless the size the store is made with fits
 * the file's buckets at least as well (the header itself may be the
 * damage); none when neither fits at all. */
static uint32_t choose_hash_size(const unsigned char *image, size_t size,
				 struct salvage_scan *scan,
				 const struct offset_index *ix, uint32_t expected)
{
	uint32_t claimed = fits(size, OFFSET_HASH_SIZE, 4)
				   ? word_at(image, OFFSET_HASH_SIZE, scan->convert)
				   : 0;
	uint64_t claimed_score = claimed == expected
					 ? 0
					 : table_score(image, size, scan, ix, claimed);
	uint64_t expected_score = table_score(image, size, scan, ix, expected);

	if (expected_score > 0 && expected_score >= claimed_score)
		return expected;
	return claimed_score > 0 ? claimed : 0;
}

bool salvage_scan_image(const unsigned char *image, size_t size,
			uint32_t expected_hash_size, struct salvage_scan *scan)
{
	struct offset_index ix;
	uint64_t budget;
	bool done;

	scan->convert = file_is_foreign_order(image, size);
	if (!find_records(image, size, scan))
		return false;
	if (!build_index(scan, &ix)) {
		scan->out_of_memory = true;
		return false;
	}
	/* Every step of a sound walk lands on a distinct record header;
	 * more steps than that mean a loop. */
	budget = size / SALVAGE_RECORD_HEADER + 1;
	if (fits(size, FREELIST_TOP, 4))
		follow_free_list(image, size, scan, &budget);
	skip_recovery_areas(image, size, scan);
	scan->hash_size = choose_hash_size(image, size, scan, &ix,
					   expected_hash_size);
	budget = size / SALVAGE_RECORD_HEADER + 1;
	done = follow_chains(image, size, scan, &ix, &budget);
	free(ix.slots);
	return done;
}

void salvage_scan_free(struct salvage_scan *scan)
{
	free(scan->records);
	memset(scan, 0, sizeof(*scan));
}

bool salvage_record_at(const unsigned char *image, size_t size, bool convert,
		       size_t off, struct salvage_record *out)
{
	uint32_t key_len, data_len;

	if (off < FREELIST_TOP || off % TDB_ALIGNMENT != 0 ||
	    !fits(size, off, SALVAGE_RECORD_HEADER) ||
	    word_at(image, off + 4 * REC_MAGIC, convert) != TDB_MAGIC ||
	    !intact_record(image, size, off, convert, &key_len, &data_len))
		return false;
	*out = (struct salvage_record){
		.offset = (uint32_t)off,
		.key_len = key_len,
		.data_len = data_len,
		.full_hash = word_at(image, off + 4 * REC_HASH, convert),
	};
	return true;
}

bool salvage_chain_reaches(const unsigned char *image, size_t size,
			   bool convert, uint32_t hash_size,
			   const struct salvage_record *rec)
{
	uint64_t h = (uint64_t)rec->full_hash % hash_size + 1;
	uint64_t off, steps = size / SALVAGE_RECORD_HEADER + 1;

	if (hash_size == 0 || !hash_table_fits(size, hash_size))
		return false;
	off = word_at(image, FREELIST_TOP + 4 * h, convert);
	while (off != 0 && chain_step_ok(size, off) && steps-- > 0) {
		uint32_t magic = word_at(image, off + 4 * REC_MAGIC, convert);

		if (off == rec->offset)
			return magic == TDB_MAGIC;
		if (magic != TDB_MAGIC && magic != TDB_DEAD_MAGIC)
			return false;
		off = word_at(image, off + 4 * REC_NEXT, convert);
	}
	return false;
}
