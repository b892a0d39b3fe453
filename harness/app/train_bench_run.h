/* `beex bench train`'s run: examples/s of the trainer's own step per shape x precision x
 * threads, GFLOP/s from the analytic FLOPs of forward + backward, the fraction of the fp32 GEMM
 * rate the same machine reaches on the trainer's largest product (measured in the same run),
 * and the speed-up over one thread; a table on stdout and, with a JSON path, Google Benchmark
 * JSON written atomically. With --breakdown, each case's profiled steps split into operation
 * classes beside their floors (harness/bench/train_breakdown.h), a table per case after the
 * main one and bd_* counters in its JSON rows. The command (cli/cmd_bench_train.c) reads the
 * options. */
#ifndef BEEX_APP_TRAIN_BENCH_RUN_H
#define BEEX_APP_TRAIN_BENCH_RUN_H

#include "harness/bench/train_bench.h"

enum { BEEX_TRAIN_BENCH_MAX_LIST = 8, BEEX_TRAIN_BENCH_MAX_REPS = 1000 };

typedef struct {
    beex_train_shape shapes[2];
    int nshapes;
    int prec[3], nprec; /* beex_precision values */
    int threads[BEEX_TRAIN_BENCH_MAX_LIST], nthreads;
    int batch, steps, reps;
    double min_time;
    int breakdown_steps; /* profiled steps per case after the timed ones; 0: no breakdown */
    const char *json;    /* or NULL */
} beex_train_bench_opts;

/* Every shape, precision and thread count. Returns the exit status (0, or 1 with the error on
 * stderr). */
int beex_train_bench_run(const beex_train_bench_opts *o);

#endif
