/* Command-line parsing the daemons and tools share: bounded numbers,
 * the refusal of a bad command line and the getopt_long loop around
 * each front end's own options.  The PAM module parses its arguments
 * its own way (no getopt, complaints instead of exits) and never links
 * this. */
#ifndef RELAYERS_OPTION_PARSE_H
#define RELAYERS_OPTION_PARSE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Whole decimal numbers (relay_stamp_parse's digits) from min to max. */
bool relay_option_number(const char *text, int64_t min, int64_t max,
			 int64_t *out);

/* Says "PROGRAM: PROBLEM \"ARG\"" (ARG escaped) or, without ARG,
 * "PROGRAM: PROBLEM" on stderr, then the usage; returns EX_USAGE. */
int relay_option_refuse(const char *program, void (*usage)(FILE *out),
			const char *problem, const char *arg);

/* What getopt_long returns for the options every program takes. */
enum relay_option_shared { RELAY_OPTION_HELP = 0x1000,
			   RELAY_OPTION_VERSION };

/* The end of each program's long option table: -v's long name, --help
 * and --version (both answered by relay_option_parse), the terminator. */
#define RELAY_OPTIONS_SHARED                                            \
	{ "verbose", no_argument, NULL, 'v' },                          \
		{ "help", no_argument, NULL, RELAY_OPTION_HELP },       \
		{ "version", no_argument, NULL, RELAY_OPTION_VERSION }, \
	{                                                               \
		NULL, 0, NULL, 0                                        \
	}

/* One program's options.  take() handles one option getopt_long
 * returned (with its argument or NULL) and returns -1 to go on or the
 * exit code to stop with.  With getopt_messages getopt itself names an
 * unknown option or a missing argument and only the usage follows. */
struct relay_option_set {
	const char *program;
	void (*usage)(FILE *out);
	const char *short_options;
	const struct option *long_options;
	int (*take)(int opt, const char *arg, void *context);
	bool getopt_messages;
};

/* Runs getopt_long over argv.  --help prints the usage on stdout and
 * --version "PROGRAM VERSION", both exit 0; an unknown option, a
 * missing argument or a stray argument is refused (see
 * relay_option_refuse).  Returns -1 when every option was taken,
 * otherwise the exit code. */
int relay_option_parse(const struct relay_option_set *set, int argc,
		       char **argv, void *context);

#endif
