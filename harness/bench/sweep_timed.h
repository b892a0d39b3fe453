/* Timed runs of a sweep's chosen points: the test set through the early-exit engine per
 * variant x threads x batch, each checked example by example against the replay before its
 * times count. The replay itself, and the record a run fills (timed_run.h), live in
 * harness/eval/. */
#ifndef BEEX_BENCH_SWEEP_TIMED_H
#define BEEX_BENCH_SWEEP_TIMED_H

#include <stddef.h>

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

#endif
