/* Module options: the input, split at NULs, is a pam.d argument list.
 * Whatever the admin wrote, the result stays within bounds and every
 * complaint is one printable line (it goes to syslog). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define MAX_ARGS 16

static void complaint_is_one_clean_line(void *context, const char *problem)
{
	(void)context;
	assert(strlen(problem) < 1024);
	for (const char *c = problem; *c != '\0'; c++)
		assert(*c != '\n' && *c != '\r');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *argv[MAX_ARGS];
	struct module_options opt;
	int argc = 0;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *arg = text; argc < MAX_ARGS && arg <= text + size;
	     arg += strlen(arg) + 1)
		argv[argc++] = arg;
	module_options_parse(argc, argv, &opt, complaint_is_one_clean_line, NULL);
	assert(opt.timeout_ms >= 1 && opt.timeout_ms <= RELAY_TIMEOUT_MAX_MS);
	assert(opt.store_path != NULL && opt.store_path[0] == '/');
	assert(opt.exclude.count <= RELAY_CIDR_LIST_MAX);
	free(text);
	return 0;
}
