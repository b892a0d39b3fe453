/* How sure a ratio measured in one run is (`beex bench model`, docs/benchmarks.md): the cases
 * are timed in rounds (interleave.h), each round gives one ratio, and the run reports their
 * median with a 95 % percentile-bootstrap interval of that median, and a warning when the
 * interval is too wide to support a claim. */
#ifndef BEEX_BENCH_RATIO_INTERVAL_H
#define BEEX_BENCH_RATIO_INTERVAL_H

#include <stddef.h>
#include <stdint.h>

/* The warning rule: fewer rounds than this give no interval ... */
#define BEEX_RATIO_MIN_ROUNDS 5
/* ... and an interval wider than this fraction of the median supports no claim. */
#define BEEX_RATIO_MAX_REL_WIDTH 0.10
#define BEEX_RATIO_RESAMPLES 2000

typedef struct {
    int n;            /* rounds with a usable ratio (both sides positive and finite) */
    double median;    /* of the per-round ratios (NaN when n == 0) */
    double lo, hi;    /* 95 % interval of the median (NaN when n < BEEX_RATIO_MIN_ROUNDS) */
    double rel_width; /* (hi - lo) / |median| (NaN without an interval) */
    int wide;         /* 1 when the rule says the spread is too wide for a claim */
} beex_ratio_ci;

/* Per round r the ratio num[r] / den[r]; rounds with a non-positive or non-finite side are
 * left out. The bootstrap draws BEEX_RATIO_RESAMPLES resamples of the rounds from streams of
 * `seed`, so a seed names the interval. Returns 0, or -1 when out of memory. */
int beex_ratio_interval(const double *num, const double *den, int n, uint64_t seed,
                        beex_ratio_ci *out);

/* The same on per-round values already formed (non-finite ones left out). */
int beex_median_interval(const double *v, int n, uint64_t seed, beex_ratio_ci *out);

/* NULL when ci supports a claim, else a sentence saying why not (in buf). */
const char *beex_ratio_warning(const beex_ratio_ci *ci, char *buf, size_t len);

#endif
