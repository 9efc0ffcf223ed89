/* Catching up, under the writers' locks, with what logins wrote while
 * the salvage read the store (see salvage_catch_up in salvage_private.h):
 * only the pages that changed since the first read are looked at, so
 * that writers wait for milliseconds, not for a whole scan and sort. */
#include <stdlib.h>
#include <string.h>

#include "salvage_private.h"

#define PAGE 4096
/* A record touching a changed page starts at most this far before it. */
#define LOOKBACK (SALVAGE_RECORD_HEADER + 2 * SALVAGE_FIELD_MAX)

static bool page_range_changed(const unsigned char *changed, size_t from,
			       size_t to)
{
	for (size_t p = from / PAGE; p <= (to - 1) / PAGE; p++)
		if (changed[p])
			return true;
	return false;
}

static size_t record_span(const struct salvage_record *rec)
{
	return SALVAGE_RECORD_HEADER + rec->key_len + rec->data_len;
}

/* The pick of key in sel (sorted by hash and key), or NULL. */
static const struct pick *find_pick(const struct selection *sel, uint32_t hash,
				    TDB_DATA key)
{
	size_t lo = 0, hi = sel->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = salvage_compare_hashed(sel->picks[mid].hash,
						 sel->picks[mid].key, hash, key);

		if (cmp == 0)
			return &sel->picks[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Every record the first scan found on a changed page must still be
 * there, whole, with the same key: only its time may differ. */
static bool only_added_or_updated(const struct old_store *old,
				  const struct image *now,
				  const unsigned char *changed)
{
	for (size_t i = 0; i < old->scan.count; i++) {
		const struct salvage_record *rec = &old->scan.records[i];
		struct salvage_record again;

		if (!page_range_changed(changed, rec->offset,
					rec->offset + record_span(rec)))
			continue;
		if (!salvage_record_at(now->bytes, now->size, old->scan.convert,
				       rec->offset, &again) ||
		    again.key_len != rec->key_len ||
		    memcmp(now->bytes + rec->offset + SALVAGE_RECORD_HEADER,
			   old->image.bytes + rec->offset + SALVAGE_RECORD_HEADER,
			   rec->key_len) != 0)
			return false;
	}
	return true;
}

static enum relay_status take_record(const struct old_store *old,
				     const struct image *now,
				     const struct salvage_record *rec,
				     struct relay_store *fresh,
				     struct relay_salvage_report *report,
				     struct relay_error *err)
{
	TDB_DATA key, value;
	const struct pick *was;
	int64_t order;

	key.dptr = now->bytes + rec->offset + SALVAGE_RECORD_HEADER;
	key.dsize = rec->key_len;
	value.dptr = key.dptr + rec->key_len;
	value.dsize = rec->data_len;
	if (!store_record_admissible(key, value, &order) ||
	    !salvage_chain_reaches(now->bytes, now->size, old->scan.convert,
				   old->scan.hash_size, rec))
		return RELAY_OK; /* not current: an old copy */
	was = find_pick(&old->sel, rec->full_hash, key);
	if (was != NULL && salvage_compare_keys(was->value, value) == 0)
		return RELAY_OK;
	if (tdb_store(fresh->tdb, key, value, TDB_REPLACE) != 0)
		return store_tdb_failure(fresh, err, "salvage: writing");
	if (was == NULL) {
		report->entries++;
		report->records++;
	}
	return RELAY_OK;
}

/* The first read was not one instant: a record written while it went on
 * may have been read before its chain linked it, and so taken for an
 * old copy.  Those the chains reach now are current. */
static enum relay_status take_newly_linked(const struct old_store *old,
					   const struct image *now,
					   const unsigned char *changed,
					   struct relay_store *fresh,
					   struct relay_salvage_report *report,
					   struct relay_error *err)
{
	for (size_t i = 0; i < old->scan.count; i++) {
		const struct salvage_record *rec = &old->scan.records[i];
		enum relay_status status;

		if (rec->in_hash || page_range_changed(changed, rec->offset,
						       rec->offset + record_span(rec)))
			continue;
		status = take_record(old, now, rec, fresh, report, err);
		if (status != RELAY_OK)
			return status;
	}
	return RELAY_OK;
}

/* Writes into fresh every current record that touches a changed page
 * and differs from what was chosen before. */
static enum relay_status take_changed_records(const struct old_store *old,
					      const struct image *now,
					      const unsigned char *changed,
					      size_t pages,
					      struct relay_store *fresh,
					      struct relay_salvage_report *report,
					      struct relay_error *err)
{
	size_t next = SALVAGE_HEADER_SIZE; /* scanned up to here */

	for (size_t p = 0; p < pages; p++) {
		size_t from = p * PAGE > LOOKBACK ? p * PAGE - LOOKBACK : 0;
		size_t to = (p + 1) * PAGE < now->size ? (p + 1) * PAGE : now->size;

		if (!changed[p])
			continue;
		if (from < next)
			from = next;
		from = (from + 3) & ~(size_t)3;
		/* Every header that starts before the page's end: its own
		 * bytes may run into the next, unchanged page. */
		for (size_t off = from; off < to; off += 4) {
			struct salvage_record rec;
			enum relay_status status;

			if (!salvage_record_at(now->bytes, now->size,
					       old->scan.convert, off, &rec) ||
			    !page_range_changed(changed, off, off + record_span(&rec)))
				continue;
			status = take_record(old, now, &rec, fresh, report, err);
			if (status != RELAY_OK)
				return status;
		}
		next = to;
	}
	return RELAY_OK;
}

enum relay_status salvage_catch_up(const struct old_store *old,
				   const struct image *now,
				   struct relay_store *fresh,
				   struct relay_salvage_report *report,
				   struct relay_error *err)
{
	size_t pages = (now->size + PAGE - 1) / PAGE;
	unsigned char *changed;
	enum relay_status status = RELAY_NOT_FOUND;

	if (now->size < old->image.size || old->scan.hash_size == 0)
		return RELAY_NOT_FOUND;
	changed = calloc(pages + 1, 1);
	if (changed == NULL)
		return RELAY_NOT_FOUND;
	for (size_t p = 0; p < pages; p++) {
		size_t start = p * PAGE;
		size_t end = start + PAGE < now->size ? start + PAGE : now->size;

		changed[p] = end > old->image.size ||
			     memcmp(now->bytes + start, old->image.bytes + start,
				    end - start) != 0;
	}
	if (only_added_or_updated(old, now, changed)) {
		status = take_changed_records(old, now, changed, pages, fresh,
					      report, err);
		if (status == RELAY_OK)
			status = take_newly_linked(old, now, changed, fresh,
						   report, err);
	}
	free(changed);
	return status;
}
