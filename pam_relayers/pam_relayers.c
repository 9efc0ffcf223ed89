/* pam_relayers: after a successful POP or IMAP login, records the
 * client's address and the time in the relay store, which sendmail's
 * relay check reads through mapgen.
 *
 * Every POP/IMAP server calls account management only once the password
 * was right, so that is where the module records; it also records when
 * listed under session.  It never decides anything: every hook returns
 * PAM_IGNORE, and a fault is logged, never passed on to the login.
 *
 * With each address it records who opened it (PAM_USER and the service),
 * and its guard (max_addrs=, max_addrs_minutes=) leaves a new address
 * unrecorded once the account has opened max_addrs in the window: the
 * login still succeeds, and the refusal is logged (bookkeeping.h). */
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <syslog.h>
#include <string.h>
#include <time.h>

#include "bookkeeping.h"
#include "client_addr.h"
#include "escape.h"
#include "options.h"
#include "store.h"

static void complain_to_syslog(void *context, const char *problem)
{
	pam_syslog(context, LOG_ERR, "%s", problem);
}

/* tdb's own diagnostics, held until the outcome is known: a damaged
 * store makes tdb complain on every login, and those lines must not
 * flood syslog either. */
struct tdb_messages {
	pam_handle_t *pamh;
	char first[RELAY_ESCAPE_TEXT_MAX];
	unsigned count;
};

static void tdb_to_syslog(void *context, const char *message)
{
	struct tdb_messages *held = context;

	if (held->count++ == 0)
		relay_escape_str(message, held->first);
}

static void flush_tdb_messages(const struct tdb_messages *held)
{
	if (held->count == 1)
		pam_syslog(held->pamh, LOG_ERR, "tdb: %s", held->first);
	else if (held->count > 1)
		pam_syslog(held->pamh, LOG_ERR, "tdb: %s (and %u more)",
			   held->first, held->count - 1);
}

/* A damaged store fails every login's write until someone repairs it:
 * say so, with the command that does, at most once a minute per
 * process.  The module is linked with -z nodelete (build.mk): libpam
 * dlcloses it at pam_end, and without that this time would be forgotten
 * after every login. */
#define DAMAGE_LOG_INTERVAL_S 60

static time_t damage_logged_at;
static bool damage_logged;

static void report_damaged_store(pam_handle_t *pamh,
				 const struct module_options *opt,
				 const struct relay_error *err)
{
	/* The path is the admin's own db= option, and err->text names it
	 * as it is too: not client input. */
	char command[4200];
	time_t now = time(NULL);

	if (damage_logged && now >= damage_logged_at &&
	    now - damage_logged_at < DAMAGE_LOG_INTERVAL_S)
		return;
	damage_logged = true;
	damage_logged_at = now;
	relay_store_repair_command(opt->store_path, command, sizeof(command));
	pam_syslog(pamh, LOG_ERR,
		   "%s; logins are not recorded until it is repaired: run "
		   "\"%s\" (said at most once a minute)",
		   err->text, command);
}

static const char *item_text(pam_handle_t *pamh, int type)
{
	const void *item = NULL;

	if (pam_get_item(pamh, type, &item) != PAM_SUCCESS)
		return NULL;
	return item;
}

/* Finds the client; false (after saying why, where useful) when there
 * is nothing to record. */
static bool find_client(pam_handle_t *pamh, const struct module_options *opt,
			struct relay_addr *addr)
{
	const char *rhost = item_text(pamh, PAM_RHOST);
	char shown[RELAY_ESCAPE_TEXT_MAX];

	switch (client_addr_find(rhost, opt->peer_from_stdin, addr)) {
	case CLIENT_ADDR_FOUND:
		break;
	case CLIENT_ADDR_ABSENT:
		if (opt->debug)
			pam_syslog(pamh, LOG_DEBUG,
				   "no client address (PAM_RHOST unset); "
				   "nothing recorded");
		return false;
	case CLIENT_ADDR_NOT_IP:
		pam_syslog(pamh, LOG_NOTICE,
			   "client \"%s\" is not an IP address; nothing recorded",
			   relay_escape_str(rhost, shown));
		return false;
	}
	if (relay_cidr_list_match(&opt->exclude, addr)) {
		if (opt->debug) {
			char text[RELAY_ADDR_TEXT_MAX];
			relay_addr_format(addr, text);
			pam_syslog(pamh, LOG_DEBUG, "%s is excluded; not recorded",
				   text);
		}
		return false;
	}
	return true;
}

/* The line an admin's log watcher matches; pam_relayers(8) gives its
 * exact form.  At most one a minute per account, across processes. */
static void warn_refusal(pam_handle_t *pamh, const struct module_options *opt,
			 const char *text, const char *user,
			 const char *service,
			 const struct relay_login_result *result)
{
	pam_syslog(pamh, LOG_WARNING,
		   "relay refused for %s: user \"%s\", service %s, "
		   "%u addresses in %u minutes (max_addrs=%u)",
		   text, user, service, result->count, opt->max_addrs_minutes,
		   opt->max_addrs);
}

static void record_login(pam_handle_t *pamh, int argc, const char **argv)
{
	struct module_options opt;
	struct tdb_messages held = { .pamh = pamh };
	struct relay_store_options store_opt = {
		.create = true,
		.keep_open = true, /* for this process's next logins */
		.log = tdb_to_syslog,
		.log_context = &held,
	};
	struct relay_addr addr;
	struct relay_error err;
	struct relay_login login;
	struct relay_login_result result;
	const char *raw_user = item_text(pamh, PAM_USER);
	char text[RELAY_ADDR_TEXT_MAX], user[RELAY_ESCAPE_TEXT_MAX],
		service[RELAY_ESCAPE_TEXT_MAX];

	module_options_parse(argc, argv, &opt, complain_to_syslog, pamh);
	if (!opt.exclude_valid || !find_client(pamh, &opt, &addr))
		return;
	store_opt.timeout_ms = opt.timeout_ms;
	relay_addr_format(&addr, text);
	relay_escape_str(raw_user, user);
	relay_escape_str(item_text(pamh, PAM_SERVICE), service);
	login = (struct relay_login){
		.user = raw_user,
		.user_len = raw_user != NULL ? strlen(raw_user) : 0,
		.service = item_text(pamh, PAM_SERVICE),
		.max_addrs = opt.max_addrs,
		.window_minutes = opt.max_addrs_minutes,
	};
	if (relay_store_record_login(opt.store_path, &store_opt, &addr,
				     time(NULL), &login, &result,
				     &err) != RELAY_OK) {
		if (relay_status_is_bad_data(err.status)) {
			report_damaged_store(pamh, &opt, &err);
			return;
		}
		flush_tdb_messages(&held);
		pam_syslog(pamh, LOG_ERR,
			   "%s not recorded for user \"%s\" (service %s): %s",
			   text, user, service, err.text);
		return;
	}
	flush_tdb_messages(&held);
	if (result.outcome == RELAY_LOGIN_REFUSED) {
		if (result.warn)
			warn_refusal(pamh, &opt, text, user, service, &result);
		return;
	}
	/* The audit trail: who opened the relay for which address. */
	pam_syslog(pamh, LOG_INFO, "relay allowed for %s: user \"%s\", service %s",
		   text, user, service);
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
				const char **argv)
{
	(void)flags;
	record_login(pamh, argc, argv);
	return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	(void)flags;
	record_login(pamh, argc, argv);
	return PAM_IGNORE;
}

/* The hooks below run before the password is known to be right (auth),
 * or as the mail user at logout (UW-IMAP's setcred): never record. */
PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
			      const char **argv)
{
	return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
				    const char **argv)
{
	return PAM_IGNORE;
}
