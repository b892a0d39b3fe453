/* The history's timed benchmarks (docs/history.md, `--timed`): the measured binary's own
 * `bench model` (timed/forward/P/V) and `bench gemm` (timed/gemm/w1a1/V/SHAPE), every variant
 * the binary says this CPU runs, each with its repetitions. Private to app/history/. */
#ifndef BEEX_APP_HISTORY_TIMED_H
#define BEEX_APP_HISTORY_TIMED_H

#include <jansson.h>
#include <stddef.h>

#include "harness/app/history/history_measure.h"

/* Fills timed {"BENCH": {"median": s, "reps": [s, ...]}} and absent {"BENCH": "why"} for the
 * timed benchmarks o->only selects. Returns 0, or -1 with err when measuring itself failed. */
int beex_hm_timed(const beex_history_measure_opts *o, json_t *timed, json_t *absent, char *err,
                  size_t errlen);

/* The median of n values (n >= 1; the mean of the middle two for even n). */
double beex_hm_median(const double *x, size_t n);

#endif
