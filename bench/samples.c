#include "samples.h"

#include <stdio.h>
#include <sysexits.h>
#include <stdlib.h>
#include <time.h>

uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void samples_init(struct samples *s, size_t capacity)
{
	s->count = 0;
	s->capacity = capacity > 0 ? capacity : 16;
	s->ns = malloc(s->capacity * sizeof(*s->ns));
	if (s->ns == NULL) {
		perror("samples");
		exit(EX_SOFTWARE);
	}
}

void samples_add(struct samples *s, uint64_t ns)
{
	if (s->count == s->capacity) {
		uint64_t *grown = realloc(s->ns, 2 * s->capacity * sizeof(*s->ns));

		if (grown == NULL) {
			perror("samples");
			exit(EX_SOFTWARE);
		}
		s->ns = grown;
		s->capacity *= 2;
	}
	s->ns[s->count++] = ns;
}

void samples_free(struct samples *s)
{
	free(s->ns);
	s->ns = NULL;
	s->count = s->capacity = 0;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank percentile: the smallest sample with at least pct
 * percent of the samples at or below it. */
static double percentile_us(const struct samples *s, unsigned pct)
{
	size_t rank = (s->count * pct + 99) / 100;

	if (rank == 0)
		rank = 1;
	return (double)s->ns[rank - 1] / 1000.0;
}

struct sample_summary samples_summarise(struct samples *s)
{
	struct sample_summary sum = { .count = s->count };
	double total = 0;

	if (s->count == 0)
		return sum;
	qsort(s->ns, s->count, sizeof(*s->ns), compare_u64);
	for (size_t i = 0; i < s->count; i++)
		total += (double)s->ns[i];
	sum.mean_us = total / (double)s->count / 1000.0;
	sum.p50_us = percentile_us(s, 50);
	sum.p99_us = percentile_us(s, 99);
	sum.max_us = (double)s->ns[s->count - 1] / 1000.0;
	return sum;
}

void samples_print(const char *label, struct samples *s)
{
	struct sample_summary sum = samples_summarise(s);

	printf("%-28s n=%-6zu mean=%9.1f p50=%9.1f p99=%9.1f max=%9.1f us\n",
	       label, sum.count, sum.mean_us, sum.p50_us, sum.p99_us,
	       sum.max_us);
}
