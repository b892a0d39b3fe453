/* Wall-clock timing and summary statistics over repetitions. Timings are always reported
 * with their spread, since this VM's clock drifts between 2.7 and 3.6 GHz. */
#ifndef BEEX_BASE_TIMING_H
#define BEEX_BASE_TIMING_H

#include <stddef.h>

double beex_now_seconds(void); /* CLOCK_MONOTONIC */

typedef struct {
    size_t n;
    double median, min, max, mean, stddev, p90, p99;
} beex_stats;

/* Summarises n samples (the array is sorted in place). */
beex_stats beex_stats_of(double *samples, size_t n);
/* Linear-interpolated percentile q in [0, 1] of sorted samples. */
double beex_percentile_sorted(const double *sorted, size_t n, double q);

#endif
