/* Whole-model timing (`beex bench model`): configurations of precision x variant x threads x
 * batch size timed over repeated batches of random token ids, with the threads inside each
 * operation or across the examples of a batch (beex_engine_set_split); one alone, or several
 * interleaved round by round; and profiled passes for the breakdown by operation class. */
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
    double *samples, *cpu;    /* each batch's wall and CPU seconds, reps of each (owned); in an
                               * interleaved group, sample k is round k's */
    double *ops;              /* each timed batch's OPs as the cost model counts the blocks run
                               * (owned; NULL from beex_mb_measure) */
    int slot_warmup;          /* 1 when every slot ran an untimed batch before its timed one */
} beex_mb_result;

void beex_mb_result_free(beex_mb_result *r);

/* Times c on n examples: ids[i] of lens[i] tokens (n >= c->batch; batches cycle through
 * them). delta and max_exit (NULL = none) steer the exits as in beex_engine_run_batch_capped.
 * Returns 0, or -1 with err set. */
int beex_mb_measure(const beex_model *m, const beex_mb_case *c, const int32_t *const *ids,
                    const int *lens, int n, double delta, const int *max_exit, beex_mb_result *out,
                    char *err, size_t errlen);

/* Engines of one model made once and shared by every case of the same precision, variant and
 * thread count (the parallel mode is set before each batch), so that weights are repacked
 * outside every timed or interleaved loop. */
typedef struct beex_mb_pool beex_mb_pool;
beex_mb_pool *beex_mb_pool_new(const beex_model *m); /* NULL when out of memory */
void beex_mb_pool_free(beex_mb_pool *p);

/* The examples batches cycle through: ids[i] of lens[i] tokens, n >= every case's batch. */
typedef struct {
    const int32_t *const *ids;
    const int *lens;
    int n;
} beex_mb_inputs;

/* Cases compared in one run, timed interleaved (bench/interleave.h): one untimed warm-up
 * batch per case, then rounds, each running every case's slot once in the round's seeded
 * order, until min_rounds are done and the timed seconds reach n x min_time (or max_rounds).
 * A slot is one timed batch, after one untimed batch when slot_warmup is 1, or with -1 (auto)
 * when the case's warm-up batch took under BEEX_MB_SLOT_WARMUP_BELOW seconds: the cases run
 * before it evicted its weights and activations, and refilling the caches would be a visible
 * share of so short a batch, which the per-case rows never measured. */
#define BEEX_MB_SLOT_WARMUP_BELOW 0.02
typedef struct {
    const beex_mb_case *cases;  /* their min_time, min_reps and max_reps are not read */
    const int *const *max_exit; /* NULL, or per case NULL or the caps per example */
    int n;
    double delta, min_time;
    int min_rounds, max_rounds;
    uint64_t seed;
    int slot_warmup; /* -1 auto, 0 never, 1 always */
} beex_mb_group;

/* Measures every case of g: out[i] (g->n of them) with reps = the rounds, sample k of every
 * case from round k. Returns 0, or -1 with err set. */
int beex_mb_measure_group(beex_mb_pool *pool, const beex_mb_inputs *in, const beex_mb_group *g,
                          beex_mb_result *out, char *err, size_t errlen);

/* Profiled passes (beex_engine_set_profile), apart from the timed ones since profiling reads
 * the clock around every operation: one untimed batch, then `passes` batches whose classes
 * and whole wall time add into *prof (zeroed here). Returns 0, or -1 with err set. */
int beex_mb_profile(beex_mb_pool *pool, const beex_mb_inputs *in, const beex_mb_case *c,
                    double delta, int passes, beex_op_profile *prof, char *err, size_t errlen);

#endif
