/* Recording a login with its owner, and the guard: once an account has
 * opened max_addrs distinct addresses within its window, a login from
 * yet another address is not recorded.
 *
 * Locks: the entry, its owner record and the account record live on up
 * to three hash chains (two may be one chain; tdb's chain locks nest
 * within a process).  All are taken without waiting and, should any be
 * busy, all are dropped and the whole set tried again after a pause
 * (store_retry_bounded), so this process never waits for one chain
 * while holding another, and two logins can never deadlock whatever
 * order their keys hash in.  The tdb calls made while they are held take
 * only those same chains (nested, no system call) and the free-list and
 * sequence-number locks, which tdb always takes last.  Inside a
 * transaction tdb's whole-file lock covers every chain already. */
#include <stdlib.h>
#include <string.h>

#include "stamp.h"
#include "store_private.h"

struct lock_set {
	struct tdb_context *tdb;
	TDB_DATA keys[3];
	int count;
	int held;
};

static void unlock_held(struct lock_set *set)
{
	while (set->held > 0)
		tdb_chainunlock(set->tdb, set->keys[--set->held]);
}

static bool try_lock_set(void *arg)
{
	struct lock_set *set = arg;

	for (set->held = 0; set->held < set->count; set->held++) {
		if (tdb_chainlock_nonblock(set->tdb, set->keys[set->held]) != 0) {
			unlock_held(set);
			return false;
		}
	}
	return true;
}

static enum relay_status lock_all(struct relay_store *store,
				  struct lock_set *set, struct relay_error *err)
{
	set->tdb = store->tdb;
	if (!store_retry_bounded(store, try_lock_set, set))
		return store_fail(err, RELAY_BUSY, store->path,
				  "no lock within %u ms",
				  store->timeout_ms);
	/* As lock_current_chain() in store.c: a repair swaps the store only
	 * while it holds every chain, so a set taken on the file the path
	 * still names writes to the store in place.  A transaction was
	 * checked when it began. */
	if (!store->in_transaction && !store_still_in_place(store)) {
		unlock_held(set);
		store->replaced = true;
		return store_fail(err, RELAY_BUSY, store->path,
				  "it was replaced (repaired) while "
				  "open; try again");
	}
	return RELAY_OK;
}

/* Stores a record that is probably new.  TDB_REPLACE walks the chain
 * twice (to update in place, then to delete) before it allocates;
 * TDB_INSERT walks it once, and a record that turns out to exist after
 * all is then replaced as usual. */
static int store_probably_new(struct tdb_context *tdb, TDB_DATA key, TDB_DATA value)
{
	if (tdb_store(tdb, key, value, TDB_INSERT) == 0)
		return 0;
	if (tdb_error(tdb) != TDB_ERR_EXISTS)
		return -1;
	return tdb_store(tdb, key, value, TDB_REPLACE);
}

static enum relay_status write_entry(struct relay_store *store, TDB_DATA key,
				     int64_t stamp, bool likely_new,
				     struct relay_error *err)
{
	char text[RELAY_STAMP_TEXT_MAX];
	TDB_DATA value = store_data(text, relay_stamp_format(stamp, text));

	if ((likely_new ? store_probably_new(store->tdb, key, value)
			: tdb_store(store->tdb, key, value, TDB_REPLACE)) != 0)
		return store_tdb_failure(store, err, "storing");
	return RELAY_OK;
}

static int same_value(TDB_DATA key, TDB_DATA data, void *private_data)
{
	const TDB_DATA *want = private_data;

	(void)key;
	return data.dsize == want->dsize &&
			       memcmp(data.dptr, want->dptr, data.dsize) == 0
		       ? 0
		       : 1;
}

/* A re-login by the same account through the same service leaves the
 * owner as it was: reading it costs one chain walk, writing it two and a
 * sequence number bump.  An address new to the account (as its record
 * says) most likely has no owner yet: then it is inserted directly. */
static enum relay_status write_owner(struct relay_store *store, TDB_DATA key,
				     const char *user_code,
				     const char *service_code, bool likely_new,
				     struct relay_error *err)
{
	char text[OWNER_VALUE_MAX];
	TDB_DATA value = store_owner_value(user_code, service_code, text);

	if (likely_new) {
		if (store_probably_new(store->tdb, key, value) != 0)
			return store_tdb_failure(store, err, "storing the owner");
		return RELAY_OK;
	}
	if (tdb_parse_record(store->tdb, key, same_value, &value) == 0)
		return RELAY_OK;
	if (tdb_store(store->tdb, key, value, TDB_REPLACE) != 0)
		return store_tdb_failure(store, err, "storing the owner");
	return RELAY_OK;
}

/* --- the account record and the guard's decision --- */

static bool same_addr(const struct relay_addr *a, const struct relay_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->octets, b->octets, sizeof(a->octets)) == 0;
}

static void account_reset(struct account *account, unsigned capacity)
{
	memset(account, 0, sizeof(*account));
	account->capacity = capacity;
}

/* A record written under another max_addrs keeps its newest slots. */
static void account_resize(struct account *account, unsigned capacity)
{
	struct account old = *account;

	account_reset(account, capacity);
	account->warned = old.warned;
	for (unsigned kept = 0; kept < capacity; kept++) {
		int newest = -1;

		for (unsigned i = 0; i < old.capacity; i++)
			if (old.slots[i].addr.family != 0 &&
			    (newest < 0 ||
			     old.slots[i].stamp > old.slots[newest].stamp))
				newest = (int)i;
		if (newest < 0)
			break;
		account->slots[kept] = old.slots[newest];
		old.slots[newest].addr.family = 0;
	}
}

/* *found says whether the account had a record (to be replaced) or not
 * (to be inserted). */
static enum relay_status read_account(struct relay_store *store, TDB_DATA key,
				      unsigned capacity, struct account *account,
				      bool *found, struct relay_error *err)
{
	TDB_DATA value = tdb_fetch(store->tdb, key);
	bool decoded;

	*found = value.dptr != NULL;
	if (value.dptr == NULL) {
		if (tdb_error(store->tdb) != TDB_ERR_NOEXIST)
			return store_tdb_failure(store, err, "reading the account");
		account_reset(account, capacity);
		return RELAY_OK;
	}
	decoded = store_account_decode(value, account);
	free(value.dptr);
	/* A damaged record counts only against its own account: start it
	 * afresh rather than fail the login's recording. */
	if (!decoded)
		account_reset(account, capacity);
	else if (account->capacity != capacity)
		account_resize(account, capacity);
	return RELAY_OK;
}

static enum relay_status write_account(struct relay_store *store, TDB_DATA key,
				       const struct account *account, bool found,
				       struct relay_error *err)
{
	unsigned char bytes[ACCOUNT_VALUE_MAX];
	TDB_DATA value = store_account_encode(account, bytes);

	if ((found ? tdb_store(store->tdb, key, value, TDB_REPLACE)
		   : store_probably_new(store->tdb, key, value)) != 0)
		return store_tdb_failure(store, err, "storing the account");
	return RELAY_OK;
}

/* Returns true when addr is new to the account (and so, most likely, to
 * the store). */
static bool guard_decide(struct account *account, const struct relay_addr *addr,
			 int64_t now, const struct relay_login *login,
			 struct relay_login_result *result)
{
	int64_t since = now - relay_minutes_to_seconds(login->window_minutes);
	int held = -1, free_slot = -1, oldest = -1;
	unsigned active = 0;

	for (unsigned i = 0; i < account->capacity; i++) {
		const struct account_slot *slot = &account->slots[i];

		if (slot->addr.family == 0) {
			if (free_slot < 0)
				free_slot = (int)i;
			continue;
		}
		if (same_addr(&slot->addr, addr))
			held = (int)i;
		if (slot->stamp > since)
			active++;
		if (oldest < 0 || slot->stamp < account->slots[oldest].stamp)
			oldest = (int)i;
	}
	if (held >= 0) {
		/* An address the account holds always refreshes. */
		active += account->slots[held].stamp <= since;
		account->slots[held].stamp = now;
	} else if (active >= login->max_addrs) {
		result->outcome = RELAY_LOGIN_REFUSED;
		result->warn = now - account->warned >= RELAY_WARN_INTERVAL ||
			       account->warned > now;
		if (result->warn)
			account->warned = now;
	} else {
		/* With fewer active than slots, a full record's oldest slot
		 * is out of the window. */
		int slot = free_slot >= 0 ? free_slot : oldest;

		account->slots[slot].addr = *addr;
		account->slots[slot].stamp = now;
		active++;
	}
	result->count = active;
	return held < 0;
}

enum relay_status store_login_guarded(struct relay_store *store,
				      const struct relay_addr *addr,
				      int64_t stamp,
				      const struct relay_login *login,
				      struct relay_login_result *result,
				      struct relay_error *err)
{
	char entry_text[RELAY_ADDR_TEXT_MAX], owner_text[OWNER_KEY_MAX],
		account_text[ACCOUNT_KEY_MAX], user_code[RELAY_USER_CODE_MAX],
		service_code[RELAY_SERVICE_CODE_MAX];
	bool owned = relay_user_encode(login->user, login->user_len, user_code);
	bool guarded = owned && login->max_addrs > 0;
	struct lock_set set = { .count = 0 };
	struct account *account = NULL;
	enum relay_status status;
	bool new_address = false, account_found = false;

	memset(result, 0, sizeof(*result));
	result->outcome = RELAY_LOGIN_RECORDED;
	relay_service_encode(login->service, service_code);
	set.keys[set.count++] = store_key(addr, entry_text);
	if (owned)
		set.keys[set.count++] = store_owner_key(addr, owner_text);
	if (guarded) {
		set.keys[set.count++] = store_account_key(user_code, account_text);
		account = malloc(sizeof(*account));
		if (account == NULL)
			return store_fail(err, RELAY_FAILED, store->path,
					  "out of memory");
	}
	status = lock_all(store, &set, err);
	if (status == RELAY_OK && guarded) {
		status = read_account(store, set.keys[2],
				      login->max_addrs > RELAY_MAX_ADDRS_LIMIT
					      ? RELAY_MAX_ADDRS_LIMIT
					      : login->max_addrs,
				      account, &account_found, err);
		if (status == RELAY_OK)
			new_address = guard_decide(account, addr, stamp, login,
						   result);
		/* The account first: should the process die before the
		 * entry, the guard counts one address too many, never one
		 * too few. */
		if (status == RELAY_OK &&
		    (result->outcome == RELAY_LOGIN_RECORDED || result->warn))
			status = write_account(store, set.keys[2], account,
					       account_found, err);
	}
	if (status == RELAY_OK && result->outcome == RELAY_LOGIN_RECORDED)
		status = write_entry(store, set.keys[0], stamp, new_address, err);
	if (status == RELAY_OK && result->outcome == RELAY_LOGIN_RECORDED &&
	    owned)
		status = write_owner(store, set.keys[1], user_code, service_code,
				     new_address, err);
	unlock_held(&set);
	free(account);
	return status;
}

enum relay_status relay_store_put_owner(struct relay_store *store,
					const struct relay_addr *addr,
					int64_t stamp, const char *user,
					size_t user_len, const char *service,
					struct relay_error *err)
{
	struct relay_login login = { .user = user, .user_len = user_len, .service = service, .max_addrs = 0 };
	struct relay_login_result result;
	enum relay_status status;

	store_guard_begin(store);
	status = store_login_guarded(store, addr, stamp, &login, &result, err);
	store_guard_end(store);
	return status;
}

enum relay_status relay_store_forget_owner(struct relay_store *store,
					   const struct relay_addr *addr,
					   struct relay_error *err)
{
	char text[OWNER_KEY_MAX];
	int deleted;

	store_guard_begin(store);
	deleted = tdb_delete(store->tdb, store_owner_key(addr, text));
	store_guard_end(store);
	if (deleted == 0 || tdb_error(store->tdb) == TDB_ERR_NOEXIST)
		return RELAY_OK;
	return store_tdb_failure(store, err, "deleting the owner");
}
