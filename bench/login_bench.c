/* login_bench: what pam_relayers adds to a login, side by side with the
 * same stack without it, with tdb's own floor and with the pam_exec peer
 * an admin would write.  The variants run interleaved in one process, so
 * that the machine's noise falls on all of them alike.
 *
 *   login_bench interleave CONFDIR STORE ROUNDS PEER_EVERY FIRST
 *   login_bench concurrent CONFDIR SERVICE PROCS LOGINS FIRST
 *   login_bench single CONFDIR SERVICE COUNT FIRST
 *   login_bench floor STORE COUNT FIRST
 *
 * CONFDIR holds the service files stack_a (pam_matrix + pam_permit),
 * stack_b (stack_a + pam_relayers, guard off), stack_c (stack_a +
 * pam_relayers with the guard on), peer_tdbtool and peer_vsmtprelay
 * (stack_a + pam_exec).  FIRST numbers the first client address, so
 * that each run logs in from addresses no earlier run used. */
#include <errno.h>
#include <stdio.h>
#include <sysexits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <tdb.h>
#include <unistd.h>

#include "addresses.h"
#include "pam_login.h"
#include "samples.h"
#include "tdb_floor.h"

static unsigned long number_arg(const char *text, const char *what)
{
	char *end;
	unsigned long value;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0') {
		fprintf(stderr, "login_bench: bad %s \"%s\"\n", what, text);
		exit(EX_USAGE);
	}
	return value;
}

static uint32_t next_client;

/* BENCH_RELOGIN_POOL=N: the clients cycle through N addresses from the
 * first, so that after the first N every login is a re-login from an
 * address the store holds (a client polling every few minutes). */
static const char *take_client(char text[RELAY_ADDR_TEXT_MAX])
{
	static uint32_t first, pool;
	static bool read_pool;
	uint32_t n = next_client++;

	if (!read_pool) {
		const char *text_pool = getenv("BENCH_RELOGIN_POOL");

		read_pool = true;
		first = n;
		pool = text_pool != NULL ? (uint32_t)strtoul(text_pool, NULL, 10) : 0;
	}
	login_client_text(pool > 0 ? first + (n - first) % pool : n, text);
	return text;
}

/* Each login comes from a new address, as one of the pool's accounts. */
static void login_or_die(const char *confdir, const char *service,
			 struct login_times *t)
{
	char rhost[RELAY_ADDR_TEXT_MAX], user[16];

	bench_user_text(next_client, user);
	if (!pam_login_timed(confdir, service, user, take_client(rhost), t))
		exit(1);
}

enum variant { STACK_A,
	       STACK_B,
	       STACK_C,
	       FLOOR,
	       FLOOR_NOMMAP,
	       FLOOR_KEPT,
	       VARIANTS };

/* The floors run on copies of the store: the module keeps its own
 * handle on the store open in this process, and tdb refuses a second
 * open of one file (EBUSY); the kept floor's handle is another one. */
static char floor_store[4096], kept_floor_store[4096];

static void floor_or_die(enum variant v, struct samples *s)
{
	char key[RELAY_ADDR_TEXT_MAX];
	uint64_t start;
	bool recorded;

	take_client(key);
	start = now_ns();
	if (v == FLOOR_KEPT)
		recorded = tdb_floor_record_kept(kept_floor_store, key);
	else
		recorded = tdb_floor_record(floor_store, key,
					    v == FLOOR ? 0 : TDB_NOMMAP);
	if (!recorded)
		exit(1);
	samples_add(s, now_ns() - start);
}

static void copy_floor_stores(const char *store)
{
	snprintf(floor_store, sizeof(floor_store), "%s.floor", store);
	snprintf(kept_floor_store, sizeof(kept_floor_store), "%s.floor-kept",
		 store);
	if (!tdb_floor_copy(store, floor_store) ||
	    !tdb_floor_copy(store, kept_floor_store))
		exit(1);
}

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

struct interleaved {
	struct samples acct[VARIANTS], whole[VARIANTS];
	struct samples peer_acct[2], peer_whole[2];
};

static const char *const peer_service[2] = { "peer_tdbtool",
					     "peer_vsmtprelay" };

static void run_variant(enum variant v, const char *confdir,
			const char *store, struct interleaved *r)
{
	static const char *const service[] = { "stack_a", "stack_b", "stack_c" };
	struct login_times t;

	if (v == FLOOR || v == FLOOR_NOMMAP || v == FLOOR_KEPT) {
		floor_or_die(v, &r->acct[v]);
		return;
	}
	login_or_die(confdir, service[v], &t);
	samples_add(&r->acct[v], t.acct_ns);
	samples_add(&r->whole[v], t.whole_ns);
}

static void run_peer(unsigned which, const char *confdir,
		     struct interleaved *r)
{
	struct login_times t;

	login_or_die(confdir, peer_service[which], &t);
	samples_add(&r->peer_acct[which], t.acct_ns);
	samples_add(&r->peer_whole[which], t.whole_ns);
}

/* Rotates the order inside each round, so that no variant always runs
 * right after another one warmed the caches for it. */
static void interleave_rounds(const char *confdir, const char *store,
			      unsigned long rounds, unsigned long peer_every,
			      struct interleaved *r)
{
	for (unsigned long round = 0; round < rounds; round++) {
		for (unsigned k = 0; k < VARIANTS; k++)
			run_variant((enum variant)((round + k) % VARIANTS),
				    confdir, store, r);
		if (peer_every > 0 && round % peer_every == 0)
			run_peer((unsigned)(round / peer_every) % 2, confdir, r);
	}
}

static double median_us(struct samples *s)
{
	return samples_summarise(s).p50_us;
}

static double mean_us(struct samples *s)
{
	return samples_summarise(s).mean_us;
}

static void print_added_cost(struct interleaved *r)
{
	double added_acct = median_us(&r->acct[STACK_B]) -
			    median_us(&r->acct[STACK_A]);
	double added_whole = median_us(&r->whole[STACK_B]) -
			     median_us(&r->whole[STACK_A]);
	double floor_p50 = median_us(&r->acct[FLOOR]);
	double peer_added = median_us(&r->peer_acct[0]) -
			    median_us(&r->acct[STACK_A]);

	printf("added by pam_relayers, p50: acct_mgmt %.1f us, whole login "
	       "%.1f us (mean: %.1f / %.1f us)\n",
	       added_acct, added_whole,
	       mean_us(&r->acct[STACK_B]) - mean_us(&r->acct[STACK_A]),
	       mean_us(&r->whole[STACK_B]) - mean_us(&r->whole[STACK_A]));
	printf("module acct_mgmt / tdb floor (p50): %.2fx; / floor without "
	       "mmap: %.2fx; / kept floor: %.2fx\n",
	       added_acct / floor_p50,
	       added_acct / median_us(&r->acct[FLOOR_NOMMAP]),
	       added_acct / median_us(&r->acct[FLOOR_KEPT]));
	printf("guard on: added acct_mgmt p50 %.1f us; guard on / guard off: "
	       "%.2fx (goal: at most 1.3x)\n",
	       median_us(&r->acct[STACK_C]) - median_us(&r->acct[STACK_A]),
	       (median_us(&r->acct[STACK_C]) - median_us(&r->acct[STACK_A])) /
		       added_acct);
	if (r->peer_acct[0].count > 0)
		printf("pam_exec+tdbtool peer / module (p50 added acct_mgmt): "
		       "%.0fx\n",
		       peer_added / added_acct);
}

static int interleave_main(char **argv)
{
	const char *confdir = argv[0], *store = argv[1];
	unsigned long rounds = number_arg(argv[2], "round count");
	unsigned long peer_every = number_arg(argv[3], "peer interval");
	struct interleaved r;

	next_client = (uint32_t)number_arg(argv[4], "first client");
	for (int v = 0; v < VARIANTS; v++) {
		samples_init(&r.acct[v], rounds);
		samples_init(&r.whole[v], rounds);
	}
	for (int p = 0; p < 2; p++) {
		samples_init(&r.peer_acct[p], 64);
		samples_init(&r.peer_whole[p], 64);
	}
	copy_floor_stores(store);
	interleave_rounds(confdir, store, rounds, peer_every, &r);
	samples_print("A acct_mgmt", &r.acct[STACK_A]);
	samples_print("B acct_mgmt (+pam_relayers)", &r.acct[STACK_B]);
	samples_print("C acct_mgmt (+pam_relayers, guard)", &r.acct[STACK_C]);
	samples_print("floor tdb open+store+close", &r.acct[FLOOR]);
	samples_print("floor with TDB_NOMMAP", &r.acct[FLOOR_NOMMAP]);
	samples_print("floor kept handle (chainlock+store)", &r.acct[FLOOR_KEPT]);
	samples_print("peer tdbtool acct_mgmt", &r.peer_acct[0]);
	samples_print("peer vsmtprelay acct_mgmt", &r.peer_acct[1]);
	samples_print("A whole login", &r.whole[STACK_A]);
	samples_print("B whole login", &r.whole[STACK_B]);
	samples_print("C whole login", &r.whole[STACK_C]);
	samples_print("peer tdbtool whole login", &r.peer_whole[0]);
	samples_print("peer vsmtprelay whole", &r.peer_whole[1]);
	print_added_cost(&r);
	return 0;
}

/* The children write their samples here; the parent reads them after
 * every child has exited. */
struct shared_samples {
	uint64_t *acct, *whole;
	size_t per_proc;
};

static void child_logins(const char *confdir, const char *service,
			 struct shared_samples *shared, unsigned proc,
			 int start_fd)
{
	char go;
	struct login_times t;

	/* Every child starts when the parent closes the pipe. */
	if (read(start_fd, &go, 1) < 0)
		_exit(1);
	next_client += (uint32_t)(proc * shared->per_proc);
	for (size_t i = 0; i < shared->per_proc; i++) {
		login_or_die(confdir, service, &t);
		shared->acct[proc * shared->per_proc + i] = t.acct_ns;
		shared->whole[proc * shared->per_proc + i] = t.whole_ns;
	}
	_exit(0);
}

static void gather(const uint64_t *from, size_t count, struct samples *s)
{
	samples_init(s, count);
	for (size_t i = 0; i < count; i++)
		samples_add(s, from[i]);
}

static int concurrent_main(char **argv)
{
	const char *confdir = argv[0], *service = argv[1];
	unsigned procs = (unsigned)number_arg(argv[2], "process count");
	struct shared_samples shared = {
		.per_proc = number_arg(argv[3], "login count")
	};
	size_t total = procs * shared.per_proc;
	int start[2], failures = 0, status;
	struct samples acct, whole;
	uint64_t began, elapsed;

	next_client = (uint32_t)number_arg(argv[4], "first client");
	shared.acct = mmap(NULL, 2 * total * sizeof(uint64_t),
			   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			   -1, 0);
	if (shared.acct == MAP_FAILED || pipe(start) != 0) {
		perror("login_bench");
		return EX_SOFTWARE;
	}
	shared.whole = shared.acct + total;
	for (unsigned p = 0; p < procs; p++) {
		if (fork() == 0) {
			close(start[1]);
			child_logins(confdir, service, &shared, p, start[0]);
		}
	}
	close(start[0]);
	began = now_ns();
	close(start[1]);
	while (wait(&status) > 0)
		failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	elapsed = now_ns() - began;
	if (failures > 0) {
		fprintf(stderr, "login_bench: %d login processes failed\n",
			failures);
		return 1;
	}
	gather(shared.acct, total, &acct);
	gather(shared.whole, total, &whole);
	printf("%s, %u processes: %.0f logins/s over %.2f s\n", service, procs,
	       (double)total * 1e9 / (double)elapsed, (double)elapsed / 1e9);
	samples_print("  acct_mgmt", &acct);
	samples_print("  whole login", &whole);
	return 0;
}

static int single_main(char **argv)
{
	const char *confdir = argv[0], *service = argv[1];
	unsigned long count = number_arg(argv[2], "login count");
	struct samples acct, whole;
	struct login_times t;

	next_client = (uint32_t)number_arg(argv[3], "first client");
	samples_init(&acct, count);
	samples_init(&whole, count);
	for (unsigned long i = 0; i < count; i++) {
		login_or_die(confdir, service, &t);
		samples_add(&acct, t.acct_ns);
		samples_add(&whole, t.whole_ns);
	}
	samples_print("  acct_mgmt", &acct);
	samples_print("  whole login", &whole);
	printf("  peak RSS %ld KiB\n", max_rss_kb());
	return 0;
}

static int floor_main(char **argv)
{
	unsigned long count = number_arg(argv[1], "count");
	struct samples s;

	next_client = (uint32_t)number_arg(argv[2], "first client");
	samples_init(&s, count);
	/* No module in this process: the floor may use the store itself. */
	snprintf(floor_store, sizeof(floor_store), "%s", argv[0]);
	for (unsigned long i = 0; i < count; i++)
		floor_or_die(FLOOR, &s);
	samples_print("  floor", &s);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int args;
		int (*run)(char **argv);
	} modes[] = {
		{ "interleave", 5, interleave_main },
		{ "concurrent", 5, concurrent_main },
		{ "single", 4, single_main },
		{ "floor", 3, floor_main },
	};

	for (size_t i = 0; argc >= 2 && i < sizeof(modes) / sizeof(*modes); i++)
		if (strcmp(argv[1], modes[i].name) == 0 && argc == modes[i].args + 2)
			return modes[i].run(argv + 2);
	fprintf(stderr, "usage: login_bench interleave CONFDIR STORE ROUNDS "
			"PEER_EVERY FIRST\n"
			"       login_bench concurrent CONFDIR SERVICE PROCS LOGINS FIRST\n"
			"       login_bench single CONFDIR SERVICE COUNT FIRST\n"
			"       login_bench floor STORE COUNT FIRST\n");
	return EX_USAGE;
}
