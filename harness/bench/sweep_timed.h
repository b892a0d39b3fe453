/* Timed runs of a sweep's chosen points: the test set through the early-exit engine per
 * variant x threads x batch, each checked example by example against the replay before its
 * times count. The replay itself, and the record a run fills (timed_run.h), live in
 * harness/eval/. */
#ifndef BEEX_BENCH_SWEEP_TIMED_H
#define BEEX_BENCH_SWEEP_TIMED_H

#include <stddef.h>

#include "harness/bench/counters.h"
#include "harness/eval/encode.h"
#include "harness/eval/replay.h"
#include "harness/eval/timed_run.h"
#include "harness/model/engine.h"

/* Runs one configuration on an engine already created for (isa, threads). replay_exit /
 * replay_pred hold the replay's per-example decisions for this rule on test. On an engine of
 * more than one thread, passes over the first test examples on its threads and on one thread
 * are timed in turn first, and the faster runs the point (run->threads_used and the choice's
 * figures record it). Returns 0, or -1 with err set (engine failure, a rule the engine cannot
 * run). A mismatch is not an error here: run->matches says it. */
int beex_sweep_timed_run(beex_engine *e, const beex_encoded *test, const beex_replay_setup *s,
                         const int *replay_exit, const int *replay_pred, beex_timed_run *run,
                         char *err, size_t errlen);

/* The same in steps, so that a caller can interleave the repetitions of several
 * configurations (the sweep takes the thread counts of one point round-robin, as the machine
 * drifts by more than their differences between one configuration's repetitions and the
 * next's): begin (the thread choice and the checked pass), then each repetition r in
 * [0, run->reps) once, then end (statistics; ok = 0 after a failure). */
typedef struct {
    beex_engine *e; /* the engine the point runs on (the team or its one-thread twin) */
    const beex_encoded *test;
    beex_timed_run *run;
    beex_exit_result *res;
    beex_hw_counters hc;
} beex_sweep_timed_state;

int beex_sweep_timed_begin(beex_engine *e, const beex_encoded *test, const beex_replay_setup *s,
                           const int *replay_exit, const int *replay_pred, beex_timed_run *run,
                           beex_sweep_timed_state *st, char *err, size_t errlen);
int beex_sweep_timed_rep(beex_sweep_timed_state *st, int r, char *err, size_t errlen);
void beex_sweep_timed_end(beex_sweep_timed_state *st, int ok);

#endif
