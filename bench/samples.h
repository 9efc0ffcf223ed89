/* Latency samples and the figures the benchmarks print from them. */
#ifndef RELAYERS_BENCH_SAMPLES_H
#define RELAYERS_BENCH_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

struct samples {
	uint64_t *ns; /* one duration per sample, nanoseconds */
	size_t count;
	size_t capacity;
};

struct sample_summary {
	size_t count;
	double mean_us, p50_us, p99_us, max_us;
};

/* Nanoseconds on the monotonic clock. */
uint64_t now_ns(void);

/* Exits the program when memory runs out: a benchmark has nothing
 * sensible to fall back on. */
void samples_init(struct samples *s, size_t capacity);
void samples_add(struct samples *s, uint64_t ns);
void samples_free(struct samples *s);

/* Sorts the samples in place. */
struct sample_summary samples_summarise(struct samples *s);

/* One line: "LABEL n=N mean=.. p50=.. p99=.. max=.. (us)". */
void samples_print(const char *label, struct samples *s);

#endif
