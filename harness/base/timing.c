#include "harness/base/timing.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

double beex_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double beex_percentile_sorted(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    double frac = pos - (double)lo;
    return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

beex_stats beex_stats_of(double *samples, size_t n)
{
    beex_stats s = {0};
    s.n = n;
    if (n == 0) {
        s.median = s.min = s.max = s.mean = s.stddev = s.p90 = s.p99 = NAN;
        return s;
    }
    qsort(samples, n, sizeof *samples, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += samples[i];
    s.mean = sum / (double)n;
    double var = 0;
    for (size_t i = 0; i < n; i++)
        var += (samples[i] - s.mean) * (samples[i] - s.mean);
    s.stddev = n > 1 ? sqrt(var / (double)(n - 1)) : 0.0;
    s.min = samples[0];
    s.max = samples[n - 1];
    s.median = beex_percentile_sorted(samples, n, 0.5);
    s.p90 = beex_percentile_sorted(samples, n, 0.9);
    s.p99 = beex_percentile_sorted(samples, n, 0.99);
    return s;
}
