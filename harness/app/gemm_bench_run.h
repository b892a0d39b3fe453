/* `beex bench gemm`'s run: per thread count and shape, the libxsmm fp32 row (when compared),
 * then the binarized GEMMs of every reported variant with the spread of their repetitions and
 * three ratios measured in the same run: against the variant's own in-register bound loop,
 * against the scalar variant, and against libxsmm fp32; with the ceiling option, each row on
 * more than one thread also against the sum of the kernel's single-thread speeds on the cores
 * (harness/bench/core_ceiling.h). With the w8a8 op, the int8 GEMM of every variant and its
 * two peers (oneDNN, libxsmm int8) on the same shapes, timed in interleaved rounds against
 * each variant's int8 bound loop (harness/bench/igemm_bench.h). The table goes to stdout and,
 * with a JSON path, a Google Benchmark document is written atomically. The command
 * (cli/cmd_bench_gemm.c) reads the options. */
#ifndef BEEX_APP_GEMM_BENCH_RUN_H
#define BEEX_APP_GEMM_BENCH_RUN_H

#include <stdint.h>

#include "harness/bench/bgemm_bench.h"
#include "kernels/cpu.h"

/* BEEX_GEMM_BENCH_MAX_REPS bounds --reps so the repetitions of one row fit on the stack. */
enum {
    BEEX_GEMM_BENCH_MAX_SHAPES = 64,
    BEEX_GEMM_BENCH_MAX_THREADS = 8,
    BEEX_GEMM_BENCH_MAX_REPS = 10000
};

typedef struct {
    beex_gemm_shape shapes[BEEX_GEMM_BENCH_MAX_SHAPES];
    int nshapes;
    int use[BEEX_ISA_COUNT]; /* variants to report (scalar always is) */
    int threads[BEEX_GEMM_BENCH_MAX_THREADS];
    int nthreads;
    int ops[2]; /* w1a1, w1a32 */
    int w8a8;   /* the int8 GEMM, its bound and its peers */
    int reps;
    double bound_seconds;
    int libxsmm;      /* measure the libxsmm fp32 row (only in a build with libxsmm) */
    int dnnl_i8;      /* w8a8: the oneDNN peer (reported absent, with why, when not built) */
    int libxsmm_i8;   /* w8a8: the libxsmm int8 peer (the same) */
    uint64_t seed;    /* w8a8: the order of the interleaved rounds and the ratios' intervals */
    int ceiling;      /* every binary row on more than one thread against its cores' ceiling */
    const char *json; /* Google Benchmark JSON path, or NULL */
} beex_gemm_bench_opts;

/* Every thread count, every shape: the bound loops' note, the table and the JSON. Returns the
 * exit status (0, or 1 with the error on stderr). */
int beex_gemm_bench_run(const beex_gemm_bench_opts *o);

#endif
