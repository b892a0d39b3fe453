/* Small statistics on paired or resampled outcomes (docs/statistics.md): the exact McNemar test
 * for two classifiers scored on the same examples, and percentile intervals of a bootstrap
 * sample. */
#ifndef BEEX_BASE_PAIRED_TESTS_H
#define BEEX_BASE_PAIRED_TESTS_H

#include <stddef.h>

/* Exact two-sided McNemar p-value: b = examples only the first gets right, c = only the
 * second. Under the null each discordant pair is a fair coin, so p = min(1, 2 P(X <= min(b,c)))
 * with X ~ Binomial(b + c, 1/2); 1 when there is no discordant pair. */
double beex_mcnemar_exact_p(long b, long c);

/* The q-quantile (0 <= q <= 1) of v[0..n) by linear interpolation between order statistics
 * (type 7, as R and NumPy default to). Sorts v in place. NAN when n == 0. */
double beex_quantile_sorted_inplace(double *v, size_t n, double q);

/* Percentile interval [lo, hi] at the given level (0.95 -> 2.5 % and 97.5 %). Sorts v. */
void beex_percentile_interval(double *v, size_t n, double level, double *lo, double *hi);

#endif
