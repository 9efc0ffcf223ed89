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

#endif
