#include "pam_login.h"
#include "store_probe.h"

#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

/* Standard location of Debian's PAM modules and pam_wrapper's helpers;
 * both are in deps/debian-packages. */
#define PAM_MODULE_DIR "/usr/lib/x86_64-linux-gnu/security"
#define PAM_MATRIX "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so"

static bool write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		return false;
	}
	return true;
}

bool pam_login_write_stack(const char *dir, const char *module_path,
			   const char *module_args)
{
	char stack[8192], passdb[256];

	snprintf(passdb, sizeof(passdb), "%s:%s:%s\n", PAM_LOGIN_USER,
		 PAM_LOGIN_PASSWORD, PAM_LOGIN_SERVICE);
	snprintf(stack, sizeof(stack),
		 "auth     required %s passdb=%s/passdb\n"
		 "account  required %s/pam_permit.so\n"
		 "account  optional %s %s\n",
		 PAM_MATRIX, dir, PAM_MODULE_DIR, module_path, module_args);
	/* libpam reads "other" when it looks for defaults; deny there. */
	return write_file(dir, "passdb", passdb) &&
	       write_file(dir, PAM_LOGIN_SERVICE, stack) &&
	       write_file(dir, "other", "auth required " PAM_MODULE_DIR "/pam_deny.so\naccount required " PAM_MODULE_DIR "/pam_deny.so\n");
}

/* Answers every prompt with the password in appdata. */
static int answer_password(int count, const struct pam_message **messages,
			   struct pam_response **responses, void *appdata)
{
	struct pam_response *reply = calloc((size_t)count, sizeof(*reply));

	if (reply == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < count; i++) {
		int style = messages[i]->msg_style;

		if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON)
			reply[i].resp = strdup(appdata);
	}
	*responses = reply;
	return PAM_SUCCESS;
}

int pam_login_run(const char *confdir, const char *user,
		  const char *password, const char *rhost)
{
	struct pam_conv conv = { answer_password, (void *)password };
	pam_handle_t *pamh = NULL;
	int rc = pam_start_confdir(PAM_LOGIN_SERVICE, user, &conv, confdir,
				   &pamh);

	if (rc != PAM_SUCCESS)
		return rc;
	if (rhost != NULL)
		rc = pam_set_item(pamh, PAM_RHOST, rhost);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

bool pam_login_recorded(const char *store_path, const char *rhost,
			int64_t *stamp)
{
	char out[64];

	if (store_probe("get", store_path, rhost, out, sizeof(out)) != 0)
		return false;
	if (stamp != NULL)
		*stamp = strtoll(out, NULL, 10);
	return true;
}
