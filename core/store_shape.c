/* The shape of a store's hash table: how many chains it has, how many
 * records share them, and how many it should have.  A login walks one
 * chain, so the records per chain are what a login costs; tdb fixes the
 * number of chains when it creates the file. */
#include "store_private.h"

unsigned relay_store_hash_size(struct relay_store *store)
{
	return (unsigned)tdb_hash_size(store->tdb);
}

enum relay_status relay_store_count_records(struct relay_store *store,
					    uint64_t *records,
					    struct relay_error *err)
{
	int walked;
	/* Without a function, tdb's walk only counts. */
	enum relay_status status =
		store_traverse_read_locked(store, NULL, NULL, &walked, err);

	if (status != RELAY_OK)
		return status;
	if (walked < 0)
		return store_tdb_failure(store, err, "counting records");
	*records = (uint64_t)walked;
	return RELAY_OK;
}

unsigned relay_store_hash_size_for(uint64_t records)
{
	/* Primes: tdb takes the key's hash modulo the size, and a prime
	 * spreads any pattern in the hashes over every chain. */
	static const unsigned primes[] = {
		RELAY_STORE_HASH_SIZE,
		200003,
		500009,
		1000003,
		2000003,
		5000011,
		10000019,
	};
	size_t last = sizeof(primes) / sizeof(primes[0]) - 1;

	for (size_t i = 0; i < last; i++)
		if (primes[i] >= records)
			return primes[i];
	return primes[last];
}
