/* Reading and pruning the owner and account records: who, revoke and
 * expire's part.  Records are copied raw under one whole-store read lock
 * and decoded after it is released, as store_snapshot.c does. */
#include <stdlib.h>
#include <string.h>

#include "stamp.h"
#include "store_private.h"

enum record_kind { KIND_ENTRY = 1,
		   KIND_OWNER = 2,
		   KIND_ACCOUNT = 4 };

/* [kind][key length (2)][key][value length (2)][value], repeated. */
struct raw_copy {
	unsigned want;
	unsigned char *bytes;
	size_t used, capacity;
	bool out_of_memory;
};

static unsigned kind_of(TDB_DATA key)
{
	if (!store_has_bookkeeping_prefix(key))
		return KIND_ENTRY;
	if (key.dsize > sizeof(OWNER_KEY_PREFIX) - 1 &&
	    memcmp(key.dptr, OWNER_KEY_PREFIX, sizeof(OWNER_KEY_PREFIX) - 1) == 0)
		return KIND_OWNER;
	if (key.dsize > sizeof(ACCOUNT_KEY_PREFIX) - 1 &&
	    memcmp(key.dptr, ACCOUNT_KEY_PREFIX,
		   sizeof(ACCOUNT_KEY_PREFIX) - 1) == 0)
		return KIND_ACCOUNT;
	return 0;
}

static bool raw_append(struct raw_copy *raw, unsigned kind, TDB_DATA key,
		       TDB_DATA value)
{
	size_t more = 5 + key.dsize + value.dsize;

	if (!store_bytes_reserve(&raw->bytes, &raw->capacity, raw->used, more))
		return false;
	raw->bytes[raw->used++] = (unsigned char)kind;
	raw->bytes[raw->used++] = (unsigned char)(key.dsize >> 8);
	raw->bytes[raw->used++] = (unsigned char)key.dsize;
	memcpy(raw->bytes + raw->used, key.dptr, key.dsize);
	raw->used += key.dsize;
	raw->bytes[raw->used++] = (unsigned char)(value.dsize >> 8);
	raw->bytes[raw->used++] = (unsigned char)value.dsize;
	memcpy(raw->bytes + raw->used, value.dptr, value.dsize);
	raw->used += value.dsize;
	return true;
}

static int copy_wanted(struct tdb_context *tdb, TDB_DATA key, TDB_DATA value,
		       void *private_data)
{
	struct raw_copy *raw = private_data;
	unsigned kind = kind_of(key);

	(void)tdb;
	if ((kind & raw->want) == 0 || key.dsize > 0xffff || value.dsize > 0xffff)
		return 0;
	if (!raw_append(raw, kind, key, value)) {
		raw->out_of_memory = true;
		return 1;
	}
	return 0;
}

static enum relay_status collect(struct relay_store *store, unsigned want,
				 struct raw_copy *raw, struct relay_error *err)
{
	enum relay_status status;
	int walked;

	memset(raw, 0, sizeof(*raw));
	raw->want = want;
	status = store_traverse_read_locked(store, copy_wanted, raw, &walked,
					    err);
	if (status != RELAY_OK)
		return status;
	if (raw->out_of_memory || walked < 0) {
		free(raw->bytes);
		raw->bytes = NULL;
		if (raw->out_of_memory)
			return store_fail(err, RELAY_FAILED, store->path,
					  "out of memory copying the store");
		return store_tdb_failure(store, err, "reading records");
	}
	return RELAY_OK;
}

/* Steps through raw; false at its end. */
static bool raw_next(const struct raw_copy *raw, size_t *at, unsigned *kind,
		     TDB_DATA *key, TDB_DATA *value)
{
	const unsigned char *b = raw->bytes;

	if (*at >= raw->used)
		return false;
	*kind = b[(*at)++];
	key->dsize = (size_t)b[*at] << 8 | b[*at + 1];
	*at += 2;
	key->dptr = raw->bytes + *at;
	*at += key->dsize;
	value->dsize = (size_t)b[*at] << 8 | b[*at + 1];
	*at += 2;
	value->dptr = raw->bytes + *at;
	*at += value->dsize;
	return true;
}

/* --- owners by address, sorted for lookup --- */

struct owner_ref {
	struct relay_addr addr;
	TDB_DATA value; /* points into the raw copy */
};

struct owner_index {
	struct owner_ref *refs;
	size_t count;
};

static int compare_addr(const struct relay_addr *a, const struct relay_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->octets, b->octets, sizeof(a->octets));
}

static int compare_refs(const void *a, const void *b)
{
	return compare_addr(&((const struct owner_ref *)a)->addr,
			    &((const struct owner_ref *)b)->addr);
}

/* The address a record is indexed under, or false to leave it out. */
typedef bool record_addr_fn(unsigned kind, TDB_DATA key, TDB_DATA value,
			    struct relay_addr *addr);

static bool index_records(const struct raw_copy *raw,
			  struct owner_index *index, record_addr_fn *addr_of)
{
	size_t at = 0, capacity = 0;
	unsigned kind;
	TDB_DATA key, value;

	memset(index, 0, sizeof(*index));
	while (raw_next(raw, &at, &kind, &key, &value)) {
		struct relay_addr addr;

		if (!addr_of(kind, key, value, &addr))
			continue;
		if (index->count == capacity) {
			size_t grown_to = capacity ? capacity * 2 : 1024;
			struct owner_ref *grown =
				realloc(index->refs, grown_to * sizeof(*grown));

			if (grown == NULL)
				return false;
			index->refs = grown;
			capacity = grown_to;
		}
		index->refs[index->count].addr = addr;
		index->refs[index->count].value = value;
		index->count++;
	}
	if (index->count > 0)
		qsort(index->refs, index->count, sizeof(*index->refs),
		      compare_refs);
	return true;
}

static bool owner_record_addr(unsigned kind, TDB_DATA key, TDB_DATA value,
			      struct relay_addr *addr)
{
	return kind == KIND_OWNER && store_owner_key_parse(key, addr);
}

static bool index_owners(const struct raw_copy *raw, struct owner_index *index)
{
	return index_records(raw, index, owner_record_addr);
}

/* Copies the records of the kinds in want and indexes the owners among
 * them.  Whatever it returns, raw's bytes and index's refs are the
 * caller's to free (NULL when never had). */
static enum relay_status collect_owners(struct relay_store *store,
					unsigned want, struct raw_copy *raw,
					struct owner_index *index,
					struct relay_error *err)
{
	enum relay_status status = collect(store, want, raw, err);

	memset(index, 0, sizeof(*index));
	if (status != RELAY_OK)
		return status;
	if (!index_owners(raw, index))
		return store_fail(err, RELAY_FAILED, store->path,
				  "out of memory indexing owners");
	return RELAY_OK;
}

static const struct owner_ref *find_owner(const struct owner_index *index,
					  const struct relay_addr *addr)
{
	struct owner_ref want = { .addr = *addr };

	if (index->count == 0)
		return NULL;
	return bsearch(&want, index->refs, index->count, sizeof(*index->refs),
		       compare_refs);
}

static void fill_owner(struct relay_owned_entry *out, const TDB_DATA *value)
{
	if (value == NULL || !store_owner_parse(*value, out->user, out->service)) {
		strcpy(out->user, "-");
		strcpy(out->service, "-");
	}
}

enum relay_status relay_store_who(struct relay_store *store, relay_owned_fn fn,
				  void *context, struct relay_error *err)
{
	struct raw_copy raw;
	struct owner_index index;
	enum relay_status status = collect_owners(store, KIND_ENTRY | KIND_OWNER,
						  &raw, &index, err);
	size_t at = 0;
	unsigned kind;
	TDB_DATA key, value;

	if (status != RELAY_OK)
		goto done;
	while (raw_next(&raw, &at, &kind, &key, &value)) {
		struct relay_owned_entry entry;
		const struct owner_ref *owner;

		if (kind != KIND_ENTRY ||
		    !store_decode(key, value, &entry.addr, &entry.stamp))
			continue;
		owner = find_owner(&index, &entry.addr);
		fill_owner(&entry, owner != NULL ? &owner->value : NULL);
		if (!fn(&entry, context))
			break;
	}
done:
	free(index.refs);
	free(raw.bytes);
	return status;
}

enum relay_status relay_store_who_one(struct relay_store *store,
				      const struct relay_addr *addr,
				      struct relay_owned_entry *out,
				      struct relay_error *err)
{
	char text[OWNER_KEY_MAX];
	enum relay_status status;
	TDB_DATA value;

	memset(out, 0, sizeof(*out));
	out->addr = *addr;
	status = relay_store_get(store, addr, &out->stamp, err);
	if (status != RELAY_OK)
		return status;
	store_guard_begin(store);
	value = tdb_fetch(store->tdb, store_owner_key(addr, text));
	store_guard_end(store);
	fill_owner(out, value.dptr != NULL ? &value : NULL);
	free(value.dptr);
	return RELAY_OK;
}

/* --- revoke --- */

static bool owned_by(struct relay_store *store, TDB_DATA key,
		     const char *user_code)
{
	char user[RELAY_USER_CODE_MAX], service[RELAY_SERVICE_CODE_MAX];
	TDB_DATA value = tdb_fetch(store->tdb, key);
	bool owned = value.dptr != NULL &&
		     store_owner_parse(value, user, service) &&
		     strcmp(user, user_code) == 0;

	free(value.dptr);
	return owned;
}

static bool deleted_or_absent(struct relay_store *store, TDB_DATA key)
{
	return tdb_delete(store->tdb, key) == 0 ||
	       tdb_error(store->tdb) == TDB_ERR_NOEXIST;
}

/* Inside the transaction: each candidate is checked again, since a
 * login may have given its address to another account meanwhile. */
static enum relay_status revoke_candidates(struct relay_store *store,
					   const struct owner_index *index,
					   const char *user_code,
					   uint64_t *removed,
					   struct relay_error *err)
{
	for (size_t i = 0; i < index->count; i++) {
		char owner_text[OWNER_KEY_MAX], entry_text[RELAY_ADDR_TEXT_MAX];
		TDB_DATA owner_key = store_owner_key(&index->refs[i].addr,
						     owner_text);
		TDB_DATA entry_key = store_key(&index->refs[i].addr, entry_text);

		if (!owned_by(store, owner_key, user_code))
			continue;
		if (tdb_delete(store->tdb, entry_key) == 0)
			(*removed)++;
		else if (tdb_error(store->tdb) != TDB_ERR_NOEXIST)
			return store_tdb_failure(store, err, "deleting");
		if (!deleted_or_absent(store, owner_key))
			return store_tdb_failure(store, err, "deleting the owner");
	}
	return RELAY_OK;
}

/* Keeps in index only the owner records that name user_code. */
static void select_owned(struct owner_index *index, const char *user_code)
{
	size_t kept = 0;

	for (size_t i = 0; i < index->count; i++) {
		char user[RELAY_USER_CODE_MAX], service[RELAY_SERVICE_CODE_MAX];

		if (store_owner_parse(index->refs[i].value, user, service) &&
		    strcmp(user, user_code) == 0)
			index->refs[kept++] = index->refs[i];
	}
	index->count = kept;
}

enum relay_status relay_store_revoke(struct relay_store *store,
				     const char *user, size_t user_len,
				     uint64_t *removed, struct relay_error *err)
{
	char user_code[RELAY_USER_CODE_MAX], account_text[ACCOUNT_KEY_MAX];
	bool own_transaction = !store->in_transaction;
	struct owner_index index = { NULL, 0 };
	struct raw_copy raw;
	enum relay_status status;

	*removed = 0;
	if (!relay_user_encode(user, user_len, user_code))
		return store_fail(err, RELAY_NOT_FOUND, store->path,
				  "an empty user name owns nothing");
	status = collect_owners(store, KIND_OWNER, &raw, &index, err);
	if (status != RELAY_OK)
		goto done;
	select_owned(&index, user_code);
	if (own_transaction)
		status = relay_store_begin(store, err);
	if (status != RELAY_OK)
		goto done;
	status = revoke_candidates(store, &index, user_code, removed, err);
	if (status == RELAY_OK &&
	    !deleted_or_absent(store, store_account_key(user_code, account_text)))
		status = store_tdb_failure(store, err, "deleting the account");
	if (own_transaction && status == RELAY_OK)
		status = relay_store_commit(store, err);
	else if (own_transaction)
		relay_store_cancel(store);
done:
	if (status != RELAY_OK)
		*removed = 0;
	free(index.refs);
	free(raw.bytes);
	return status;
}

/* --- expire's part --- */

struct stale {
	unsigned kind;
	TDB_DATA key; /* points into the raw copy */
};

static bool account_is_old(TDB_DATA value, int64_t now, int64_t max_age,
			   struct account *scratch)
{
	int64_t newest = -1;

	if (!store_account_decode(value, scratch))
		return false; /* not ours to judge: check reports it */
	for (unsigned i = 0; i < scratch->capacity; i++)
		if (scratch->slots[i].addr.family != 0 &&
		    scratch->slots[i].stamp > newest)
			newest = scratch->slots[i].stamp;
	return newest < 0 || relay_stamp_is_old(newest, now, max_age);
}

/* Asked again inside the transaction, where nothing can change it. */
static bool still_stale(struct relay_store *store, const struct stale *s,
			int64_t now, int64_t max_age, struct account *scratch)
{
	struct relay_addr addr;
	char text[RELAY_ADDR_TEXT_MAX];
	TDB_DATA value;
	bool stale;

	if (s->kind == KIND_OWNER)
		return store_owner_key_parse(s->key, &addr) &&
		       tdb_exists(store->tdb, store_key(&addr, text)) == 0;
	value = tdb_fetch(store->tdb, s->key);
	stale = value.dptr != NULL &&
		account_is_old(value, now, max_age, scratch);
	free(value.dptr);
	return stale;
}

static enum relay_status delete_chunk(struct relay_store *store,
				      const struct stale *list, size_t count,
				      int64_t now, int64_t max_age,
				      struct account *scratch,
				      uint64_t *removed, struct relay_error *err)
{
	enum relay_status status = RELAY_OK;
	bool own_transaction = !store->in_transaction;
	uint64_t done = 0;

	if (own_transaction && (status = relay_store_begin(store, err)) != RELAY_OK)
		return status;
	for (size_t i = 0; i < count && status == RELAY_OK; i++) {
		if (!still_stale(store, &list[i], now, max_age, scratch))
			continue;
		if (!deleted_or_absent(store, list[i].key))
			status = store_tdb_failure(store, err, "deleting");
		done++;
	}
	if (own_transaction && status == RELAY_OK)
		status = relay_store_commit(store, err);
	else if (own_transaction)
		relay_store_cancel(store);
	if (status == RELAY_OK)
		*removed += done;
	return status;
}

/* Entries' addresses, sorted, to tell an orphaned owner record. */
static bool has_entry(const struct owner_index *entries,
		      const struct relay_addr *addr)
{
	return find_owner(entries, addr) != NULL;
}

static bool entry_record_addr(unsigned kind, TDB_DATA key, TDB_DATA value,
			      struct relay_addr *addr)
{
	int64_t stamp;

	return kind == KIND_ENTRY && store_decode(key, value, addr, &stamp);
}

static bool index_entries(const struct raw_copy *raw, struct owner_index *index)
{
	return index_records(raw, index, entry_record_addr);
}

static size_t find_stale(const struct raw_copy *raw,
			 const struct owner_index *entries, int64_t now,
			 int64_t max_age, struct account *scratch,
			 struct stale *list)
{
	size_t at = 0, count = 0;
	unsigned kind;
	TDB_DATA key, value;

	while (raw_next(raw, &at, &kind, &key, &value)) {
		struct relay_addr addr;

		if ((kind == KIND_OWNER && store_owner_key_parse(key, &addr) &&
		     !has_entry(entries, &addr)) ||
		    (kind == KIND_ACCOUNT &&
		     account_is_old(value, now, max_age, scratch))) {
			list[count].kind = kind;
			list[count].key = key;
			count++;
		}
	}
	return count;
}

enum relay_status relay_store_prune_bookkeeping(struct relay_store *store,
						int64_t now, int64_t max_age,
						uint64_t *removed,
						struct relay_error *err)
{
	struct owner_index entries = { NULL, 0 };
	struct account *scratch = malloc(sizeof(*scratch));
	struct stale *list = NULL;
	struct raw_copy raw = { 0 };
	enum relay_status status;
	size_t count;

	*removed = 0;
	if (scratch == NULL)
		return store_fail(err, RELAY_FAILED, store->path, "out of memory");
	status = collect(store, KIND_ENTRY | KIND_OWNER | KIND_ACCOUNT, &raw, err);
	if (status != RELAY_OK)
		goto done;
	list = malloc((raw.used / 5 + 1) * sizeof(*list));
	if (list == NULL || !index_entries(&raw, &entries)) {
		status = store_fail(err, RELAY_FAILED, store->path,
				    "out of memory indexing the store");
		goto done;
	}
	count = find_stale(&raw, &entries, now, max_age, scratch, list);
	for (size_t first = 0; first < count && status == RELAY_OK;
	     first += RELAY_PRUNE_CHUNK)
		status = delete_chunk(store, list + first,
				      count - first < RELAY_PRUNE_CHUNK
					      ? count - first
					      : RELAY_PRUNE_CHUNK,
				      now, max_age, scratch, removed, err);
done:
	free(entries.refs);
	free(list);
	free(raw.bytes);
	free(scratch);
	return status;
}
