/* How sure a score is (docs/statistics.md): a seeded percentile bootstrap over the examples of one
 * split, shared by every point scored on it, so that comparisons are paired: each resample
 * rescores every point on the same examples, and the interval of a difference comes from the
 * differences on the same resamples. Points with identical decisions are scored once. */
#ifndef BEEX_EVAL_INTERVALS_H
#define BEEX_EVAL_INTERVALS_H

#include <stddef.h>
#include <stdint.h>

#include "harness/eval/metrics.h"

#define BEEX_BOOTSTRAP_MIN_RESAMPLES 2000
#define BEEX_BOOTSTRAP_DEFAULT_SEED 1

typedef struct {
    int n, classes, positive;
    beex_metric metric;    /* the headline metric the paired comparisons use */
    const int32_t *labels; /* n, in [0, classes): a trace's label array as it is */
    int resamples;         /* >= BEEX_BOOTSTRAP_MIN_RESAMPLES */
    uint64_t seed;
    double level; /* 0.95 */
} beex_bootstrap_setup;

/* Fills out[p] (P points) from preds (P rows of n predictions): intervals of accuracy, F1 and
 * MCC; the paired difference of the headline metric against point `full` with its interval
 * and the exact McNemar p-value; when iso_lower is not NULL, the iso-cost gain against the
 * static-depth curve, interpolated between points iso_lower[p] and iso_upper[p] with weight
 * iso_weight[p] on the upper one (indices into the P points). The resamples are drawn from
 * per-resample streams of the seed, so the result does not depend on the thread count.
 * Returns 0, or -1 with err set. */
int beex_bootstrap_points(const beex_bootstrap_setup *s, const int *preds, int P, int full,
                          const int *iso_lower, const int *iso_upper, const double *iso_weight,
                          beex_point_stats *out, char *err, size_t errlen);

#endif
