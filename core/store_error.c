/* Errors: one message for the admin that names the store and the cause,
 * and the status a program acts on. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "store_private.h"

enum relay_status store_fail(struct relay_error *err, enum relay_status status,
			     const char *path, const char *fmt, ...)
{
	va_list ap;
	int used;

	err->status = status;
	/* One wording for every busy store, whichever lock ran out. */
	used = snprintf(err->text, sizeof(err->text),
			status == RELAY_BUSY ? "store %s is busy: " : "store %s: ",
			path);
	if (used < 0 || (size_t)used >= sizeof(err->text))
		return status;
	va_start(ap, fmt);
	vsnprintf(err->text + used, sizeof(err->text) - (size_t)used, fmt, ap);
	va_end(ap);
	return status;
}

enum relay_status store_tdb_failure(struct relay_store *store,
				    struct relay_error *err, const char *what)
{
	int saved = errno; /* of the failed call, for the I/O case */
	enum TDB_ERROR code = tdb_error(store->tdb);

	if (code == TDB_ERR_LOCK || code == TDB_ERR_LOCK_TIMEOUT ||
	    (code == TDB_ERR_NOLOCK && store->timer.expired))
		return store_fail(err, RELAY_BUSY, store->path,
				  "%s gave up after %u ms", what,
				  store->timeout_ms);
	if (code == TDB_ERR_CORRUPT)
		return store_fail(err, RELAY_CORRUPT, store->path,
				  "%s: store is corrupt", what);
	/* tdb says "I/O error" for an offset past the end of the file or a
	 * length that wraps, i.e. a damaged header, chain or record; a
	 * failing disk or a full one sets errno. */
	if (code == TDB_ERR_IO && saved != EIO && saved != ENOSPC &&
	    saved != EDQUOT)
		return store_fail(err, RELAY_CORRUPT, store->path,
				  "%s: store is corrupt (a record points outside "
				  "the file)",
				  what);
	/* tdb sets no code when the disk is full (tdb_expand). */
	if (code == TDB_SUCCESS)
		return store_fail(err, RELAY_FAILED, store->path,
				  "%s failed (is the disk full?)", what);
	return store_fail(err, RELAY_FAILED, store->path, "%s: %s", what,
			  tdb_errorstr(store->tdb));
}

const char *relay_status_name(enum relay_status status)
{
	switch (status) {
	case RELAY_OK: return "ok";
	case RELAY_MISSING: return "missing";
	case RELAY_INSECURE: return "insecure";
	case RELAY_NOT_STORE: return "not a relay store";
	case RELAY_CORRUPT: return "corrupt";
	case RELAY_MALFORMED: return "malformed entry";
	case RELAY_BUSY: return "busy";
	case RELAY_FAILED: return "failed";
	case RELAY_NOT_FOUND: return "not found";
	case RELAY_CANNOT_CREATE: return "cannot create";
	case RELAY_OS_ERROR: return "system error";
	case RELAY_USAGE: return "usage";
	}
	return "unknown";
}

bool relay_status_is_bad_data(enum relay_status status)
{
	return status == RELAY_NOT_STORE || status == RELAY_CORRUPT ||
	       status == RELAY_MALFORMED;
}

const char *relay_store_repair_command(const char *path, char *buf, size_t size)
{
	snprintf(buf, size, "vsmtprelay -f %s check --repair", path);
	return buf;
}
