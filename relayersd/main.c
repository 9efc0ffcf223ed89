/* relayersd: answers sendmail's socket map and Postfix's socketmap:
 * table from the relay store, at lookup time.  See relayersd(8). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "options.h"
#include "privileges.h"
#include "redis_view.h"
#include "server.h"
#include "stop_signals.h"
#include "store_view.h"

/* Descriptors beyond the connections: listeners, the store, epoll,
 * signalfd, syslog, the spare, stdio. */
#define SPARE_DESCRIPTORS 96

/* Room for the connection cap, raising the soft limit (and, as root,
 * the hard one); a cap the system will not allow is lowered, said once. */
static void fit_descriptor_limit(struct relayersd_options *opt)
{
	rlim_t want = (rlim_t)opt->max_connections + SPARE_DESCRIPTORS;
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= want)
		return;
	if (lim.rlim_max < want) {
		struct rlimit more = { want, want };

		if (setrlimit(RLIMIT_NOFILE, &more) == 0)
			return;
	}
	lim.rlim_cur = lim.rlim_max < want ? lim.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur >= want)
		return;
	getrlimit(RLIMIT_NOFILE, &lim);
	if (lim.rlim_cur <= SPARE_DESCRIPTORS)
		opt->max_connections = 1;
	else
		opt->max_connections = (unsigned)(lim.rlim_cur - SPARE_DESCRIPTORS);
	rd_log(LOG_WARNING, "open file limit %llu: serving at most %u connections",
	       (unsigned long long)lim.rlim_cur, opt->max_connections);
}

/* Started with a standard descriptor closed, the first socket would take
 * its number and stderr's log lines would go to a client. */
static void keep_stdio_open(void)
{
	int fd;

	do
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	while (fd >= 0 && fd <= STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static void block_signals(void)
{
	/* A client that vanishes mid-reply must not end the server. */
	signal(SIGPIPE, SIG_IGN);
	relay_stop_signals_block();
}

static int open_listeners(const struct relayersd_options *opt,
			  const struct run_as *who, struct listener_set *set)
{
	struct socket_owner owner = { who->uid, who->gid, who->gid, opt->socket_mode };
	char why[512];
	int handed = listeners_from_systemd(set, why, sizeof(why));

	if (handed < 0) {
		rd_log(LOG_ERR, "%s", why);
		return EX_CONFIG;
	}
	if (handed > 0) {
		if (opt->listen_given)
			rd_log(LOG_NOTICE, "serving the %d sockets systemd passed; "
					   "--listen ignored",
			       handed);
		return EX_OK;
	}
	if (opt->socket_group != NULL &&
	    !group_lookup(opt->socket_group, &owner.group, why, sizeof(why))) {
		rd_log(LOG_ERR, "%s", why);
		return EX_NOUSER;
	}
	for (int i = 0; i < opt->listen_count; i++) {
		if (!listener_bind(set, opt->listen[i], &owner, why, sizeof(why))) {
			rd_log(LOG_ERR, "%s", why);
			listeners_close(set);
			return EX_CANTCREAT;
		}
		rd_log(LOG_INFO, "listening on %s", opt->listen[i]);
	}
	return EX_OK;
}

/* Read as root, before the privileges go: the file is root's, 0600. */
static int setup_redis(const struct relayersd_options *opt,
		       struct redis_view *rv, struct store_view *view)
{
	char why[600];

	if (opt->redis == NULL && opt->redis_sentinels == NULL)
		return EX_OK;
	memset(rv, 0, sizeof(*rv));
	rv->target.address = opt->redis;
	rv->target.sentinels = opt->redis_sentinels;
	rv->target.master = opt->redis_master;
	rv->target.password_file = opt->redis_password_file;
	rv->target.sentinel_password_file = opt->redis_sentinel_password_file;
	rv->target.sentinel_cred = &rv->sentinel_cred;
	rv->target.timeout_ms = REDIS_VIEW_TIMEOUT_MS;
	rv->prefix = opt->redis_prefix ? opt->redis_prefix : REDIS_DEFAULT_PREFIX;
	if (opt->redis_password_file != NULL &&
	    !redis_credentials_load(opt->redis_password_file, &rv->cred, why,
				    sizeof(why))) {
		rd_log(LOG_ERR, "%s", why);
		return EX_CONFIG;
	}
	if (opt->redis_sentinel_password_file != NULL &&
	    !redis_credentials_load(opt->redis_sentinel_password_file,
				    &rv->sentinel_cred, why, sizeof(why))) {
		rd_log(LOG_ERR, "%s", why);
		return EX_CONFIG;
	}
	view->redis = rv;
	return EX_OK;
}

int main(int argc, char **argv)
{
	static struct redis_view redis;
	static struct listener_set listeners;
	struct relayersd_options opt;
	struct server_config config;
	struct store_view view;
	struct run_as who;
	char why[512];
	int status = relayersd_parse_options(argc, argv, &opt);

	if (status >= 0)
		return status;
	keep_stdio_open();
	rd_log_open(opt.verbose);
	block_signals();
	status = run_as_lookup(opt.user, &who, why, sizeof(why));
	if (status != EX_OK) {
		rd_log(LOG_ERR, "%s", why);
		return status;
	}
	store_view_init(&view, opt.store_path);
	status = setup_redis(&opt, &redis, &view);
	if (status != EX_OK) {
		run_as_free(&who);
		return status;
	}
	fit_descriptor_limit(&opt);
	status = open_listeners(&opt, &who, &listeners);
	if (status != EX_OK) {
		run_as_free(&who);
		return status;
	}
	if (!run_as_become(&who, why, sizeof(why))) {
		rd_log(LOG_ERR, "%s", why);
		listeners_close(&listeners);
		run_as_free(&who);
		return EX_NOPERM;
	}
	run_as_free(&who);
	config.max_connections = opt.max_connections;
	config.idle_timeout_ms = opt.idle_timeout * 1000;
	config.request_timeout_ms = opt.request_timeout * 1000;
	config.policy.max_age = opt.max_age;
	store_view_reopen(&view, 0);
	rd_log(LOG_INFO, "serving %s as uid %u, up to %u connections",
	       view.redis != NULL ? "from Redis" : opt.store_path,
	       (unsigned)geteuid(), opt.max_connections);
	rd_log_serving();
	status = server_run(&config, &listeners, &view);
	store_view_close(&view);
	listeners_close(&listeners);
	return status;
}
