/* The physical floor of recording a login: what tdb itself costs to
 * open the store, store one record and close it, with the flags and
 * hash size the relay store uses, and none of the store's checks,
 * lock timeouts or logging. */
#ifndef RELAYERS_BENCH_TDB_FLOOR_H
#define RELAYERS_BENCH_TDB_FLOOR_H

#include <stdbool.h>
#include <stdint.h>

/* Records key = now in the store at path; false (after saying why) when
 * tdb fails.  extra_flags is added to the store's tdb flags: TDB_NOMMAP
 * shows what reading the chain with pread costs instead of mapping the
 * whole file, which is what dominates a big store on some machines. */
bool tdb_floor_record(const char *path, const char *key, int extra_flags);

/* The same through one handle opened (mapped) at the first call and
 * kept, the key's chain locked around the store as the module locks it:
 * the floor of a login through the module's kept handle.  One path per
 * process: tdb refuses a second open of a file a process has open. */
bool tdb_floor_record_kept(const char *path, const char *key);

/* Copies the file at from to to (made anew, mode 0600): tdb refuses a
 * second open of one file in one process (EBUSY), so floors that run
 * beside the module's kept handle work on copies of the store. */
bool tdb_floor_copy(const char *from, const char *to);

#endif
