/* Change points in a performance series (docs/history.md): E-divisive means (Matteson and
 * James 2014, as Apache Otava / Hunter and MongoDB use it), binary segmentation with a seeded
 * permutation test at a stated significance level, so that a step is reported with its
 * position, size and confidence, and noise without a step is not reported. */
#ifndef BEEX_EVAL_CHANGEPOINT_H
#define BEEX_EVAL_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    double alpha;          /* exponent of the distance |x - y|^alpha, in (0, 2]; default 1 */
    double significance;   /* a change is kept when its permutation p-value <= this; 0.05 */
    int permutations;      /* per candidate split; default 199 */
    size_t min_segment;    /* fewest points on either side of a change; default 3 */
    double min_rel_change; /* drop changes whose |after/before - 1| is smaller; default 0 */
    uint64_t seed;         /* the permutations' PRNG seed (harness/base/prng.h) */
} beex_changepoint_opts;

void beex_changepoint_defaults(beex_changepoint_opts *o);

typedef struct {
    size_t index;      /* first point of the new segment: x[index-1] -> x[index] is the step */
    double before;     /* mean of the segment ending at index - 1 */
    double after;      /* mean of the segment starting at index */
    double rel_change; /* after / before - 1 (positive: the value grew, a slowdown) */
    double p_value;    /* the permutation test's p-value; confidence = 1 - p_value */
} beex_change;

/* Finds the changes in x[0..n), sorted by index; writes at most cap to out and sets *count to
 * how many were found. Deterministic for a given seed, at any thread count. Returns 0, or -1
 * on bad options (err says which). n < 2 * min_segment finds nothing. */
int beex_changepoints(const double *x, size_t n, const beex_changepoint_opts *o, beex_change *out,
                      size_t cap, size_t *count, char *err, size_t errlen);

#endif
