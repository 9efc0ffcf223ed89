/* relayers-shipper: follows this POP/IMAP host's relay store and writes
 * every change to Redis, where relayersd --redis on each MTA reads it.
 * See relayers-shipper(8) and docs/scaling.md. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "follow.h"
#include "msg.h"
#include "options.h"
#include "ship.h"
#include "stop_signals.h"
#include "store_wake.h"

/* Backoff after a failure, doubling from the first to the last. */
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000
/* Without an event, the store and the link are looked at this often. */
#define IDLE_MS 1000
/* A full sync this often even when every change went through: it mends
 * whatever the raw comparison could miss, and a write the primary took
 * but lost in a failover before its replica had it. */
#define FULL_EVERY_S 3600

struct shipper {
	const struct shipper_options *opt;
	struct redis_credentials cred;
	struct redis_credentials sentinel_cred;
	struct follower follow;
	struct shipper_link link;
	bool full_needed;
	uint64_t shipped_seqnum;
	time_t full_at;
	unsigned backoff_ms;
	uint64_t retry_at_ms; /* no new connect before then */
	char last_fault[512];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* One line per distinct fault, not one per retry. */
static void fault(struct shipper *s, const char *text)
{
	if (strcmp(text, s->last_fault) != 0)
		msg_info("%s; retrying", text);
	snprintf(s->last_fault, sizeof(s->last_fault), "%s", text);
	s->backoff_ms = s->backoff_ms == 0 ? BACKOFF_FIRST_MS : s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
												   : s->backoff_ms * 2;
	s->retry_at_ms = mono_ms() + s->backoff_ms;
}

static void recovered(struct shipper *s, const char *what)
{
	if (s->last_fault[0] != '\0')
		msg_info("%s after: %s", what, s->last_fault);
	s->last_fault[0] = '\0';
	s->backoff_ms = 0;
	s->retry_at_ms = 0;
}

/* Every failure on the link means a full sync once it is back: the
 * diff's copy has moved past changes Redis may not have. */
static void drop_link(struct shipper *s, const char *why)
{
	redisFree(s->link.c);
	s->link.c = NULL;
	s->full_needed = true;
	fault(s, why);
}

static bool have_store(struct shipper *s)
{
	struct relay_error err;

	if (s->follow.store != NULL && follow_replaced(&s->follow)) {
		follow_close(&s->follow);
		s->full_needed = true;
	}
	if (s->follow.store != NULL)
		return true;
	if (!follow_open(&s->follow, &err)) {
		fault(s, err.text);
		return false;
	}
	s->full_needed = true;
	return true;
}

static bool have_link(struct shipper *s)
{
	char why[512];

	if (s->link.c != NULL)
		return true;
	s->link.c = redis_link_open(&s->opt->target, &s->cred, why, sizeof(why));
	if (s->link.c == NULL) {
		fault(s, why);
		return false;
	}
	s->full_needed = true;
	return true;
}

static void full_sync(struct shipper *s)
{
	struct relay_snapshot snap;
	struct relay_error err;
	uint64_t seqnum = 0;
	size_t deleted = 0;
	char why[512];

	if (!follow_snapshot(&s->follow, &snap, &seqnum, &err)) {
		relay_snapshot_free(&snap);
		follow_close(&s->follow);
		fault(s, err.text);
		return;
	}
	if (!ship_full_sync(&s->link, &snap, &deleted, why, sizeof(why))) {
		relay_snapshot_free(&snap);
		drop_link(s, why);
		return;
	}
	s->full_needed = false;
	s->shipped_seqnum = seqnum;
	s->full_at = time(NULL) + FULL_EVERY_S;
	recovered(s, "in sync again");
	if (s->opt->verbose)
		msg_info("full sync: %zu entries set, %zu fields deleted",
			 snap.count, deleted);
	relay_snapshot_free(&snap);
}

static void incremental(struct shipper *s)
{
	struct ship_change *changes;
	struct relay_error err;
	size_t count;
	uint64_t seqnum;
	char why[512];

	switch (follow_changes(&s->follow, &changes, &count, &seqnum, &err)) {
	case FOLLOW_FULL:
		s->full_needed = true;
		full_sync(s);
		return;
	case FOLLOW_FAILED:
		/* A store that cannot be read now (busy) is compared afresh. */
		s->full_needed = true;
		fault(s, err.text);
		return;
	case FOLLOW_OK:
		break;
	}
	if (!ship_changes(&s->link, changes, count, why, sizeof(why))) {
		free(changes);
		drop_link(s, why);
		return;
	}
	s->shipped_seqnum = seqnum;
	recovered(s, "shipping again");
	if (s->opt->verbose && count > 0)
		msg_info("%zu changes shipped", count);
	free(changes);
}

static void step(struct shipper *s)
{
	/* A login during the backoff wakes the loop; it must not make the
	 * shipper hammer a Redis that is down. */
	if (mono_ms() < s->retry_at_ms)
		return;
	if (!have_store(s) || !have_link(s))
		return;
	if (time(NULL) >= s->full_at)
		s->full_needed = true;
	if (s->full_needed)
		full_sync(s);
	else if (relay_store_seqnum(s->follow.store) != s->shipped_seqnum)
		incremental(s);
}

/* SIGTERM and SIGINT stop; SIGHUP asks for a full sync. */
static bool take_signal(struct shipper *s, int sfd)
{
	struct signalfd_siginfo info;

	if (read(sfd, &info, sizeof(info)) != (ssize_t)sizeof(info))
		return true;
	if (info.ssi_signo == SIGHUP) {
		s->full_needed = true;
		return true;
	}
	if (s->opt->verbose)
		msg_info("stopped by signal %u", info.ssi_signo);
	return false;
}

static int blocked_signals_fd(void)
{
	signal(SIGPIPE, SIG_IGN);
	relay_stop_signals_block();
	return relay_stop_signals_fd();
}

int main(int argc, char **argv)
{
	struct shipper_options opt;
	struct shipper s;
	struct store_waker waker;
	char why[512];
	int status, sfd;

	msg_set_program("relayers-shipper");
	status = shipper_parse_options(argc, argv, &opt);
	if (status >= 0)
		return status;
	memset(&s, 0, sizeof(s));
	s.opt = &opt;
	s.follow.path = opt.store_path;
	s.link.prefix = opt.prefix;
	s.link.host = opt.host;
	s.link.max_age = opt.max_age;
	s.full_needed = true;
	if (opt.target.password_file != NULL &&
	    !redis_credentials_load(opt.target.password_file, &s.cred, why,
				    sizeof(why))) {
		msg_info("%s", why);
		return EX_CONFIG;
	}
	if (opt.target.sentinel_password_file != NULL &&
	    !redis_credentials_load(opt.target.sentinel_password_file,
				    &s.sentinel_cred, why, sizeof(why))) {
		msg_info("%s", why);
		return EX_CONFIG;
	}
	opt.target.sentinel_cred = &s.sentinel_cred;
	sfd = blocked_signals_fd();
	if (sfd < 0) {
		msg_info("signalfd failed");
		return EX_OSERR;
	}
	store_waker_init(&waker, opt.store_path, sfd, "relayers-shipper");
	msg_info("shipping %s as host %s", opt.store_path, opt.host);
	for (;;) {
		step(&s);
		uint64_t now = mono_ms();
		unsigned ms = s.retry_at_ms > now ? (unsigned)(s.retry_at_ms - now) : s.full_needed ? BACKOFF_FIRST_MS
												    : IDLE_MS;

		if (store_waker_wait(&waker, ms) == STORE_WAKE_SIGNAL &&
		    !take_signal(&s, sfd))
			break;
	}
	store_waker_close(&waker);
	follow_close(&s.follow);
	redisFree(s.link.c);
	explicit_bzero(&s.cred, sizeof(s.cred));
	explicit_bzero(&s.sentinel_cred, sizeof(s.sentinel_cred));
	close(sfd);
	return EX_OK;
}
