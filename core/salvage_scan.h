/* Finding the intact records of a damaged tdb file by reading the file
 * itself, trusting neither its header, its hash table nor its free list.
 *
 * The layout is tdb 1.4's (lib/tdb/common/tdb_private.h): a 168-byte
 * header, the free list head and the hash table (hash_size + 1 offsets
 * of 4 bytes), then records, each a 24-byte header followed by key,
 * data, padding and a 4-byte tailer.  Every field is a 32-bit word in
 * the byte order of the machine that made the file (TDB_CONVERT when it
 * differs from ours).
 *
 * A record is taken as intact only when its magic says "in use", its
 * lengths fit both rec_len and the file, and its full_hash is the
 * jenkins hash of its key (relay stores use TDB_INCOMPATIBLE_HASH).
 * The hash chains and the free list, where they can still be followed,
 * then say which copies are current and which lie in freed space, as
 * tdb_rescue() does: a record freed next to free space keeps its "in
 * use" magic (tdb_free merges it into its left neighbour).  A record
 * that its own chain, followed whole, does not reach is not current
 * either (a deleted copy, or one a killed writer never linked); one
 * whose chain breaks off, or is empty in a page of the table that looks
 * wiped (too few heads for the table's fill), or in a table too sparse to
 * tell, is given the benefit of the doubt.
 * Whatever lies in tdb's transaction recovery area (old
 * copies of changed blocks) is old, wherever the header says it is. */
#ifndef RELAYERS_SALVAGE_SCAN_H
#define RELAYERS_SALVAGE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SALVAGE_HEADER_SIZE 168	 /* sizeof(struct tdb_header) */
#define SALVAGE_RECORD_HEADER 24 /* sizeof(struct tdb_record) */
/* No record a relay store holds comes near this; larger lengths are
 * damage. */
#define SALVAGE_FIELD_MAX 65536

struct salvage_record {
	uint32_t offset; /* of its 24-byte header */
	uint32_t key_len;
	uint32_t data_len;
	uint32_t full_hash;
	bool in_hash; /* reached from a hash chain: current */
	bool in_free; /* inside free space or the recovery area */
	/* Not reached, though its chain could be followed to its end
	 * through sound records: not current (a deleted or older copy,
	 * say in tdb's recovery area). */
	bool orphan;
};

struct salvage_scan {
	struct salvage_record *records; /* by offset, ascending */
	size_t count;
	size_t capacity;
	bool convert;	    /* the file's byte order is not ours */
	uint32_t hash_size; /* the one the chains were followed with; 0: none */
	uint64_t damaged;   /* "in use" headers that failed the checks */
	bool out_of_memory;
};

/* Scans image (size bytes, a copy of the whole file) into scan, which
 * must be zeroed.  Returns false only when memory ran out. */
bool salvage_scan_image(const unsigned char *image, size_t size,
			uint32_t expected_hash_size, struct salvage_scan *scan);

void salvage_scan_free(struct salvage_scan *scan);

/* For catching up with a few changes: whether an intact record starts
 * at off (filled into *out), and whether rec is reached from its own
 * hash chain through sound steps, i.e. is current. */
bool salvage_record_at(const unsigned char *image, size_t size, bool convert,
		       size_t off, struct salvage_record *out);
bool salvage_chain_reaches(const unsigned char *image, size_t size,
			   bool convert, uint32_t hash_size,
			   const struct salvage_record *rec);

#endif
