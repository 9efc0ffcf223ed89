#include "watch.h"

#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "aging.h"
#include "map_update.h"
#include "msg.h"
#include "signals.h"
#include "store_diff.h"
#include "store_exit.h"
#include "store_raw.h"
#include "wake.h"
#include "window.h"

/* A failed export is tried again after this long; the same error is
 * logged again only after REPEAT_LOG_S. */
#define RETRY_S 1
#define REPEAT_LOG_S 60
/* A full export, the map replaced by rename, this often even when every
 * change went in place: it mends whatever the raw comparison could miss
 * and shrinks the aging heap. */
#define FULL_EVERY_S 3600
/* More changed entries than this at once (a restore, a mass expire) are
 * cheaper as a full export. */
#define IN_PLACE_MAX 20000
/* Updates draw on a budget of CPU time that refills at 1 / BUDGET_SHARE
 * of the wall clock (7% of a core) and holds at most BUDGET_MAX_US:
 * a login after a quiet spell is taken at once, however big the store,
 * while under a steady stream each update waits until its cost is
 * earned back.  At a million entries an update costs about 20 ms (the
 * comparison, the lookups, the child's pages), so the map is then
 * updated three or four times a second with everything new since; a
 * share of 1/20 measured 5.6% of a core and a lag p99 of 0.5 to 0.8 s,
 * 1/14 7.8% and 0.52 s (docs/PERFORMANCE.md). */
#define BUDGET_SHARE 14
#define BUDGET_MAX_US 100000

struct watch {
	const struct mapgen_options *options;
	const struct export_options *export_options;
	struct relay_store *store;
	dev_t dev; /* the store file opened */
	ino_t ino;
	struct map_state map; /* the map as we last left it */
	bool map_ours;	      /* made by a full export of ours */
	uint64_t exported_seqnum;
	bool stale;	  /* the map lags the store */
	bool full_needed; /* the next update must be a full export */
	int64_t full_at;
	int64_t touch_at;      /* move the map's mtime on then; 0: no need */
	int64_t last_update_s; /* the map's st_mtime after our last write */
	int64_t budget_us;     /* CPU time the next updates may use */
	uint64_t budget_at_ms; /* when it was last refilled (monotonic) */
	int64_t retry_at;
	struct store_diff diff;
	bool diff_warned;
	struct aging aging;
	struct export_options full_options;
	char last_error[sizeof(((struct relay_error *)0)->text)];
	int64_t last_error_at;
	bool failing;
};

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t tv_us(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

/* CPU time used so far, the in-place children's included, in µs:
 * what an update costs the machine, apart from waiting for the disk. */
static uint64_t cpu_us(void)
{
	struct rusage self, children;

	if (getrusage(RUSAGE_SELF, &self) != 0 ||
	    getrusage(RUSAGE_CHILDREN, &children) != 0)
		return 0;
	return tv_us(&self.ru_utime) + tv_us(&self.ru_stime) +
	       tv_us(&children.ru_utime) + tv_us(&children.ru_stime);
}

static void report_failure(struct watch *w, const char *text)
{
	int64_t now = now_s();

	w->failing = true;
	w->full_needed = true;
	w->retry_at = now + RETRY_S;
	if (strcmp(text, w->last_error) == 0 &&
	    now - w->last_error_at < REPEAT_LOG_S)
		return;
	map_report_unchanged(text, "retrying");
	snprintf(w->last_error, sizeof(w->last_error), "%s", text);
	w->last_error_at = now;
}

static void recovered(struct watch *w)
{
	if (w->failing)
		msg_info("%s: exported again after failures",
			 w->export_options->db_path);
	w->failing = false;
	w->last_error[0] = '\0';
}

/* A damaged store stays damaged until someone repairs it: the message
 * names the command that does. */
static void report_store_failure(struct watch *w, const char *text,
				 bool damaged)
{
	char line[sizeof(w->last_error)], command[PATH_MAX + 64];

	if (!damaged) {
		report_failure(w, text);
		return;
	}
	relay_store_repair_command(w->options->store_path, command,
				   sizeof(command));
	snprintf(line, sizeof(line), "%.400s; repair it with \"%.300s\"", text,
		 command);
	report_failure(w, line);
}

static void close_store(struct watch *w)
{
	relay_store_close(w->store);
	w->store = NULL;
	w->stale = true;
}

/* The inode is taken before the open: should the file be swapped in
 * between, the next tick sees a different inode and opens again. */
static bool open_store(struct watch *w)
{
	struct relay_store_options so = {
		.timeout_ms = MAPGEN_STORE_TIMEOUT_MS, .fallback_read_only = true
	};
	struct relay_error err;
	struct stat st;

	if (stat(w->options->store_path, &st) == 0) {
		if (st.st_dev != w->dev || st.st_ino != w->ino)
			w->full_needed = true;
		w->dev = st.st_dev;
		w->ino = st.st_ino;
	}
	if (relay_store_open(w->options->store_path, &so, &w->store, &err) !=
	    RELAY_OK) {
		report_store_failure(w, err.text, relay_status_is_bad_data(err.status));
		return false;
	}
	return true;
}

/* A store replaced by rename (a restore from backup, say) has its own
 * sequence numbers; the open one would never move again. */
static bool store_replaced(const struct watch *w)
{
	struct stat st;

	return stat(w->options->store_path, &st) != 0 || st.st_dev != w->dev ||
	       st.st_ino != w->ino;
}

/* The copy the next comparison starts from.  Taken before the full
 * export's own snapshot: a change in between is then both in the map
 * and found again by the next comparison, never in neither. */
static void reset_diff(struct watch *w)
{
	struct relay_error err;
	enum diff_outcome outcome = DIFF_FAILED;

	if (relay_store_read_lock(w->store, &err) == RELAY_OK) {
		outcome = store_diff_reset(&w->diff, relay_store_fd(w->store));
		relay_store_read_unlock(w->store);
	}
	if (outcome != DIFF_OK && !w->diff_warned) {
		msg_warn("%s: cannot compare the store file; "
			 "every change is a full export",
			 w->options->store_path);
		w->diff_warned = true;
	}
}

static void full_export(struct watch *w)
{
	struct export_result result;
	struct relay_error failure;
	uint64_t seqnum = relay_store_seqnum(w->store);

	reset_diff(w);
	if (export_run(w->store, &w->full_options, &result, &failure) != 0) {
		if (!mapgen_stop_pending())
			report_store_failure(w, failure.text,
					     relay_status_is_bad_data(failure.status));
		return;
	}
	w->exported_seqnum = seqnum;
	map_state_take(w->export_options->db_path, &w->map);
	w->map_ours = true;
	w->full_needed = false;
	w->stale = false;
	w->full_at = now_s() + FULL_EVERY_S;
	w->touch_at = 0;
	w->last_update_s = w->map.mtime.tv_sec;
	recovered(w);
	if (w->options->verbose)
		msg_info("%s: %zu entries, %zu keys",
			 w->export_options->db_path, result.entries, result.keys);
}

static void fall_back(struct watch *w, const char *why)
{
	if (w->options->verbose)
		msg_warn("%s: %s; exporting in full",
			 w->export_options->db_path, why);
	full_export(w);
}

/* The entries the store changed, plus those whose time in the map is
 * up; each one's state is read from the store, under the same lock as
 * the comparison. */
struct batch {
	struct diff_candidates candidates;
	size_t from_diff; /* the first from_diff came from the file */
	struct map_change *changes;
	size_t count;
	struct aging_item *present; /* candidates still in the map */
	size_t present_count;
};

static void batch_free(struct batch *b)
{
	diff_candidates_free(&b->candidates);
	free(b->changes);
	free(b->present);
	memset(b, 0, sizeof(*b));
}

static void take_due(struct watch *w, int64_t now, struct batch *b)
{
	struct aging_item item;

	while (aging_pop_due(&w->aging, now, &item))
		if (!diff_candidates_add(&b->candidates, &item.addr, item.leaves_at,
					 DIFF_OTHER))
			return;
}

static void add_forms(struct watch *w, struct batch *b,
		      const struct relay_addr *addr, bool present, int64_t stamp)
{
	struct map_keys forms;
	char value[RELAY_STAMP_TEXT_MAX];
	size_t value_len = present ? relay_stamp_format(stamp, value) : 0;

	/* An absent entry loses every form the map may hold for it. */
	map_keys_for(addr, w->export_options->flavour, &forms);
	for (unsigned k = 0; k < forms.count; k++) {
		struct map_change *c = &b->changes[b->count++];

		memcpy(c->key, forms.text[k], forms.len[k]);
		c->key_len = (uint8_t)forms.len[k];
		memcpy(c->value, value, value_len);
		c->value_len = (uint8_t)value_len;
	}
}

/* Reads each candidate's entry.  Returns false with err filled in when
 * the store cannot answer. */
static bool read_entries(struct watch *w, struct batch *b, int64_t now,
			 struct relay_error *err)
{
	struct map_window window = { now, w->export_options->max_age };
	size_t n = b->candidates.count;

	b->changes = calloc(n ? n * MAP_KEYS_PER_ADDR_MAX : 1, sizeof(*b->changes));
	b->present = calloc(n ? n : 1, sizeof(*b->present));
	if (b->changes == NULL || b->present == NULL) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const struct diff_candidate *cand = &b->candidates.items[i];
		const struct relay_addr *addr = &cand->addr;
		int64_t stamp = 0;
		enum relay_status status =
			relay_store_get(w->store, addr, &stamp, err);
		bool held;

		/* A record that is no relay entry (RELAY_MALFORMED) is left
		 * out, as a full export leaves it out. */
		if (status != RELAY_OK && status != RELAY_NOT_FOUND &&
		    !relay_status_is_bad_data(status))
			return false;
		held = status == RELAY_OK && map_window_holds(&window, stamp);
		add_forms(w, b, addr, held, stamp);
		/* An entry whose stamp has not moved has its item in the
		 * heap already. */
		if (held && window.max_age != MAP_NO_MAX_AGE &&
		    !(cand->side == DIFF_BEFORE && cand->stamp == stamp)) {
			b->present[b->present_count].addr = *addr;
			b->present[b->present_count++].leaves_at =
				map_window_leaves_at(&window, stamp);
		}
	}
	return true;
}

/* Under the store's read lock: what changed, and its state now.  False
 * asks for a full export (err->text says why when it is a failure). */
static bool gather(struct watch *w, struct batch *b, int64_t now,
		   uint64_t *seqnum, struct relay_error *err)
{
	enum diff_outcome outcome;
	bool ok;

	uint64_t looked_at;
	bool looked;

	err->text[0] = '\0';
	b->candidates.limit = IN_PLACE_MAX;
	/* The comparison runs without the lock, between two readings of
	 * the sequence number taken under it (store_diff.h). */
	if (relay_store_read_lock(w->store, err) != RELAY_OK)
		return false;
	looked_at = relay_store_seqnum(w->store);
	relay_store_read_unlock(w->store);
	looked = store_diff_look(&w->diff, relay_store_fd(w->store)) == DIFF_OK;
	if (relay_store_read_lock(w->store, err) != RELAY_OK)
		return false;
	*seqnum = relay_store_seqnum(w->store);
	outcome = store_diff_scan(&w->diff, relay_store_fd(w->store),
				  looked && *seqnum == looked_at, &b->candidates);
	ok = outcome == DIFF_OK;
	if (ok) {
		take_due(w, now, b);
		ok = !b->candidates.too_many;
	}
	if (ok) {
		diff_candidates_unique(&b->candidates);
		ok = read_entries(w, b, now, err);
	}
	relay_store_read_unlock(w->store);
	return ok;
}

static void note_write(struct watch *w)
{
	/* A reader that opened since our last write in the same second
	 * would not see this one as a change: move the time on later. */
	if (w->map.mtime.tv_sec == w->last_update_s)
		w->touch_at = w->last_update_s + 1;
	w->last_update_s = w->map.mtime.tv_sec;
}

/* Returns false when it fell back to a full export. */
static bool incremental(struct watch *w)
{
	struct batch b = { 0 };
	struct relay_error err;
	struct relay_error failure;
	int64_t now = now_s();
	uint64_t seqnum = 0;
	int rc = 0;

	if (!gather(w, &b, now, &seqnum, &err)) {
		batch_free(&b);
		if (err.text[0] != '\0')
			report_failure(w, err.text);
		else
			fall_back(w, "the store file changed shape");
		return false;
	}
	if (b.count > 0)
		rc = map_update_in_place(w->export_options->db_path, b.changes,
					 b.count, &w->map, &failure);
	if (rc == 0) {
		for (size_t i = 0; i < b.present_count; i++)
			aging_push(&w->aging, b.present[i].leaves_at,
				   &b.present[i].addr);
		w->exported_seqnum = seqnum;
		w->stale = false;
		if (b.count > 0)
			note_write(w);
		recovered(w);
		if (w->options->verbose && b.count > 0)
			msg_info("%s: %zu keys checked in place",
				 w->export_options->db_path, b.count);
	}
	batch_free(&b);
	if (rc == MAP_UPDATE_REBUILD)
		fall_back(w, "the change does not fit in place");
	else if (rc != 0)
		report_failure(w, failure.text);
	return rc == 0;
}

static void touch_map(struct watch *w)
{
	struct relay_error failure;
	int rc = map_update_touch(w->export_options->db_path, &w->map, &failure);

	w->touch_at = 0;
	if (rc == MAP_UPDATE_REBUILD)
		w->full_needed = w->stale = true;
	else if (rc != 0)
		report_failure(w, failure.text);
	else
		w->last_update_s = w->map.mtime.tv_sec;
}

static void notice_causes(struct watch *w, int64_t now)
{
	if (w->store != NULL &&
	    (store_replaced(w) ||
	     relay_store_seqnum(w->store) != w->exported_seqnum))
		w->stale = true;
	if (w->store != NULL && store_replaced(w))
		w->full_needed = true;
	if (aging_next(&w->aging) <= now)
		w->stale = true;
	/* Someone removed the map, or wrote another over it (a makemap run
	 * by hand): put ours back rather than wait for the next login. */
	if (!w->map_ours ||
	    map_state_changed(w->export_options->db_path, &w->map) ||
	    now >= w->full_at)
		w->full_needed = w->stale = true;
}

/* Full exports are not charged: they are rare (start, a reshaped
 * table, the hourly one) and must not hold back the updates after. */
static void refill(struct watch *w)
{
	uint64_t mono = mono_ms();

	w->budget_us += (int64_t)(mono - w->budget_at_ms) * 1000 / BUDGET_SHARE;
	if (w->budget_us > BUDGET_MAX_US)
		w->budget_us = BUDGET_MAX_US;
	w->budget_at_ms = mono;
}

static void tick(struct watch *w)
{
	int64_t now = now_s();
	uint64_t started;

	notice_causes(w, now);
	/* A full export replaces the map anyway. */
	if (w->touch_at != 0 && w->full_needed)
		w->touch_at = 0;
	if (w->touch_at != 0 && now >= w->touch_at)
		touch_map(w);
	refill(w);
	if (!w->stale || now < w->retry_at || w->budget_us < 0)
		return;
	/* Every update opens the store afresh, so that it passes the same
	 * checks as a one-shot run: a store made writable by others since
	 * the last export is refused, not read through the old handle. */
	close_store(w);
	if (!open_store(w))
		return;
	started = cpu_us();
	if (w->full_needed) {
		full_export(w);
		return;
	}
	if (incremental(w))
		w->budget_us -= (int64_t)(cpu_us() - started);
}

static uint64_t ms_until(int64_t then, int64_t now)
{
	return then > now ? (uint64_t)(then - now) * 1000 : 0;
}

/* How long to sleep: until the next thing due, at most the interval.
 * An update that waits for its budget waits for it whatever is due. */
static unsigned sleep_ms(const struct watch *w)
{
	uint64_t ms = w->options->interval_ms, update = UINT64_MAX;
	int64_t now = now_s(), next = aging_next(&w->aging);

	if (w->stale)
		update = ms_until(w->retry_at, now);
	if (next != INT64_MAX && ms_until(next, now) < update)
		update = ms_until(next, now);
	if (update != UINT64_MAX && w->budget_us < 0) {
		uint64_t earn = (uint64_t)(-w->budget_us) * BUDGET_SHARE / 1000 + 1;

		if (earn > update)
			update = earn;
	}
	if (update < ms)
		ms = update;
	if (w->touch_at != 0 && ms_until(w->touch_at, now) < ms)
		ms = ms_until(w->touch_at, now);
	return (unsigned)ms;
}

int mapgen_watch(const struct mapgen_options *options,
		 const struct export_options *export_options)
{
	struct watch w = {
		.options = options,
		.export_options = export_options,
		.stale = true,
		.full_needed = true,
		.budget_us = BUDGET_MAX_US,
	};
	struct wake wake;
	int signo = 0;

	w.budget_at_ms = mono_ms();
	w.full_options = *export_options;
	w.full_options.aging = &w.aging;
	wake_init(&wake, options->store_path);
	for (;;) {
		tick(&w);
		switch (wake_wait(&wake, sleep_ms(&w), &signo)) {
		case WATCH_STOP:
			relay_store_close(w.store);
			store_diff_free(&w.diff);
			aging_free(&w.aging);
			wake_close(&wake);
			if (options->verbose)
				msg_info("stopped by signal %d",
					 signo);
			return 0;
		case WATCH_RELOAD:
			w.stale = w.full_needed = true;
			w.retry_at = 0;
			break;
		case WATCH_STORE:
		case WATCH_TIMEOUT:
			break;
		}
	}
}
