#include "watch.h"

#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "signals.h"
#include "window.h"

/* A failed export is tried again after this long; the same error is
 * logged again only after REPEAT_LOG_S. */
#define RETRY_S 1
#define REPEAT_LOG_S 60

struct watch {
	const struct mapgen_options *options;
	const struct export_options *export_options;
	struct relay_store *store;
	dev_t dev;		/* the store file opened */
	ino_t ino;
	dev_t map_dev;		/* the map file last written */
	ino_t map_ino;
	uint64_t exported_seqnum;
	bool stale;		/* the map lags the store */
	int64_t next_change;	/* when an entry ages out of the map */
	int64_t retry_at;
	char last_error[sizeof(((struct map_failure *)0)->text)];
	int64_t last_error_at;
	bool failing;
};

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static void report_failure(struct watch *w, const char *text)
{
	int64_t now = now_s();

	w->failing = true;
	w->retry_at = now + RETRY_S;
	if (strcmp(text, w->last_error) == 0 &&
	    now - w->last_error_at < REPEAT_LOG_S)
		return;
	fprintf(stderr, "mapgen: %s; map left unchanged, retrying\n", text);
	snprintf(w->last_error, sizeof(w->last_error), "%s", text);
	w->last_error_at = now;
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
		.timeout_ms = MAPGEN_STORE_TIMEOUT_MS, .read_only = true
	};
	struct relay_error err;
	struct stat st;

	if (stat(w->options->store_path, &st) == 0) {
		w->dev = st.st_dev;
		w->ino = st.st_ino;
	}
	if (relay_store_open(w->options->store_path, &so, &w->store, &err) !=
	    RELAY_OK) {
		report_store_failure(w, err.text, err.status == RELAY_FOREIGN);
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

/* Someone removed the map, or wrote another over it (a makemap run by
 * hand): put ours back rather than wait for the next login. */
static bool map_lost(const struct watch *w)
{
	struct stat st;

	return stat(w->export_options->db_path, &st) != 0 ||
	       st.st_dev != w->map_dev || st.st_ino != w->map_ino;
}

static void remember_map(struct watch *w)
{
	struct stat st;

	if (stat(w->export_options->db_path, &st) == 0) {
		w->map_dev = st.st_dev;
		w->map_ino = st.st_ino;
	}
}

static void export_now(struct watch *w)
{
	struct export_result result;
	struct map_failure failure;
	uint64_t seqnum = relay_store_seqnum(w->store);

	if (export_run(w->store, w->export_options, &result, &failure) != 0) {
		if (!mapgen_stop_pending())
			report_store_failure(w, failure.text,
					     failure.exit_code ==
						     relay_status_exit_code(RELAY_FOREIGN));
		return;
	}
	w->exported_seqnum = seqnum;
	remember_map(w);
	w->next_change = result.next_change;
	w->stale = false;
	if (w->failing)
		fprintf(stderr, "mapgen: %s: exported again after failures\n",
			w->export_options->db_path);
	w->failing = false;
	w->last_error[0] = '\0';
	if (w->options->verbose)
		fprintf(stderr, "mapgen: %s: %zu entries, %zu keys\n",
			w->export_options->db_path, result.entries, result.keys);
}

static void tick(struct watch *w)
{
	if (w->store != NULL &&
	    (store_replaced(w) ||
	     relay_store_seqnum(w->store) != w->exported_seqnum))
		w->stale = true;
	if (now_s() >= w->next_change || map_lost(w))
		w->stale = true;
	if (!w->stale || now_s() < w->retry_at)
		return;
	/* Every export opens the store afresh, so that it passes the same
	 * checks as a one-shot run: a store made writable by others since
	 * the last export is refused, not read through the old handle. */
	close_store(w);
	if (open_store(w))
		export_now(w);
}

int mapgen_watch(const struct mapgen_options *options,
		 const struct export_options *export_options)
{
	struct watch w = {
		.options = options, .export_options = export_options,
		.stale = true, .next_change = MAP_NEVER,
	};
	int signo = 0;

	for (;;) {
		tick(&w);
		switch (mapgen_signals_wait(options->interval_ms, &signo)) {
		case WAKE_STOP:
			relay_store_close(w.store);
			if (options->verbose)
				fprintf(stderr, "mapgen: stopped by signal %d\n",
					signo);
			return 0;
		case WAKE_RELOAD:
			w.stale = true;
			w.retry_at = 0;
			break;
		case WAKE_TIMEOUT:
			break;
		}
	}
}
