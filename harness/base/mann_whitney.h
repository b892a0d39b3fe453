/* Statistical tests for `beex compare`: the two-sided Mann-Whitney U test over repetitions of
 * two timing runs, as Google Benchmark's compare.py does (scipy's mannwhitneyu: the exact
 * distribution for small samples without ties, the normal approximation otherwise). */
#ifndef BEEX_BASE_MANN_WHITNEY_H
#define BEEX_BASE_MANN_WHITNEY_H

#include <stddef.h>

typedef struct {
    double u;       /* U statistic of the first sample: pairs (x_i > y_j) + half the ties */
    double p_value; /* two-sided */
    int exact;      /* 1 when the exact null distribution was used */
} beex_utest;

/* Samples are not modified. Returns 0, or -1 when a sample is empty or memory runs out. */
int beex_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, beex_utest *out);

/* scipy's "auto" rule: exact when the smaller sample has at most this many values and no
 * value is tied; otherwise the normal approximation with tie and continuity corrections. */
#define BEEX_UTEST_EXACT_MAX 8

#endif
