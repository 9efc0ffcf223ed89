/* Which entries may have changed since the last look, without reading
 * every entry: the store file is mapped and compared, page by page,
 * with a private copy of its bytes as they were then (a memcmp of the
 * whole file, about 16 ms per million entries on the bench machine,
 * where a read-locked walk of the entries takes 200 ms).  Every tdb
 * record that overlaps a changed page, before or after, names a
 * candidate.  The raw bytes are only a hint: the caller reads each
 * candidate's entry through the store API, so a record that tdb no
 * longer links (a writer killed mid-store) or bytes misread never reach
 * the map.  A tdb of another byte order or version is not compared;
 * the caller then exports in full.
 *
 * Call store_diff_reset() and store_diff_scan() under the store's read
 * lock (store_raw.h), so that the copy is a consistent state.  The
 * comparison itself may run before, without the lock (store_diff_look),
 * so that logins do not wait for it: what it found stands if no writer
 * changed the file in between, which the caller knows from the sequence
 * number, read under the lock before the look and again under the lock
 * of the scan: every writer moves it while it holds its own lock, so a
 * writer that came in between has moved it by the second reading. */
#ifndef RELAYERS_STORE_DIFF_H
#define RELAYERS_STORE_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

struct store_diff {
	dev_t dev;
	ino_t ino;
	const unsigned char *live; /* the file, mapped read-only */
	size_t live_len;
	unsigned char *copy; /* its bytes at the last scan */
	size_t copy_len;
	bool ready;
	size_t (*runs)[2]; /* changed pages: [from, to) */
	size_t run_count;
	size_t run_capacity;
	bool looked; /* runs are from store_diff_look */
};

/* Where a candidate was seen: in the copy (before), in the file (after),
 * or neither (added by the caller, such as an entry due to age out). */
enum diff_side { DIFF_BEFORE,
		 DIFF_AFTER,
		 DIFF_OTHER };

struct diff_candidate {
	struct relay_addr addr;
	int64_t stamp; /* as the raw record says; only compared */
	enum diff_side side;
};

struct diff_candidates {
	struct diff_candidate *items;
	size_t count;
	size_t capacity;
	size_t limit; /* more than this: too_many, stop collecting */
	bool too_many;
};

enum diff_outcome {
	DIFF_OK,     /* candidates collected, copy up to date */
	DIFF_RESET,  /* another file, or one that shrank: reset */
	DIFF_FAILED, /* no memory, no mapping, not comparable */
};

/* Maps the file behind fd and copies all of it.  DIFF_FAILED leaves the
 * diff not ready (every later scan then asks for a reset). */
enum diff_outcome store_diff_reset(struct store_diff *diff, int fd);

/* Compares the file with the copy, without the lock, and notes which
 * pages differ. */
enum diff_outcome store_diff_look(struct store_diff *diff, int fd);

/* Adds the candidates of the pages that differ to out (which the caller
 * empties) and brings the copy up to date: those store_diff_look found
 * when since_look (the file did not change since), else those a
 * comparison made now finds. */
enum diff_outcome store_diff_scan(struct store_diff *diff, int fd,
				  bool since_look, struct diff_candidates *out);

/* Adds a candidate; false (and too_many) past the limit or without
 * memory. */
bool diff_candidates_add(struct diff_candidates *out,
			 const struct relay_addr *addr, int64_t stamp,
			 enum diff_side side);

/* Leaves each address once.  The one left has side DIFF_BEFORE and the
 * stamp of the copy's record when the copy held exactly one record for
 * it, else DIFF_OTHER.  (Nothing is dropped for looking unchanged: tdb
 * frees a record into its free neighbour without rewriting its header,
 * so a deleted entry can still look live in the file.) */
void diff_candidates_unique(struct diff_candidates *out);
void diff_candidates_free(struct diff_candidates *out);

void store_diff_free(struct store_diff *diff);

#endif
