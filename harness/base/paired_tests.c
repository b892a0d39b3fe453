#include "harness/base/paired_tests.h"

#include <math.h>
#include <stdlib.h>

#include "harness/base/canon_math.h"
#include "harness/base/timing.h"

double beex_mcnemar_exact_p(long b, long c)
{
    if (b < 0 || c < 0)
        return NAN;
    long n = b + c, k = b < c ? b : c;
    if (n == 0)
        return 1.0;
    /* Sum the binomial tail in log space (n reaches thousands on the larger test splits),
     * with log C(n, i) built up term by term from CPU-independent logs (canon_math.h), so
     * that the p-value is the same bits on every CPU. */
    double log_half_n = -(double)n * beex_canon_log(2.0), tail = 0.0, log_choose = 0.0;
    for (long i = 0; i <= k; i++) {
        if (i > 0)
            log_choose += beex_canon_log((double)(n - i + 1)) - beex_canon_log((double)i);
        tail += beex_canon_exp(log_choose + log_half_n);
    }
    double p = 2.0 * tail;
    return p > 1.0 ? 1.0 : p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double beex_quantile_sorted_inplace(double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return beex_percentile_sorted(v, n, q < 0 ? 0 : q > 1 ? 1 : q);
}

void beex_percentile_interval(double *v, size_t n, double level, double *lo, double *hi)
{
    double a = (1.0 - level) / 2.0;
    *lo = beex_quantile_sorted_inplace(v, n, a); /* sorts v */
    *hi = beex_percentile_sorted(v, n, 1.0 - a);
}
