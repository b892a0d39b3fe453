/* Training throughput: repetitions of the trainer's own step (harness/train/tstep.h) on a
 * random-weight model and random token ids, and the fp32 GEMM rate the same machine reaches
 * on the trainer's largest product, measured in the same run. */
#ifndef BEEX_BENCH_TRAIN_BENCH_H
#define BEEX_BENCH_TRAIN_BENCH_H

#include "harness/model/model.h"
#include "harness/train/tprofile.h"

typedef struct {
    const char *name; /* "mr" (about 21 tokens) or "long" (512 tokens) */
    beex_config cfg;
    int tokens; /* every example's length */
} beex_train_shape;

/* The two shapes of `beex bench train`: index 0 mr-like, 1 long (mrdoc at its real length). */
int beex_train_shape_get(const char *name, beex_train_shape *out);

/* reps repetitions of `steps` optimisation steps (batch examples each, dropout 0.1) after one
 * warm-up step, on the current OpenMP team (beex_threads_setup). steps <= 0: as many as make
 * a repetition last about min_time seconds (from the warm-up). seconds[reps] receives each
 * repetition's wall time; *steps_out the steps per repetition. With prof != NULL (zeroed by
 * the caller), prof_steps more steps after the timed ones run profiled into *prof (`bench
 * train --breakdown`): never a timed step. Returns 0, or -1 with err. */
int beex_bench_train(const beex_train_shape *s, beex_precision prec, int batch, int steps,
                     double min_time, int reps, double *seconds, int *steps_out,
                     beex_tprofile *prof, int prof_steps, char *err, size_t errlen);

/* Median fp32 GFLOP/s of Y (m x n) = X (m x k) W^T through the engine's libxsmm path on the
 * current team, over reps runs of at least 0.05 s. */
double beex_bench_fp32_gemm_gflops(int m, int n, int k, int reps);

#endif
