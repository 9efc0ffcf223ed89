/* damage-log MODULE STORE COUNT: COUNT real logins through the module
 * (pam_start_confdir, so libpam dlopens and dlcloses it each time) into
 * a damaged STORE, reading what the module sends to /dev/log: in a
 * private mount namespace, a tmpfs /dev holds a datagram socket of ours.
 * Prints "logins OK/COUNT repair-lines N other-errors N" and each line
 * that names the repair command.  Needs root (unshare); exits 77
 * (skipped) without it. */
#include <errno.h>
#include <sched.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "pam_login.h"

static int private_dev_log(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	static const struct {
		const char *path;
		unsigned minor;
	} nodes[] = {
		{ "/dev/null", 3 },
		{ "/dev/zero", 5 },
		{ "/dev/urandom", 9 },
	};
	int fd;

	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", "/dev", "tmpfs", 0, "mode=0755") != 0)
		return -1;
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (mknod(nodes[i].path, S_IFCHR | 0666,
			  makedev(1, nodes[i].minor)) != 0)
			return -1;
	strcpy(addr.sun_path, "/dev/log");
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		return -1;
	return fd;
}

int main(int argc, char **argv)
{
	char confdir[] = "/tmp/relayers-damage-log.XXXXXX", args[4200], msg[8192];
	unsigned count, ok = 0, repair = 0, other = 0;
	ssize_t len;
	int log_fd;

	if (argc != 4) {
		fprintf(stderr, "usage: damage-log MODULE STORE COUNT\n");
		return 64;
	}
	count = (unsigned)strtoul(argv[3], NULL, 10);
	log_fd = private_dev_log();
	if (log_fd < 0) {
		perror("damage-log: a private /dev/log");
		return 77;
	}
	snprintf(args, sizeof(args), "db=%s exclude=", argv[2]);
	if (mkdtemp(confdir) == NULL ||
	    !pam_login_write_stack(confdir, argv[1], args))
		return 1;
	for (unsigned i = 0; i < count; i++) {
		char rhost[32];

		snprintf(rhost, sizeof(rhost), "192.0.2.%u", 1 + i % 250);
		ok += pam_login_run(confdir, PAM_LOGIN_USER, PAM_LOGIN_PASSWORD,
				    rhost) == PAM_SUCCESS;
	}
	while ((len = recv(log_fd, msg, sizeof(msg) - 1, MSG_DONTWAIT)) > 0) {
		msg[len] = '\0';
		if (strstr(msg, "pam_relayers(") == NULL)
			continue;
		if (strstr(msg, "check --repair") != NULL) {
			repair++;
			printf("logged: %s\n", msg);
		} else if (strstr(msg, "relay allowed") == NULL) {
			other++;
			printf("other: %s\n", msg);
		}
	}
	printf("logins %u/%u repair-lines %u other-errors %u\n", ok, count, repair,
	       other);
	snprintf(args, sizeof(args), "rm -rf '%s'", confdir);
	return system(args) == 0 ? 0 : 1;
}
