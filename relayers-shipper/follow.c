#include "follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_raw.h"

bool follow_open(struct follower *f, struct relay_error *err)
{
	struct relay_store_options so = {
		.timeout_ms = FOLLOW_STORE_TIMEOUT_MS, .fallback_read_only = true
	};
	struct stat st;

	/* The inode before the open: a file swapped in between shows as
	 * a replacement at the next look, and is opened again. */
	if (stat(f->path, &st) == 0) {
		f->dev = st.st_dev;
		f->ino = st.st_ino;
	}
	f->diff_ok = false;
	return relay_store_open(f->path, &so, &f->store, err) == RELAY_OK;
}

void follow_close(struct follower *f)
{
	relay_store_close(f->store);
	f->store = NULL;
	store_diff_free(&f->diff);
	memset(&f->diff, 0, sizeof(f->diff));
	f->diff_ok = false;
}

bool follow_replaced(const struct follower *f)
{
	struct stat st;

	return stat(f->path, &st) != 0 || st.st_dev != f->dev ||
	       st.st_ino != f->ino;
}

bool follow_snapshot(struct follower *f, struct relay_snapshot *out,
		     uint64_t *seqnum, struct relay_error *err)
{
	if (relay_store_read_lock(f->store, err) != RELAY_OK)
		return false;
	*seqnum = relay_store_seqnum(f->store);
	f->diff_ok = store_diff_reset(&f->diff, relay_store_fd(f->store)) == DIFF_OK;
	relay_store_read_unlock(f->store);
	memset(out, 0, sizeof(*out));
	return relay_snapshot_take(f->store, out, err) == RELAY_OK;
}

/* Each candidate's entry as the store has it now (under the lock). */
static bool read_states(struct follower *f, const struct diff_candidates *cands,
			struct ship_change *out, size_t *count,
			struct relay_error *err)
{
	*count = 0;
	for (size_t i = 0; i < cands->count; i++) {
		struct ship_change *ch = &out[*count];
		enum relay_status status;

		ch->addr = cands->items[i].addr;
		ch->stamp = 0;
		status = relay_store_get(f->store, &ch->addr, &ch->stamp, err);
		if (status != RELAY_OK && status != RELAY_NOT_FOUND &&
		    !relay_status_is_bad_data(status))
			return false;
		ch->present = status == RELAY_OK;
		(*count)++;
	}
	return true;
}

enum follow_outcome follow_changes(struct follower *f,
				   struct ship_change **changes, size_t *count,
				   uint64_t *seqnum, struct relay_error *err)
{
	struct diff_candidates cands = { .limit = FOLLOW_CHANGES_MAX };
	enum follow_outcome outcome = FOLLOW_FULL;
	uint64_t looked_at;
	bool looked;

	*changes = NULL;
	*count = 0;
	if (!f->diff_ok)
		return FOLLOW_FULL;
	/* The comparison runs without the lock, between two readings of
	 * the sequence number taken under it (store_diff.h). */
	if (relay_store_read_lock(f->store, err) != RELAY_OK)
		return FOLLOW_FAILED;
	looked_at = relay_store_seqnum(f->store);
	relay_store_read_unlock(f->store);
	looked = store_diff_look(&f->diff, relay_store_fd(f->store)) == DIFF_OK;
	if (relay_store_read_lock(f->store, err) != RELAY_OK)
		return FOLLOW_FAILED;
	*seqnum = relay_store_seqnum(f->store);
	if (store_diff_scan(&f->diff, relay_store_fd(f->store),
			    looked && *seqnum == looked_at, &cands) != DIFF_OK ||
	    cands.too_many) {
		f->diff_ok = false;
		goto done;
	}
	diff_candidates_unique(&cands);
	*changes = calloc(cands.count + 1, sizeof(**changes));
	if (*changes == NULL) {
		f->diff_ok = false;
		goto done;
	}
	outcome = read_states(f, &cands, *changes, count, err) ? FOLLOW_OK : FOLLOW_FAILED;
	if (outcome == FOLLOW_FAILED)
		f->diff_ok = false;
done:
	relay_store_read_unlock(f->store);
	diff_candidates_free(&cands);
	if (outcome != FOLLOW_OK) {
		free(*changes);
		*changes = NULL;
		*count = 0;
	}
	return outcome;
}
