/* vsmtprelay refresh: the clients that Dovecot says are logged in right
 * now keep their right to relay.  A mail client that stays connected
 * (IMAP IDLE) never logs in again, and a login that Dovecot's auth cache
 * answered never reached PAM; both are in anvil's list of sessions.
 *
 * Order matters for "nothing half done": anvil's whole answer is read
 * and validated first, then the store is opened and every address is
 * written in one transaction, and only after the commit is anything
 * reported as changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "anvil.h"
#include "bookkeeping.h"
#include "cidr.h"
#include "cli_store.h"
#include "commands.h"
#include "escape.h"
#include "msg.h"
#include "stamp.h"

struct refresh_options {
	const char *anvil_path;
	struct relay_cidr_list exclude;
	bool verbose;
};

/* One client address, with the first session seen from it. */
struct client {
	struct relay_addr addr;
	const struct anvil_session *session;
	size_t sessions;
	enum { CLIENT_ADDED,
	       CLIENT_REFRESHED,
	       CLIENT_PINNED } outcome;
	int64_t old_stamp;
};

static int refresh_usage(const char *problem, const char *arg)
{
	char shown[RELAY_ESCAPE_TEXT_MAX];

	msg_error("refresh: %s%s%s%s", problem,
		  arg ? " \"" : "", arg ? relay_escape_str(arg, shown) : "",
		  arg ? "\"" : "");
	fprintf(stderr, "usage: vsmtprelay [-f store] refresh "
			"[--exclude CIDR[,CIDR...]] [--anvil PATH] [-v]\n");
	return EXIT_USAGE;
}

static int parse_options(int argc, char **argv, struct refresh_options *o)
{
	char err[RELAY_ESCAPE_TEXT_MAX + 40];

	o->anvil_path = ANVIL_DEFAULT_PATH;
	o->verbose = false;
	relay_cidr_list_default_exclude(&o->exclude);
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
			o->verbose = true;
		} else if (strcmp(arg, "--exclude") == 0 ||
			   strcmp(arg, "--anvil") == 0) {
			if (i + 1 == argc)
				return refresh_usage("a value must follow", arg);
			if (arg[2] == 'a') {
				o->anvil_path = argv[++i];
			} else if (!relay_cidr_list_parse(argv[++i], &o->exclude,
							  err, sizeof(err))) {
				msg_error("refresh: --exclude "
					  "refused: %s",
					  err);
				return EXIT_USAGE;
			}
		} else {
			return refresh_usage("unknown argument", arg);
		}
	}
	return 0;
}

static int anvil_exit_code(const struct anvil_error *err)
{
	msg_error("refresh: %s", err->text);
	switch (err->status) {
	case ANVIL_OK: return 0;
	case ANVIL_ABSENT: return EX_UNAVAILABLE;
	case ANVIL_INSECURE: return EX_NOPERM;
	case ANVIL_DENIED: return EX_NOPERM;
	case ANVIL_TIMEOUT: return EX_TEMPFAIL;
	case ANVIL_PROTOCOL: return EX_PROTOCOL;
	case ANVIL_USAGE: return EX_USAGE;
	case ANVIL_NOMEM: return EX_OSERR;
	case ANVIL_FAILED: return EX_UNAVAILABLE;
	}
	return EX_UNAVAILABLE;
}

static int addr_order(const void *a, const void *b)
{
	const struct client *x = a, *y = b;

	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	return memcmp(x->addr.octets, y->addr.octets, sizeof(x->addr.octets));
}

/* One entry per address, excluded ranges left out.  The list keeps
 * anvil's order within an address, so the first session is anvil's. */
static struct client *clients_of(const struct anvil_sessions *sessions,
				 const struct relay_cidr_list *exclude,
				 size_t *count, size_t *excluded)
{
	struct client *all = calloc(sessions->count + 1, sizeof(*all));
	size_t n = 0, kept = 0;

	if (all == NULL)
		return NULL;
	*excluded = 0;
	for (size_t i = 0; i < sessions->count; i++) {
		if (relay_cidr_list_match(exclude, &sessions->item[i].addr)) {
			(*excluded)++;
			continue;
		}
		all[n].addr = sessions->item[i].addr;
		all[n].session = &sessions->item[i];
		all[n].sessions = 1;
		n++;
	}
	/* qsort is not stable: of equal addresses, the session anvil listed
	 * first (the lowest pointer) is the one kept. */
	qsort(all, n, sizeof(*all), addr_order);
	for (size_t i = 0; i < n; i++) {
		if (kept > 0 && addr_order(&all[kept - 1], &all[i]) == 0) {
			if (all[i].session < all[kept - 1].session)
				all[kept - 1].session = all[i].session;
			all[kept - 1].sessions++;
			continue;
		}
		all[kept++] = all[i];
	}
	*count = kept;
	return all;
}

/* Writes one client's new time, and the session's user and service as
 * its owner, so that who and revoke see the account that holds it. */
static enum relay_status refresh_client(struct relay_store *store,
					struct client *c, int64_t now,
					struct relay_error *err)
{
	enum relay_status status;

	status = relay_store_get(store, &c->addr, &c->old_stamp, err);
	if (status == RELAY_NOT_FOUND) {
		c->outcome = CLIENT_ADDED;
	} else if (status != RELAY_OK) {
		return status;
	} else if (c->old_stamp >= now) {
		/* Pinned by the admin (add ip ticks) or already fresh:
		 * moving it back to now would shorten its time. */
		c->outcome = CLIENT_PINNED;
		return RELAY_OK;
	} else {
		c->outcome = CLIENT_REFRESHED;
	}
	return relay_store_put_owner(store, &c->addr, now, c->session->user,
				     strlen(c->session->user),
				     c->session->service, err);
}

static int write_all(const char *path, struct client *clients, size_t count,
		     int64_t now)
{
	struct relay_store *store;
	struct relay_error err;
	int code = 0;

	store = cli_store_open(path, CLI_CREATE, &code);
	if (store == NULL)
		return code;
	if (relay_store_begin(store, &err) != RELAY_OK) {
		code = cli_store_error(&err);
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		if (refresh_client(store, &clients[i], now, &err) != RELAY_OK) {
			relay_store_cancel(store);
			code = cli_store_error(&err);
			goto out;
		}
	}
	if (relay_store_commit(store, &err) != RELAY_OK)
		code = cli_store_error(&err);
out:
	relay_store_close(store);
	return code;
}

static void report(const struct client *clients, size_t count, int64_t now)
{
	static const char *const verb[] = { "added", "refreshed", "kept" };

	for (size_t i = 0; i < count; i++) {
		const struct client *c = &clients[i];
		char addr[RELAY_ADDR_TEXT_MAX], user[RELAY_ESCAPE_TEXT_MAX];

		relay_addr_format(&c->addr, addr);
		printf("%s\t%s\t%s %s, %zu session%s", verb[c->outcome], addr,
		       c->session->service,
		       relay_escape_str(c->session->user, user), c->sessions,
		       c->sessions == 1 ? "" : "s");
		if (c->outcome == CLIENT_REFRESHED)
			printf("; was %lld s old", (long long)(now - c->old_stamp));
		else if (c->outcome == CLIENT_PINNED && c->old_stamp == now)
			printf("; already stamped now");
		else if (c->outcome == CLIENT_PINNED)
			printf("; stamped %lld, not moved back",
			       (long long)c->old_stamp);
		putchar('\n');
	}
}

static void summary(const struct anvil_sessions *s, const struct client *clients,
		    size_t count, size_t excluded)
{
	size_t outcome[3] = { 0 };

	for (size_t i = 0; i < count; i++)
		outcome[clients[i].outcome]++;
	printf("refresh: anvil listed %zu session processes; %zu addresses: "
	       "%zu added, %zu refreshed, %zu kept; %zu sessions excluded, "
	       "%zu without an address, %zu not imap/pop3\n",
	       s->lines, count, outcome[CLIENT_ADDED], outcome[CLIENT_REFRESHED],
	       outcome[CLIENT_PINNED], excluded, s->without_addr,
	       s->other_service);
}

int cmd_refresh(const char *path, int argc, char **argv)
{
	struct refresh_options o;
	struct anvil_sessions sessions;
	struct anvil_error aerr;
	struct client *clients = NULL;
	size_t count = 0, excluded = 0;
	int64_t now;
	int code;

	code = parse_options(argc, argv, &o);
	if (code != 0)
		return code;
	if (anvil_fetch_sessions(o.anvil_path, ANVIL_TIMEOUT_MS, &sessions,
				 &aerr) != ANVIL_OK)
		return anvil_exit_code(&aerr);
	clients = clients_of(&sessions, &o.exclude, &count, &excluded);
	if (clients == NULL) {
		msg_error("refresh: out of memory");
		code = EX_OSERR;
		goto out;
	}
	now = time(NULL);
	/* Nothing to write: the store is neither opened nor created. */
	if (count > 0)
		code = write_all(path, clients, count, now);
	if (code == 0 && o.verbose) {
		report(clients, count, now);
		summary(&sessions, clients, count, excluded);
		if (fflush(stdout) != 0)
			code = EX_IOERR;
	}
out:
	free(clients);
	anvil_sessions_free(&sessions);
	return code;
}
