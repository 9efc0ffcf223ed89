/* Who opened each address, and the guard that stops one account from
 * opening the relay for a botnet.  Address entries keep their wave-1
 * form (store.h); what is added lives in records of its own that no
 * reader of entries sees (store_private.h has the format).  A store
 * written before them works as it is: its entries have no owner. */
#ifndef RELAYERS_BOOKKEEPING_H
#define RELAYERS_BOOKKEEPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owner.h"
#include "prune.h"
#include "store.h"

/* The largest max_addrs a module line may ask for. */
#define RELAY_MAX_ADDRS_LIMIT 256

/* A proven login, as the login path knows it. */
struct relay_login {
	const char *user; /* raw PAM_USER; NULL or empty: no owner */
	size_t user_len;
	const char *service; /* PAM_SERVICE; may be NULL */
	unsigned max_addrs;  /* 0: no guard */
	unsigned window_minutes;
};

enum relay_login_outcome {
	RELAY_LOGIN_RECORDED, /* the entry was set */
	RELAY_LOGIN_REFUSED,  /* the guard kept a new address out */
};

struct relay_login_result {
	enum relay_login_outcome outcome;
	unsigned count; /* the account's addresses in the window */
	bool warn;	/* refused, and no warning in the last minute */
};

/* Seconds between two refusal warnings for one account. */
#define RELAY_WARN_INTERVAL 60

/* The login path's single call: opens the store (creating it as options
 * say), records addr at stamp with its owner unless the guard refuses,
 * and closes, with one lock timeout for the whole.  The account's record,
 * the entry and its owner record change together under their chain
 * locks, so concurrent logins of one account never let more than
 * max_addrs addresses through in the window. */
enum relay_status relay_store_record_login(const char *path,
					   const struct relay_store_options *options,
					   const struct relay_addr *addr,
					   int64_t stamp,
					   const struct relay_login *login,
					   struct relay_login_result *result,
					   struct relay_error *err);

/* Sets addr's time and its owner (user, service), with no guard: for a
 * front end that learns logins elsewhere.  Works inside a transaction. */
enum relay_status relay_store_put_owner(struct relay_store *store,
					const struct relay_addr *addr,
					int64_t stamp, const char *user,
					size_t user_len, const char *service,
					struct relay_error *err);

/* An entry with its owner's codes (owner.h); "-" for an entry that has
 * none.  Codes are printable and hold no tab or space. */
struct relay_owned_entry {
	struct relay_addr addr;
	int64_t stamp;
	char user[RELAY_USER_CODE_MAX];
	char service[RELAY_SERVICE_CODE_MAX];
};

typedef bool (*relay_owned_fn)(const struct relay_owned_entry *entry,
			       void *context);

/* Every entry with its owner, from one consistent read-locked pass. */
enum relay_status relay_store_who(struct relay_store *store, relay_owned_fn fn,
				  void *context, struct relay_error *err);

/* One entry with its owner; RELAY_NOT_FOUND if addr has no entry. */
enum relay_status relay_store_who_one(struct relay_store *store,
				      const struct relay_addr *addr,
				      struct relay_owned_entry *out,
				      struct relay_error *err);

/* Deletes every entry whose owner is user (raw bytes, matched exactly
 * through its code), their owner records and the account's record, in
 * one transaction: all or nothing.  *removed gets the entries deleted. */
enum relay_status relay_store_revoke(struct relay_store *store,
				     const char *user, size_t user_len,
				     uint64_t *removed, struct relay_error *err);

/* Removes the owner record of addr, if any (with its entry's deletion). */
enum relay_status relay_store_forget_owner(struct relay_store *store,
					   const struct relay_addr *addr,
					   struct relay_error *err);

/* What expire removes beside entries: owner records whose entry is gone,
 * and account records whose newest address is old (relay_stamp_is_old
 * with now and max_age).  Candidates come from one read-locked pass; the
 * deletions run in transactions of at most RELAY_PRUNE_CHUNK records,
 * each candidate checked again inside.  *removed gets the count. */
enum relay_status relay_store_prune_bookkeeping(struct relay_store *store,
						int64_t now, int64_t max_age,
						uint64_t *removed,
						struct relay_error *err);

#endif
