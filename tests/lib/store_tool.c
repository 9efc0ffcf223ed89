/* store-tool: test-only changes to a relay store that no command makes,
 * through the core's own API and record format.
 *
 *   store-tool put STORE ADDRESS STAMP USER SERVICE
 *       sets ADDRESS's entry and owner inside one transaction, as a front
 *       end that learns logins elsewhere would (relay_store_put_owner)
 *   store-tool age STORE USER SECONDS
 *       moves every address time and the last-warning time of USER's
 *       account record SECONDS into the past, as if that long had passed
 *   store-tool keys STORE
 *       prints every record's key, escaped, one a line (what tdbtool
 *       would show, without its hex dumps)
 *   store-tool get STORE ADDRESS      prints ADDRESS's time (1: none)
 *   store-tool owner STORE ADDRESS    prints "USER<TAB>SERVICE" (1: none)
 *   store-tool count STORE            prints the number of entries
 *   store-tool fill STORE COUNT EVEN_STAMP ODD_STAMP
 *       puts COUNT entries 10.x.y.z, numbered from 0, the even ones at
 *       EVEN_STAMP and the odd ones at ODD_STAMP, in one transaction: a
 *       big store in a second, where a loop of adds would take minutes
 *   store-tool revoke STORE USER      revokes USER, prints the count
 * The last four are how a test that logs in through the module in its
 * own process reads the store: the module keeps it open there, and tdb
 * refuses a second open of one file in one process (EBUSY).
 *
 * Exits 0 on success, 1 if USER has no account record, 2 on misuse,
 * and the store's exit code on a store error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "snapshot.h"
#include "store_exit.h"
#include "store_private.h"

static int fail(const struct relay_error *err)
{
	fprintf(stderr, "store-tool: %s\n", err->text);
	return relay_status_exit_code(err->status);
}

static struct relay_store *open_store(const char *path, struct relay_error *err)
{
	struct relay_store_options options = { .timeout_ms = 5000, .create = true };
	struct relay_store *store;

	return relay_store_open(path, &options, &store, err) == RELAY_OK ? store
									 : NULL;
}

static int put(char **argv)
{
	struct relay_error err;
	struct relay_addr addr;
	struct relay_store *store;
	int code = 0;

	if (!relay_addr_parse(argv[1], &addr))
		return 2;
	store = open_store(argv[0], &err);
	if (store == NULL)
		return fail(&err);
	if (relay_store_begin(store, &err) != RELAY_OK ||
	    relay_store_put_owner(store, &addr, strtoll(argv[2], NULL, 10),
				  argv[3], strlen(argv[3]), argv[4],
				  &err) != RELAY_OK ||
	    relay_store_commit(store, &err) != RELAY_OK)
		code = fail(&err);
	relay_store_close(store);
	return code;
}

static int age(char **argv)
{
	char code_text[RELAY_USER_CODE_MAX], key_text[ACCOUNT_KEY_MAX];
	unsigned char bytes[ACCOUNT_VALUE_MAX];
	int64_t seconds = strtoll(argv[2], NULL, 10);
	struct account *account = malloc(sizeof(*account));
	struct relay_error err;
	struct relay_store *store;
	TDB_DATA key, value;
	int code = 0;

	if (account == NULL ||
	    !relay_user_encode(argv[1], strlen(argv[1]), code_text))
		return 2;
	store = open_store(argv[0], &err);
	if (store == NULL)
		return fail(&err);
	key = store_account_key(code_text, key_text);
	value = tdb_fetch(store->tdb, key);
	if (value.dptr == NULL || !store_account_decode(value, account)) {
		code = 1;
	} else {
		for (unsigned i = 0; i < account->capacity; i++)
			if (account->slots[i].addr.family != 0)
				account->slots[i].stamp -= seconds;
		account->warned = account->warned > seconds
					  ? account->warned - seconds
					  : 0;
		if (tdb_store(store->tdb, key, store_account_encode(account, bytes),
			      TDB_REPLACE) != 0)
			code = 74;
	}
	free(value.dptr);
	free(account);
	relay_store_close(store);
	return code;
}

static int print_key(struct tdb_context *tdb, TDB_DATA key, TDB_DATA value,
		     void *private_data)
{
	char shown[RELAY_ESCAPE_TEXT_MAX];

	(void)tdb;
	(void)value;
	(void)private_data;
	puts(relay_escape((const char *)key.dptr, key.dsize, shown));
	return 0;
}

static int keys(char **argv)
{
	struct relay_error err;
	struct relay_store *store = open_store(argv[0], &err);

	if (store == NULL)
		return fail(&err);
	tdb_traverse_read(store->tdb, print_key, NULL);
	relay_store_close(store);
	return 0;
}

static int get(char **argv)
{
	struct relay_error err;
	struct relay_addr addr;
	struct relay_store *store;
	int64_t stamp;
	enum relay_status status;

	if (!relay_addr_parse(argv[1], &addr))
		return 2;
	if ((store = open_store(argv[0], &err)) == NULL)
		return fail(&err);
	status = relay_store_get(store, &addr, &stamp, &err);
	relay_store_close(store);
	if (status == RELAY_NOT_FOUND)
		return 1;
	if (status != RELAY_OK)
		return fail(&err);
	printf("%lld\n", (long long)stamp);
	return 0;
}

static int owner(char **argv)
{
	struct relay_owned_entry entry;
	struct relay_error err;
	struct relay_addr addr;
	struct relay_store *store;
	enum relay_status status;

	if (!relay_addr_parse(argv[1], &addr))
		return 2;
	if ((store = open_store(argv[0], &err)) == NULL)
		return fail(&err);
	status = relay_store_who_one(store, &addr, &entry, &err);
	relay_store_close(store);
	if (status != RELAY_OK)
		return 1;
	printf("%s\t%s\n", entry.user, entry.service);
	return 0;
}

static int count(char **argv)
{
	struct relay_snapshot snap;
	struct relay_error err;
	struct relay_store *store = open_store(argv[0], &err);
	enum relay_status status;

	if (store == NULL)
		return fail(&err);
	status = relay_snapshot_take(store, &snap, &err);
	relay_store_close(store);
	if (status != RELAY_OK)
		return fail(&err);
	printf("%zu\n", snap.count);
	relay_snapshot_free(&snap);
	return 0;
}

static int revoke_user(char **argv)
{
	struct relay_error err;
	struct relay_store *store = open_store(argv[0], &err);
	enum relay_status status;
	uint64_t removed = 0;

	if (store == NULL)
		return fail(&err);
	status = relay_store_revoke(store, argv[1], strlen(argv[1]), &removed,
				    &err);
	relay_store_close(store);
	if (status != RELAY_OK)
		return fail(&err);
	printf("%llu\n", (unsigned long long)removed);
	return 0;
}

static int fill(char **argv)
{
	unsigned long count = strtoul(argv[1], NULL, 10);
	int64_t stamps[2] = { strtoll(argv[2], NULL, 10),
			      strtoll(argv[3], NULL, 10) };
	struct relay_error err;
	struct relay_store *store = open_store(argv[0], &err);
	enum relay_status status;

	if (store == NULL)
		return fail(&err);
	status = relay_store_begin(store, &err);
	for (unsigned long n = 0; status == RELAY_OK && n < count; n++) {
		char text[32];
		struct relay_addr addr;

		snprintf(text, sizeof(text), "10.%lu.%lu.%lu", (n >> 16) & 0xff,
			 (n >> 8) & 0xff, n & 0xff);
		relay_addr_parse(text, &addr);
		status = relay_store_put(store, &addr, stamps[n % 2], &err);
	}
	if (status == RELAY_OK)
		status = relay_store_commit(store, &err);
	relay_store_close(store);
	return status == RELAY_OK ? 0 : fail(&err);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(char **argv);
	} two_args[] = { { "get", get }, { "owner", owner }, { "revoke", revoke_user } };

	if (argc == 7 && strcmp(argv[1], "put") == 0)
		return put(argv + 2);
	if (argc == 5 && strcmp(argv[1], "age") == 0)
		return age(argv + 2);
	if (argc == 3 && strcmp(argv[1], "keys") == 0)
		return keys(argv + 2);
	if (argc == 3 && strcmp(argv[1], "count") == 0)
		return count(argv + 2);
	if (argc == 6 && strcmp(argv[1], "fill") == 0)
		return fill(argv + 2);
	for (size_t i = 0; argc == 4 && i < sizeof(two_args) / sizeof(*two_args); i++)
		if (strcmp(argv[1], two_args[i].name) == 0)
			return two_args[i].run(argv + 2);
	fprintf(stderr, "usage: store-tool put STORE ADDRESS STAMP USER SERVICE\n"
			"       store-tool age STORE USER SECONDS\n"
			"       store-tool keys STORE\n"
			"       store-tool get|owner STORE ADDRESS\n"
			"       store-tool count STORE\n"
			"       store-tool fill STORE COUNT EVEN_STAMP ODD_STAMP\n"
			"       store-tool revoke STORE USER\n");
	return 2;
}
