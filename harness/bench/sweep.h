/* Timed runs of a sweep's chosen points: the test set through the early-exit engine per
 * variant x threads x batch, each checked example by example against the replay before its
 * times count (sweep_timed.c). The replay itself lives in harness/eval/. */
#ifndef BEEX_BENCH_SWEEP_H
#define BEEX_BENCH_SWEEP_H

#include <jansson.h>
#include <stdint.h>

#include "harness/base/timing.h"
#include "harness/eval/encode.h"
#include "harness/eval/replay.h"
#include "harness/model/engine.h"

/* One timed configuration: reps passes over the test set in batches under one rule (delta, or
 * static depth through the engine's per-example cap). */
typedef struct {
    int isa, threads, batch;
    beex_policy policy;
    int table_index; /* the replay point it reproduces */
    int reps;
    double *seconds;        /* reps per-pass wall times (malloc'ed) */
    beex_stats per_example; /* seconds per example */
    double metric, accuracy, mean_exit;
    int hist[BEEX_MAX_BLOCKS];
    int mismatched_examples; /* exit block or prediction differing from the replay */
    int matches;             /* accuracy and histogram equal the replay's */
    json_t *hw;              /* hardware counters (or their absence) */
} beex_timed_run;

/* Runs one configuration on an engine already created for (isa, threads). replay_exit /
 * replay_pred hold the replay's per-example decisions for this rule on test. Returns 0, or
 * -1 with err set (engine failure, a rule the engine cannot run). A mismatch is not an error
 * here: run->matches says it. */
int beex_sweep_timed_run(beex_engine *e, const beex_encoded *test, const beex_replay_setup *s,
                         const int *replay_exit, const int *replay_pred, beex_timed_run *run,
                         char *err, size_t errlen);
void beex_timed_run_free(beex_timed_run *r);

#endif
