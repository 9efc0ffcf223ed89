#include "privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

int run_as_lookup(const char *user, struct run_as *out, char *why,
		  size_t whylen)
{
	struct passwd *pw;

	out->name = NULL;
	out->uid = geteuid();
	out->gid = getegid();
	if (user == NULL)
		return EX_OK;
	pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(why, whylen, "no such user \"%s\"", user);
		return EX_NOUSER;
	}
	if (pw->pw_uid == 0) {
		snprintf(why, whylen, "--user names root; name an unprivileged "
				      "user that can read the store");
		return EX_NOUSER;
	}
	if (geteuid() != 0 && pw->pw_uid != geteuid()) {
		snprintf(why, whylen, "only root can become \"%s\"", user);
		return EX_NOPERM;
	}
	out->name = strdup(pw->pw_name);
	if (out->name == NULL) {
		snprintf(why, whylen, "out of memory");
		return EX_OSERR;
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	return EX_OK;
}

void run_as_free(struct run_as *who)
{
	free((char *)who->name);
	who->name = NULL;
}

bool group_lookup(const char *group, gid_t *out, char *why, size_t whylen)
{
	struct group *gr = getgrnam(group);
	char *end;
	unsigned long number;

	if (gr != NULL) {
		*out = gr->gr_gid;
		return true;
	}
	number = strtoul(group, &end, 10);
	if (*group != '\0' && *end == '\0' && number < (gid_t)-1) {
		*out = (gid_t)number;
		return true;
	}
	snprintf(why, whylen, "no such group \"%s\"", group);
	return false;
}

/* After the change, every id must be the user's and none may go back. */
static bool verify_dropped(const struct run_as *who, char *why, size_t whylen)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (getresuid(&ruid, &euid, &suid) != 0 ||
	    getresgid(&rgid, &egid, &sgid) != 0 || ruid != who->uid ||
	    euid != who->uid || suid != who->uid || rgid != who->gid ||
	    egid != who->gid || sgid != who->gid) {
		snprintf(why, whylen, "ids did not change as asked");
		return false;
	}
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) {
		snprintf(why, whylen, "could regain root after the change");
		return false;
	}
	return true;
}

bool run_as_become(const struct run_as *who, char *why, size_t whylen)
{
	if (who->name == NULL || (geteuid() == who->uid && getuid() == who->uid &&
				  geteuid() != 0))
		return true;
	if (initgroups(who->name, who->gid) != 0 || setgid(who->gid) != 0 ||
	    setuid(who->uid) != 0) {
		snprintf(why, whylen, "cannot become %s: %m", who->name);
		return false;
	}
	return verify_dropped(who, why, whylen);
}
