/* What a timed run of one exit rule measured, as plain data: bench/ fills it (the test set
 * through the engine per variant x threads x batch), report/ writes it, app/ keeps a sweep's
 * runs. It lives here, below both, because neither of those rooms may use the other. */
#ifndef BEEX_EVAL_TIMED_RUN_H
#define BEEX_EVAL_TIMED_RUN_H

#include <jansson.h>

#include "harness/base/timing.h"
#include "harness/eval/replay.h"
#include "harness/eval/trace.h"

/* One timed configuration: reps passes over the test set in batches under one rule of the
 * list (harness/model/exit_rule_list.h), run online by the engine. */
typedef struct {
    int isa, threads, batch;
    beex_policy policy;
    int table_index; /* the replay point it reproduces */
    int reps;
    double *seconds;        /* reps per-pass wall times (malloc'ed) */
    beex_stats per_example; /* seconds per example */
    double metric, accuracy, mean_exit;
    int hist[BEEX_MAX_BLOCKS];
    /* The threads the passes ran on: `threads` (the team offered), or 1 when passes on one
     * thread measured faster at the start of the run (harness/bench/thread_choice.h; for a
     * team of one nothing is measured and choice_rounds is 0). The choice's medians are
     * seconds per calibration pass, its ratio the median of team / one over the rounds. */
    int threads_used;
    int choice_rounds, choice_examples;
    double choice_one, choice_team, choice_ratio;
    int mismatched_examples; /* exit block or prediction differing from the replay */
    int matches;             /* accuracy and histogram equal the replay's */
    json_t *hw;              /* hardware counters (or their absence) */
} beex_timed_run;

/* Frees seconds and hw and clears them; safe on a zeroed or already freed run. */
void beex_timed_run_free(beex_timed_run *r);

#endif
