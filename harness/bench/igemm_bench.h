/* The int8 GEMM benchmark's measurements (`beex bench gemm --op w8a8`): per shape and thread
 * count, beex_igemm_w8a8 on every variant asked for and the int8 products of two outside
 * libraries (oneDNN's matmul, libxsmm's int8 kernels) on the same operands, each checked once
 * against beex's result before it is timed, then all timed in interleaved rounds
 * (interleave.h), with each variant's int8 bound loop (ibound.h) measured in the same run. */
#ifndef BEEX_BENCH_IGEMM_BENCH_H
#define BEEX_BENCH_IGEMM_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "harness/base/timing.h"
#include "harness/bench/bgemm_bench.h"
#include "harness/bench/ratio_interval.h"
#include "kernels/cpu.h"

/* The operands of one shape, as the model's int8 products get them
 * (harness/model/forward_linear.c): activations quantized with one per-tensor scale (folded
 * into scale_w, so scale_a is NULL) before anything is timed, weights int8 in [-127, 127]
 * (N rows of K), a per-output-channel scale and a bias; and beex's result on them, the
 * reference every case is checked against. */
typedef struct {
    beex_gemm_shape s;
    int8_t *a;        /* M x K, row stride K */
    int8_t *w;        /* N x K, row stride K */
    float *scale_w;   /* N */
    float *bias;      /* N */
    int32_t *ref_dot; /* M x N: beex_igemm_dot */
    float *ref_y;     /* M x N: beex_igemm_w8a8 (scale_a NULL) */
    char ref_variant[16];
} beex_idata;

/* Random operands (a fixed stream, the same for every call with the same shape) and the
 * reference from the igemm family's own pick on `threads` threads. NULL with err set. */
beex_idata *beex_idata_new(beex_gemm_shape s, int threads, char *err, size_t errlen);
void beex_idata_free(beex_idata *d);

/* The tolerance of an fp32 output against the reference: |y - ref| <= BEEX_IGEMM_F32_TOL *
 * (|(float)dot * scale_w| + |bias|) per element, 8 units of fp32 rounding of the two terms:
 * room for a library that rounds the scale and the bias in another order or fuses them
 * (one FMA), never for a wrong integer sum (one unit of dot is at least 1 / |dot| of t). */
#define BEEX_IGEMM_F32_TOL (8.0 * 1.1920928955078125e-07)

/* Compares a case's output with d's reference: dot (if not NULL) must equal ref_dot exactly;
 * y (if not NULL) must equal ref_y bit for bit when exact, else within BEEX_IGEMM_F32_TOL
 * (NaN never passes). Returns 0 when it matches, else 1 with msg naming how many elements
 * differ and the first of them. */
int beex_idata_check(const beex_idata *d, const int32_t *dot, const float *y, int exact, char *msg,
                     size_t msglen);

/* One thing timed: a beex variant or a peer library, ready to run on d's operands. The
 * constructors below fill it; beex_icase_run and beex_icase_free go through run and done. */
typedef struct beex_icase {
    int (*run)(void *ctx, int threads); /* one call: 0, or -1 when it failed */
    void (*done)(void *ctx);            /* frees ctx */
    void *ctx;
    char impl[256]; /* what runs, for the report */
} beex_icase;

/* What a case constructor returns besides a case: the case is absent (the library is not
 * built in, the CPU or the shape is not supported, a call failed: why says which), or its
 * result differed from beex's (why says how; the case must not be timed). */
enum { BEEX_ICASE_OK = 0, BEEX_ICASE_ABSENT = 1, BEEX_ICASE_MISMATCH = 2 };

/* beex_igemm_w8a8 on variant isa (weights repacked once), checked bit for bit against the
 * reference. ABSENT when the igemm family does not run isa here (why: igemm.h's
 * beex_igemm_missing, or the variant it would fall back to). */
int beex_icase_variant(const beex_idata *d, beex_isa isa, int threads, beex_icase **out, char *why,
                       size_t whylen);

/* oneDNN's int8 matmul (igemm_bench_dnnl.c): s8 activations x s8 weights reordered once to
 * the layout the primitive asks for, f32 output with the per-channel scales as output scales
 * and the bias as a binary post-op, one primitive per shape executed on one stream; checked
 * through an s32-output primitive (exact) and the f32 one (BEEX_IGEMM_F32_TOL). */
int beex_icase_dnnl(const beex_idata *d, int threads, beex_icase **out, char *why, size_t whylen);

/* libxsmm's int8 kernels (igemm_bench_libxsmm.c): the u8 x s8 -> s32 small GEMM
 * (libxsmm_usbimmdispatch) on 64-column weight panels stored +128 in libxsmm's VNNI layout,
 * the offset removed per row (128 * sum_k a_ik) and the write-back of igemm.h applied per
 * tile; checked exactly (the same write-back). */
int beex_icase_libxsmm(const beex_idata *d, int threads, beex_icase **out, char *why,
                       size_t whylen);

/* One timed call of the case on `threads` threads: 0, or -1 when the call failed. */
int beex_icase_run(beex_icase *c, int threads);
/* What ran, for the report: the variant, or the library with its version, runtime and chosen
 * implementation. */
const char *beex_icase_impl(const beex_icase *c);
void beex_icase_free(beex_icase *c);

/* The library behind each peer, for the report, whether or not it is usable here: version
 * and threading runtime ("oneDNN 2.6.3, OpenMP runtime"), or why it is absent from this
 * build. Never NULL. */
const char *beex_dnnl_describe(void);
const char *beex_libxsmm_i8_describe(void);

/* --- a shape's measurement: every case, interleaved --- */

enum { BEEX_IBENCH_MAX_CASES = BEEX_ISA_COUNT + 2 };

/* One row: a variant or a peer, with its repetitions (round r's time at rep_seconds[r]) or
 * the reason it has none. */
typedef struct {
    char name[16];       /* variant name, "onednn" or "libxsmm" */
    int peer;            /* 0: a beex variant; 1: an outside library */
    beex_isa isa;        /* variants */
    int status;          /* BEEX_ICASE_OK (timed), _ABSENT or _MISMATCH */
    char why[320];       /* absent or mismatch: the reason */
    char impl[256];      /* what ran */
    double *rep_seconds; /* reps entries, in round order (owned) */
    beex_stats seconds;
    double macs_per_s;       /* M*N*K / median seconds */
    double bound;            /* the variant's int8 bound, MAC/s (best of its runs); NAN if none */
    double bound_ratio;      /* macs_per_s / bound */
    double bound_ratio_best; /* the same from the fastest repetition */
} beex_irow;

typedef struct {
    beex_gemm_shape s;
    int threads, reps;
    const int *use;       /* [BEEX_ISA_COUNT]: the variants asked for (scalar always runs;
                             one whose igemm code does not run here is a row with its reason) */
    int dnnl, libxsmm;    /* the peers asked for */
    double bound_seconds; /* shortest bound-loop run */
    uint64_t seed;        /* of the round orders */
} beex_ibench_plan;

/* Builds the cases of the plan (checking the peers), times `reps` rounds of one warm-up call
 * and one timed call per case in a seeded order, then each variant's bound loop (best of 15
 * short runs). rows[0..*nrows) receive every case asked for, timed or not: the variants in
 * beex_isa order, then oneDNN and libxsmm. A peer whose call fails during the rounds becomes
 * absent. Returns 0, or -1 with err set (operands out of memory, a beex variant failing or
 * disagreeing with the reference). */
int beex_ibench_shape(const beex_ibench_plan *p, beex_irow *rows, int *nrows, char *err,
                      size_t errlen);
void beex_irows_free(beex_irow *rows, int nrows);

/* Row i against the scalar variant and the two peers: vs[k] holds, round by round, the other
 * row's time over row i's (a ratio above 1: row i is faster), its median with its interval
 * (ratio_interval.h); vs[k].n is 0 where either row was not timed. */
enum { BEEX_IVS_SCALAR, BEEX_IVS_ONEDNN, BEEX_IVS_LIBXSMM, BEEX_IVS_COUNT };
void beex_irow_ratios(const beex_irow *rows, int nrows, int i, int reps, uint64_t seed,
                      beex_ratio_ci vs[BEEX_IVS_COUNT]);

#endif
