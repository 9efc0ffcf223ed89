/* mapgen_lag MAPGEN STORE MAP SECONDS RATE FIRST [MAPGEN-ARGS...]:
 * starts `MAPGEN -f STORE -o MAP --watch MAPGEN-ARGS`, waits for its
 * first export, then for SECONDS records RATE logins a second into the
 * store and prints what the watcher cost meanwhile (its CPU share from
 * /proc/PID/stat, bytes written per second from /proc/PID/io) and how
 * far the map lagged each login.
 *
 * A login is relay_store_record(), the module's own single call (open,
 * store, close with TDB_NOMMAP), made here directly rather than through
 * PAM: PAM would add a fork-free but constant cost that says nothing
 * about the map.  Every other login is a new address (100.64.0.0 +
 * FIRST + i), the rest refresh an entry store_fill made three days ago,
 * so the map must take both new keys and new values.
 *
 * How long each login's store write took is printed too: the watcher
 * holds the store's read lock while it looks, and a login waits for it.
 *
 * The lag of a login is the time from the return of its store write to
 * the first poll that finds the key with the new value in MAP.db.  The
 * map is polled every POLL_MS the way sendmail reads it: open, a shared
 * flock around the lookups, close.  A login not seen within DRAIN_S
 * after the last one counts as missed. */
#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sysexits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addresses.h"
#include "samples.h"
#include "stamp.h"
#include "store.h"

#define POLL_MS 5
#define DRAIN_S 20
#define START_S 120
#define MAX_OUTSTANDING 4096

struct pending {
	char key[RELAY_ADDR_TEXT_MAX];
	char value[RELAY_STAMP_TEXT_MAX];
	uint64_t written_ns;
};

struct run {
	const char *store;
	char db_path[4096];
	pid_t pid;
	struct pending pending[MAX_OUTSTANDING];
	size_t outstanding;
	struct samples lag;
	struct samples write; /* how long each login's store write took */
	size_t missed;
};

static void die(const char *what)
{
	fprintf(stderr, "mapgen_lag: %s\n", what);
	exit(1);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static pid_t start_watcher(char **argv, int extra, char **extra_argv,
			   const char *map)
{
	char **args = calloc((size_t)extra + 8, sizeof(*args));
	pid_t pid;
	int n = 0;

	if (args == NULL)
		die("out of memory");
	args[n++] = argv[1];
	args[n++] = "-f";
	args[n++] = argv[2];
	args[n++] = "-o";
	args[n++] = (char *)map;
	args[n++] = "--watch";
	for (int i = 0; i < extra; i++)
		args[n++] = extra_argv[i];
	args[n] = NULL;
	pid = fork();
	if (pid < 0)
		die("fork failed");
	if (pid == 0) {
		execv(args[0], args);
		_exit(127);
	}
	free(args);
	return pid;
}

/* user + system clock ticks of pid and of its children it has reaped
 * (fields 14 to 17): mapgen writes the map in a child. */
static unsigned long long cpu_ticks(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long long utime = 0, stime = 0, cutime = 0, cstime = 0;
	FILE *f;
	size_t got;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		die("cannot read the watcher's /proc/PID/stat");
	got = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[got] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
			  "%llu %llu",
		   &utime, &stime, &cutime, &cstime) != 4)
		die("cannot parse /proc/PID/stat");
	return utime + stime + cutime + cstime;
}

static unsigned long long write_bytes(pid_t pid)
{
	char path[64], line[256];
	unsigned long long bytes = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		die("cannot read the watcher's /proc/PID/io");
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "write_bytes: %llu", &bytes) == 1)
			break;
	fclose(f);
	return bytes;
}

/* One sendmail-like look at the map: every pending key that holds its
 * new value is done. */
static void poll_map(struct run *r)
{
	DB *db;
	int fd = open(r->db_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (flock(fd, LOCK_SH) != 0 || db_create(&db, NULL, 0) != 0) {
		close(fd);
		return;
	}
	if (db->open(db, NULL, r->db_path, NULL, DB_HASH, DB_RDONLY, 0) == 0) {
		uint64_t now = now_ns();

		for (size_t i = 0; i < r->outstanding;) {
			struct pending *p = &r->pending[i];
			DBT k = { .data = p->key, .size = (u_int32_t)strlen(p->key) };
			DBT v = { 0 };

			if (db->get(db, NULL, &k, &v, 0) == 0 &&
			    v.size == strlen(p->value) &&
			    memcmp(v.data, p->value, v.size) == 0) {
				samples_add(&r->lag, now - p->written_ns);
				*p = r->pending[--r->outstanding];
				continue;
			}
			i++;
		}
	}
	db->close(db, 0);
	flock(fd, LOCK_UN);
	close(fd);
}

static void login(struct run *r, uint32_t i, uint32_t first)
{
	struct relay_store_options options = { .timeout_ms = 250 };
	struct relay_error err;
	struct relay_addr addr;
	struct pending *p;
	int64_t stamp = (int64_t)time(NULL);
	uint64_t began;
	enum relay_status status;

	if (i % 2 == 0) {
		char text[RELAY_ADDR_TEXT_MAX];

		login_client_text(first + i, text);
		relay_addr_parse(text, &addr);
	} else {
		/* store_fill made the even entries three days old. */
		filled_entry_addr((i * 7919u) % 400000u * 2u, &addr);
	}
	began = now_ns();
	status = relay_store_record(r->store, &options, &addr, stamp, &err);
	samples_add(&r->write, now_ns() - began);
	if (status != RELAY_OK) {
		fprintf(stderr, "mapgen_lag: login %u: %s\n", i, err.text);
		r->missed++;
		return;
	}
	if (r->outstanding == MAX_OUTSTANDING)
		die("too many logins outstanding");
	p = &r->pending[r->outstanding++];
	p->written_ns = now_ns();
	if (addr.family == AF_INET6) {
		char full[RELAY_ADDR_TEXT_MAX];

		relay_addr_format_full(&addr, full);
		snprintf(p->key, sizeof(p->key), "ipv6:%.*s",
			 (int)sizeof(p->key) - 6, full);
	} else {
		relay_addr_format(&addr, p->key);
	}
	relay_stamp_format(stamp, p->value);
}

static void wait_for_first_export(struct run *r, uint32_t first)
{
	uint64_t deadline = now_ns() + (uint64_t)START_S * 1000000000u;

	login(r, 0, first - 2);
	while (r->outstanding > 0) {
		if (now_ns() > deadline)
			die("the watcher made no map in time");
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid)
			die("the watcher exited");
		sleep_ms(20);
		poll_map(r);
	}
	samples_free(&r->lag);
	samples_init(&r->lag, 1024);
	samples_free(&r->write);
	samples_init(&r->write, 1024);
}

int main(int argc, char **argv)
{
	static struct run r;
	char map[4000];
	unsigned seconds, rate;
	uint32_t first, logins;
	unsigned long long ticks0, ticks1, bytes0, bytes1;
	uint64_t start, end;
	struct sample_summary s;
	double wall;
	long hz = sysconf(_SC_CLK_TCK);

	if (argc < 7) {
		fprintf(stderr, "usage: mapgen_lag MAPGEN STORE MAP SECONDS RATE "
				"FIRST [MAPGEN-ARGS...]\n");
		return EX_USAGE;
	}
	r.store = argv[2];
	snprintf(map, sizeof(map), "%s", argv[3]);
	snprintf(r.db_path, sizeof(r.db_path), "%s.db", map);
	seconds = (unsigned)strtoul(argv[4], NULL, 10);
	rate = (unsigned)strtoul(argv[5], NULL, 10);
	first = (uint32_t)strtoul(argv[6], NULL, 10) + 2;
	if (seconds == 0 || rate == 0 || rate > 1000)
		die("SECONDS and RATE must be positive (RATE at most 1000)");
	samples_init(&r.lag, 1024);
	samples_init(&r.write, 1024);
	r.pid = start_watcher(argv, argc - 7, argv + 7, map);
	wait_for_first_export(&r, first);
	logins = seconds * rate;
	ticks0 = cpu_ticks(r.pid);
	bytes0 = write_bytes(r.pid);
	start = now_ns();
	for (uint32_t i = 0; i < logins; i++) {
		uint64_t due = start + (uint64_t)i * 1000000000u / rate;

		while (now_ns() < due) {
			poll_map(&r);
			sleep_ms(POLL_MS);
		}
		login(&r, i, first);
	}
	while (now_ns() < start + (uint64_t)seconds * 1000000000u) {
		poll_map(&r);
		sleep_ms(POLL_MS);
	}
	end = now_ns();
	ticks1 = cpu_ticks(r.pid);
	bytes1 = write_bytes(r.pid);
	while (r.outstanding > 0 &&
	       now_ns() < end + (uint64_t)DRAIN_S * 1000000000u) {
		poll_map(&r);
		sleep_ms(POLL_MS);
	}
	r.missed += r.outstanding;
	kill(r.pid, SIGTERM);
	waitpid(r.pid, NULL, 0);

	wall = (double)(end - start) / 1e9;
	s = samples_summarise(&r.lag);
	printf("mapgen --watch, %u logins/s for %.1f s: CPU %.1f%% of a core, "
	       "written %.3f MB/s (%llu bytes)\n",
	       rate, wall,
	       100.0 * (double)(ticks1 - ticks0) / (double)hz / wall,
	       (double)(bytes1 - bytes0) / wall / 1e6, bytes1 - bytes0);
	printf("map lag after a login: p50 %.1f ms, p99 %.1f ms, max %.1f ms "
	       "(n=%zu, missed %zu)\n",
	       s.p50_us / 1000, s.p99_us / 1000,
	       s.max_us / 1000, s.count, r.missed);
	s = samples_summarise(&r.write);
	printf("the logins' store writes meanwhile: p50 %.1f us, p99 %.1f us, "
	       "max %.1f us (n=%zu)\n",
	       s.p50_us, s.p99_us, s.max_us, s.count);
	samples_free(&r.lag);
	samples_free(&r.write);
	return r.missed > 0 ? 1 : 0;
}
