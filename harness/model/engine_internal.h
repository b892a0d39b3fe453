/* The engine's private state, shared by engine.c (creation, repacking), engine_run.c
 * (batches, exits, compaction) and forward_block.c (one block on a compacted batch). */
#ifndef BEEX_MODEL_ENGINE_INTERNAL_H
#define BEEX_MODEL_ENGINE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "harness/model/engine.h"
#include "harness/model/forward_linear.h"
#include "kernels/elementwise.h"
#include "kernels/slfn.h"

typedef struct {
    beex_fwd_linear qkv; /* BL_q | BL_k | BL_v: one GEMM, out = 3d */
    beex_fwd_linear o;
    beex_fwd_linear w13; /* BL_1 | BL_3: out = 2 dff */
    beex_fwd_linear w2;  /* c = 0.5 in w1a1; its input g uncentred in w8a8 */
    beex_fwd_linear w4;
    float *ln1_g, *ln1_b, *ln2_g, *ln2_b; /* d each */
    float *exit_w, *exit_b;               /* classes x d, classes */
} beex_fwd_block;

/* The examples still running, stored back to back: example k owns rows
 * [row0[k], row0[k] + len[k]) of x. A block runs over groups of consecutive examples of at
 * most BEEX_FWD_GROUP_ROWS rows (or one example), so that the group's intermediate buffers
 * (Q|K|V, the SLFN hidden layer) stay in cache; inside a group example k's rows start at
 * row0[k] - base. The binary GEMM runs as fast at M = 128 as at 4096; on BERT-base, w1a1
 * batch 16 took 34 ms of CPU per example with 128-row groups against 40 with 512. */
#define BEEX_FWD_GROUP_ROWS 128
typedef struct {
    int n;
    const int *len, *row0;
    size_t rows;
    int base;
} beex_fwd_batch;

struct beex_engine {
    beex_config cfg;
    beex_precision prec;
    beex_isa isa;
    int threads; /* team size used in every parallel step */
    const beex_slfn_ops *slfn;
    const beex_elementwise_ops *ew;
    const char *fp32_note; /* NULL, or why the fp32 products fall back to plain loops */

    /* Embeddings: fp32 rows, binarized rows gamma_v * sign(E[v]), or int8 rows se_v * q_v. */
    float *tok;        /* vocab x d (fp32 precision) */
    uint8_t *tok_bits; /* vocab x ceil(d/8) (binarized precisions) */
    float *tok_gamma;  /* vocab */
    int8_t *tok_q8;    /* vocab x d (w8a8) */
    float *tok_qscale; /* vocab (w8a8) */
    float *pos;        /* max_len x d */
    beex_fwd_block *blocks;

    /* Scratch: x grown on demand to cap_rows token rows, the rest to one group. */
    size_t cap_rows;
    float *x, *qkv, *att, *y, *h, *a2, *a4;
    uint8_t *bits, *gbits, *ubits;
    float *beta, *gbeta, *ubeta;
    int8_t *q8, *gq8, *uq8; /* w8a8 only (else NULL): the quantized x / concat O_h / y, g, u */
    size_t ldb_d, ldb_ff;   /* packed row bytes for d and dff wide rows */
    float *att_scratch;     /* per thread: max_len^2 scores + dh x max_len transposed keys */
    size_t att_scratch_per_thread;

    /* Splitting a batch across examples: single-threaded workers sharing this engine's
     * weights (is_worker = 1: they own only their scratch). Created on first use. */
    beex_engine_split split;
    int is_worker;
    /* Threads inside operations: one OpenMP region per block (in_team while it runs), or,
     * with BEEX_FORK_PER_OP=1 in the environment, one per operation (the old way, kept to
     * measure the difference in one binary). */
    int in_team, fork_per_op;
    /* BEEX_GRAIN_SCALE (tests): the grains below times this; 0 shares every operation. */
    double grain_scale;
    beex_engine **workers;

    /* Profiling (beex_engine_set_profile): NULL when off. prof_att holds each thread's
     * seconds of attention's three classes (BEEX_PROF_STRIDE doubles a thread, a cache line
     * apart); worker_prof one profile per worker of an across-examples split. */
    beex_op_profile *prof;
    double *prof_att;
    beex_op_profile *worker_prof;

    /* Calibration (beex_engine_set_observer): NULL when off; else blocks x BEEX_ACT_INPUTS
     * amax values the fp32 pass raises. worker_obs: one such array per worker of a split. */
    float *observe;
    float *worker_obs;
};

/* amax kept order-free: the larger, and a NaN sticks once seen (so a calibration over a pass
 * that overflowed fails whichever thread saw it). */
static inline float beex_amax_join(float a, float v)
{
    return v > a || v != v ? v : a;
}

#define BEEX_PROF_STRIDE 8

/* The profiling hooks around one operation: beex_prof_start before it, beex_prof_stop after
 * the barrier that ends it. Off (prof NULL) each is one predictable branch. In a team only
 * thread 0 reads the clock: every thread runs the same operations between the same
 * barriers, so its time is the operation's wall time. */
double beex_prof_clock(const beex_engine *e);
void beex_prof_add(const beex_engine *e, beex_op_class c, double t0);
static inline double beex_prof_start(const beex_engine *e)
{
    return e->prof != NULL ? beex_prof_clock(e) : 0.0;
}
static inline void beex_prof_stop(const beex_engine *e, beex_op_class c, double t0)
{
    if (e->prof != NULL)
        beex_prof_add(e, c, t0);
}

/* The workers for an across-examples split (e->threads of them), created once. */
int beex_engine_workers(beex_engine *e);

/* Makes room for `rows` token rows. Returns 0 or BEEX_ENOMEM. */
int beex_engine_reserve(beex_engine *e, size_t rows);

/* Block b (0-based) on the rows of the current batch: x in, x out (e->x). */
int beex_fwd_block_run(beex_engine *e, int b, const beex_fwd_batch *batch);

/* Exit head of block b on one example's rows: pooled (d, scratch) = mean_t x[t], logits. */
void beex_fwd_exit_head(const beex_engine *e, int b, const float *x_rows, int len, float *pooled,
                        float *logits);

/* How many of the engine's threads an operation of `work` units should use: one per `grain`
 * units at most, so that an operation too small to share runs on the calling thread (a fork
 * and join cost more than it saves: two threads were 0.5x of one at batch 1 on a small
 * model). The grains (units per extra thread, about 20 us of one core's work):
 *   fp32 and w1a32 products: multiply-adds;  w1a1 products: binary multiply-adds;
 *   w8a8 products: int8 multiply-adds (a guess between the two: no int8 measurement yet);
 *   attention: multiply-adds of Q K^T and P V;  row-wise elementwise work: elements. */
#define BEEX_GRAIN_FP32_MACS 1.0e6
#define BEEX_GRAIN_BINARY_MACS 1.6e7
#define BEEX_GRAIN_INT8_MACS 4.0e6
#define BEEX_GRAIN_ATTENTION_MACS 1.0e6
#define BEEX_GRAIN_ELEMENTS 3.2e4
static inline int beex_fwd_threads_for(const beex_engine *e, double work, double grain)
{
    double most = e->grain_scale > 0.0 ? work / (grain * e->grain_scale) : (double)e->threads;
    int n = most < 1.0 ? 1 : most > (double)e->threads ? e->threads : (int)most;
    return n < 1 ? 1 : n;
}

#endif
