#include "pam_login.h"

#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samples.h"

#define BENCH_PASSWORD "secret"

void bench_user_text(uint32_t n, char out[16])
{
	snprintf(out, 16, "u%u", (unsigned)(n % BENCH_USERS));
}

/* Answers every hidden prompt with the password; pam_matrix asks once. */
static int answer_password(int count, const struct pam_message **messages,
			   struct pam_response **responses, void *context)
{
	struct pam_response *r = calloc((size_t)count, sizeof(*r));

	(void)context;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < count; i++) {
		if (messages[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;
		r[i].resp = strdup(BENCH_PASSWORD);
		if (r[i].resp == NULL) {
			for (int j = 0; j < i; j++)
				free(r[j].resp);
			free(r);
			return PAM_BUF_ERR;
		}
	}
	*responses = r;
	return PAM_SUCCESS;
}

static bool failed(pam_handle_t *pamh, const char *step, int rc)
{
	fprintf(stderr, "login_bench: %s: %s\n", step, pam_strerror(pamh, rc));
	if (pamh != NULL)
		pam_end(pamh, rc);
	return false;
}

bool pam_login_timed(const char *confdir, const char *service,
		     const char *user, const char *rhost,
		     struct login_times *times)
{
	const struct pam_conv conv = { answer_password, NULL };
	pam_handle_t *pamh = NULL;
	uint64_t start = now_ns(), acct_start;
	int rc;

	rc = pam_start_confdir(service, user, &conv, confdir, &pamh);
	if (rc != PAM_SUCCESS)
		return failed(NULL, "pam_start_confdir", rc);
	rc = pam_set_item(pamh, PAM_RHOST, rhost);
	if (rc != PAM_SUCCESS)
		return failed(pamh, "pam_set_item", rc);
	rc = pam_authenticate(pamh, 0);
	if (rc != PAM_SUCCESS)
		return failed(pamh, "pam_authenticate", rc);
	acct_start = now_ns();
	rc = pam_acct_mgmt(pamh, 0);
	times->acct_ns = now_ns() - acct_start;
	if (rc != PAM_SUCCESS)
		return failed(pamh, "pam_acct_mgmt", rc);
	pam_end(pamh, PAM_SUCCESS);
	times->whole_ns = now_ns() - start;
	return true;
}
