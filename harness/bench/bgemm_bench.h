/* The binarized GEMM benchmark's measurements (`beex bench gemm`): one row per operation,
 * variant, shape and thread count, with its timing spread and the ratios measured in the same
 * run (against the variant's in-register bound, the scalar variant and libxsmm fp32). */
#ifndef BEEX_BENCH_BGEMM_BENCH_H
#define BEEX_BENCH_BGEMM_BENCH_H

#include <stddef.h>

#include "harness/base/timing.h"
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
    double macs_per_s;         /* M*N*K / median seconds (bMAC/s for the binary ops) */
    double bound;              /* measured bound of the variant, bMAC/s; NAN if none */
    double bound_ratio;        /* macs_per_s / bound; NAN if none */
    double bound_ratio_best;   /* the same from the fastest repetition (shared-machine view) */
    double vs_scalar;          /* scalar median / this median; NAN if unknown */
    double vs_libxsmm;         /* libxsmm fp32 median / this median; NAN if unknown */
    const double *rep_seconds; /* the repetitions in the order run (reps of them) */
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

/* The same for libxsmm fp32: C = A * B through libxsmm_smmdispatch kernels on 64 x 64 x 64
 * blocks (libxsmm JITs only small GEMMs; 64^3 is its LIBXSMM_MAX_MNK), OpenMP over column
 * blocks. */
int beex_bench_libxsmm(beex_gemm_shape s, int threads, int reps, beex_stats *out,
                       double *rep_seconds, char *err, size_t errlen);

#endif
