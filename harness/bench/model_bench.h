/* Whole-model timing (`beex bench model`): one configuration of precision x variant x
 * threads x batch size timed over repeated batches of random token ids, with the threads
 * inside each operation or across the examples of a batch (beex_engine_set_split). */
#ifndef BEEX_BENCH_MODEL_BENCH_H
#define BEEX_BENCH_MODEL_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "harness/base/timing.h"
#include "harness/model/engine.h"

typedef enum { BEEX_MB_WITHIN_OPS = 0, BEEX_MB_ACROSS_EXAMPLES } beex_mb_parallel;

typedef struct {
    beex_precision precision;
    int isa;
    int threads;
    int batch;
    beex_mb_parallel parallel;
    double min_time; /* seconds of timed batches, at least */
    int min_reps, max_reps;
} beex_mb_case;

typedef struct {
    int reps;
    beex_stats batch_seconds; /* latency of one batch (wall clock) */
    beex_stats cpu_seconds;   /* process CPU time of one batch (all threads, spinning included):
                               * robust to other processes preempting a 1-thread run */
    double examples_per_s;    /* batch / median batch latency */
    double *samples, *cpu;    /* each batch's wall and CPU seconds, reps of each (owned) */
} beex_mb_result;

void beex_mb_result_free(beex_mb_result *r);

/* Times c on n examples: ids[i] of lens[i] tokens (n >= c->batch; batches cycle through
 * them). delta and max_exit (NULL = none) steer the exits as in beex_engine_run_batch_capped.
 * Returns 0, or -1 with err set. */
int beex_mb_measure(const beex_model *m, const beex_mb_case *c, const int32_t *const *ids,
                    const int *lens, int n, double delta, const int *max_exit, beex_mb_result *out,
                    char *err, size_t errlen);

#endif
