/* Shared by the cmocka unit programs: runs a group and prints the
 * suite's closing line, "unit/NAME: N passed, N failed", like every
 * other suite does. */
#ifndef RELAYERS_TESTS_UNIT_H
#define RELAYERS_TESTS_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

/* Valgrind runs everything several times slower: the check target sets
 * UNIT_TIME_SCALE, and upper time bounds are stretched by it. */
static inline long unit_time_scale(void)
{
	const char *text = getenv("UNIT_TIME_SCALE");
	long scale = text != NULL ? atol(text) : 1;

	return scale > 0 ? scale : 1;
}

static inline long unit_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static inline int unit_report(const char *suite, size_t total, int failed)
{
	printf("unit/%s: %zu passed, %d failed\n", suite,
	       total - (size_t)failed, failed);
	return failed == 0 ? 0 : 1;
}

/* cmocka_run_group_tests needs the array itself, for its length.  Its
 * summary goes to stderr; a line-buffered stdout keeps the closing line
 * after it. */
#define UNIT_RUN(suite, tests, setup, teardown)                 \
	(setvbuf(stdout, NULL, _IOLBF, 0),                      \
	 unit_report(suite, sizeof(tests) / sizeof((tests)[0]), \
		     cmocka_run_group_tests(tests, setup, teardown)))

#endif
