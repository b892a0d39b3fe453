/* The binarized GEMM benchmark's measurements (`beex bench gemm`): one row per operation,
 * variant, shape and thread count, with its timing spread and the ratios measured in the same
 * run (against the variant's in-register bound, the scalar variant and libxsmm fp32). */
#ifndef BEEX_BENCH_BGEMM_BENCH_H
#define BEEX_BENCH_BGEMM_BENCH_H

#include <stddef.h>

#include "harness/base/timing.h"
#include "harness/bench/core_ceiling.h"
#include "kernels/cpu.h"

typedef enum { BEEX_GEMM_OP_W1A1 = 0, BEEX_GEMM_OP_W1A32, BEEX_GEMM_OP_FP32 } beex_gemm_op;

typedef struct {
    size_t m, n, k;
} beex_gemm_shape;

typedef struct {
    beex_gemm_op op;
    const char *variant; /* "scalar", "avx2", ... or "libxsmm" for the fp32 row */
    beex_gemm_shape shape;
    int threads;
    beex_stats seconds;
    double macs_per_s;           /* M*N*K / median seconds (bMAC/s for the binary ops) */
    double bound;                /* measured bound of the variant, bMAC/s; NAN if none */
    double bound_ratio;          /* macs_per_s / bound; NAN if none */
    double bound_ratio_best;     /* the same from the fastest repetition (shared-machine view) */
    double vs_scalar;            /* scalar median / this median; NAN if unknown */
    double vs_libxsmm;           /* libxsmm fp32 median / this median; NAN if unknown */
    const double *rep_seconds;   /* the repetitions in the order run (reps of them) */
    const beex_ceiling *ceiling; /* --ceiling: this op against its cores, or NULL */
    const int *ceiling_cpus;     /* the OS numbers of ceiling->ncpus CPUs */
    /* Google Benchmark's numbering: a family is one op/variant pair, an instance one shape x
     * thread count within it (shapes outer, threads inner, as GB orders Args x ThreadRange). */
    int family_index;
    int instance_index;
} beex_gemm_row;

const char *beex_gemm_op_name(beex_gemm_op op);

/* Times `reps` calls (after one warm-up) of one binary op on one variant. Random operands.
 * Returns 0, or -1 with err set (allocation, unavailable variant, kernel error). */
int beex_bench_binary(beex_gemm_op op, beex_isa isa, beex_gemm_shape s, int threads, int reps,
                      beex_stats *out, double *rep_seconds, char *err, size_t errlen);

/* The operands of one binary op on one variant (random, as beex_bench_binary uses them),
 * for callers that time the calls their own way (the ceiling, bgemm_bench_ceiling.c). NULL
 * with err set on failure (allocation, unavailable variant). */
typedef struct beex_gemm_operands beex_gemm_operands;
beex_gemm_operands *beex_gemm_operands_new(beex_gemm_op op, beex_isa isa, beex_gemm_shape s,
                                           char *err, size_t errlen);
/* One call on `threads` threads (kernels/team.h's convention). Returns the kernel's status. */
int beex_gemm_operands_call(beex_gemm_operands *g, int threads);
void beex_gemm_operands_free(beex_gemm_operands *g);

/* One op on one variant against its multi-core ceiling (core_ceiling.h): the kernel alone on
 * each core this process may use (beex_threads_setup has run: cpus[0..*ncpus) receive their
 * OS numbers) and on `threads` threads, interleaved over `rounds` rounds; the ratio's target
 * is 0.9. Returns 0, or -1 with err set. */
int beex_bench_ceiling(beex_gemm_op op, beex_isa isa, beex_gemm_shape s, int threads, int rounds,
                       beex_ceiling *out, int *cpus, int *ncpus, char *err, size_t errlen);

/* The same for libxsmm fp32: C = A * B through libxsmm_smmdispatch kernels on 64 x 64 x 64
 * blocks (libxsmm JITs only small GEMMs; 64^3 is its LIBXSMM_MAX_MNK), OpenMP over column
 * blocks. */
int beex_bench_libxsmm(beex_gemm_shape s, int threads, int reps, beex_stats *out,
                       double *rep_seconds, char *err, size_t errlen);

#endif
