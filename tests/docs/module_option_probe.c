/* Runs the module's own option parser over its arguments: exits 0 when
 * it takes every one, 1 (naming the complaint) when it refuses one.
 * tests/docs/run.sh holds pam_relayers.8's OPTIONS to it. */
#include <stdio.h>

#include "options.h"

static void complain(void *context, const char *problem)
{
	fprintf(stderr, "module_option_probe: %s\n", problem);
	*(int *)context = 1;
}

int main(int argc, char **argv)
{
	struct module_options options;
	int refused = 0;

	module_options_parse(argc - 1, (const char **)argv + 1, &options,
			     complain, &refused);
	return refused;
}
