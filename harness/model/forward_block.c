/* One transformer block (docs/model.md sections 2, 3, 3b) on a compacted batch of token rows:
 * MHA (fused Q|K|V layer, per example and head Q K^T, softmax, P V in fp32), residual +
 * post-LN, SLFN (fused BL_1|BL_3 layer, gates, BL_2 and BL_4, product + residual), post-LN.
 * Rows of different examples never mix except inside the row-wise GEMMs. Each operation sits
 * between the profiling hooks of its class (engine_internal.h, docs/benchmarks.md). */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "harness/base/timing.h"
#include "harness/model/engine_internal.h"
#include "harness/model/forward_fp32.h"
#include "harness/model/forward_rows.h"
#include "kernels/team.h"

/* The threads argument of one operation: its share of the engine's threads by its size,
 * marked for the block's team when the block runs in one (kernels/team.h). */
static int op_threads(const beex_engine *e, double work, double grain)
{
    int n = beex_fwd_threads_for(e, work, grain);
    return e->in_team ? beex_in_team(n) : n;
}

typedef struct {
    const float *x, *res, *g, *b;
    float *out;
} ln_args;

static void ln_rows(const beex_engine *e, size_t r0, size_t r1, void *ctx)
{
    const ln_args *a = ctx;
    size_t d = (size_t)e->cfg.d;
    e->ew->add_layernorm(a->x + r0 * d, a->res ? a->res + r0 * d : NULL, r1 - r0, d, d, a->g, a->b,
                         e->cfg.ln_eps, a->out + r0 * d);
}

/* ctx: the block (w8a8 reads the quantizers of BL_2's and BL_4's inputs). */
static void gates_rows(const beex_engine *e, size_t r0, size_t r1, void *ctx)
{
    const beex_fwd_block *k = ctx;
    size_t ff = (size_t)e->cfg.dff, ld = 2 * ff;
    float *h = e->h + r0 * ld;
    if (e->prec == BEEX_PREC_W1A1) {
        e->slfn->gates_pack(h, h + ff, r1 - r0, ff, ld, e->gbits + r0 * e->ldb_ff,
                            e->ubits + r0 * e->ldb_ff, e->ldb_ff, e->gbeta + r0, e->ubeta + r0);
        return;
    }
    e->slfn->gates(h, h + ff, r1 - r0, ff, ld);
    if (e->prec == BEEX_PREC_W8A8) {
        /* g and u in fp32 as in every precision, then quantized for BL_2 and BL_4 with their
         * static scales (g uncentred: docs/model.md section 3b). Cannot fail on valid sizes. */
        (void)beex_i8_quantize_rows(h, r1 - r0, ff, ld, k->w2.inv, e->gq8 + r0 * ff, ff);
        (void)beex_i8_quantize_rows(h + ff, r1 - r0, ff, ld, k->w4.inv, e->uq8 + r0 * ff, ff);
    }
}

/* Calibration (beex_engine_set_observer): raises amax[k] of block b to the largest |value| of
 * m rows of n values (stride ld). One thread of a team scans while the others wait: the
 * observer is for calibration, not for speed. */
static void observe(const beex_engine *e, int b, int k, const float *x, size_t m, size_t n,
                    size_t ld)
{
    float *slot = &e->observe[(size_t)b * BEEX_ACT_INPUTS + (size_t)k];
    if (e->in_team) {
#pragma omp barrier
#pragma omp single
        for (size_t r = 0; r < m; r++)
            for (size_t c = 0; c < n; c++)
                *slot = beex_amax_join(*slot, fabsf(x[r * ld + c]));
        return;
    }
    for (size_t r = 0; r < m; r++)
        for (size_t c = 0; c < n; c++)
            *slot = beex_amax_join(*slot, fabsf(x[r * ld + c]));
}

static void product_rows(const beex_engine *e, size_t r0, size_t r1, void *ctx)
{
    (void)ctx;
    size_t d = (size_t)e->cfg.d;
    /* a2 <- y + a2 (.) a4: the SLFN output plus its residual, ready for LN2. */
    e->slfn->product_add(e->y + r0 * d, e->a2 + r0 * d, e->a4 + r0 * d, e->a2 + r0 * d,
                         (r1 - r0) * d);
}

/* Profiling only: adds the seconds since *t to lap[k] and moves *t on (lap NULL: nothing,
 * one predictable branch). */
static inline void lap_mark(double *lap, int k, double *t)
{
    if (lap != NULL) {
        double now = beex_now_seconds();
        lap[k] += now - *t;
        *t = now;
    }
}

/* O_h = softmax(Q_h K_h^T / sqrt(dh)) V_h for one example and head (layouts in
 * forward_fp32.c's terms: S is computed column-major as K_h Q_h^T, i.e. row-major S). lap:
 * NULL, or this thread's seconds of scores, softmax and P V while profiling. */
static void attend_one(const beex_engine *e, int T, const float *qkv, float *out, int h,
                       float *scratch, double *lap)
{
    int d = e->cfg.d, dh = d / e->cfg.heads, ld = 3 * d;
    const float *q = qkv + h * dh, *k = qkv + d + h * dh, *v = qkv + 2 * d + h * dh;
    float *s = scratch, *kt = scratch + (size_t)e->cfg.max_len * (size_t)e->cfg.max_len;
    double t = lap != NULL ? beex_now_seconds() : 0.0;
    /* kt: K_h as a column-major T x dh matrix (kt[c*T + j] = K[j][c]). */
    for (int j = 0; j < T; j++)
        for (int c = 0; c < dh; c++)
            kt[(size_t)c * T + j] = k[(size_t)j * ld + c];
    /* Column-major C(j, i) = sum_c kt(j, c) Q(c, i): C[i*T + j] = S[i][j] (query i, key j). */
    beex_fp32_small_gemm(T, T, dh, kt, T, q, ld, s, T);
    lap_mark(lap, 0, &t);
    e->ew->softmax_rows(s, (size_t)T, (size_t)T, (size_t)T, 1.0f / sqrtf((float)dh));
    lap_mark(lap, 1, &t);
    /* Column-major O^T(c, i) = sum_j V^T(c, j) P^T(j, i): V rows read in place, P rows too. */
    beex_fp32_small_gemm(dh, T, T, v, ld, s, T, out + h * dh, d);
    lap_mark(lap, 2, &t);
}

/* Job = (example, head); scratch by thread, whichever team runs it. */
static void attend_job(const beex_engine *e, const beex_fwd_batch *batch, int job)
{
    int heads = e->cfg.heads, d = e->cfg.d, tid = omp_get_thread_num();
    int ex = job / heads, h = job % heads;
    float *scratch = e->att_scratch + (size_t)tid * e->att_scratch_per_thread;
    double *lap = e->prof != NULL ? e->prof_att + (size_t)tid * BEEX_PROF_STRIDE : NULL;
    size_t r0 = (size_t)(batch->row0[ex] - batch->base);
    attend_one(e, batch->len[ex], e->qkv + r0 * 3 * (size_t)d, e->att + r0 * (size_t)d, h, scratch,
               lap);
}

/* Profiling: attention's wall time since t0 (thread 0 after the barrier that ends it, or the
 * calling thread) shared by its three classes in proportion to the thread-seconds each took;
 * the per-thread seconds are cleared for the next call. */
static void attention_profiled(const beex_engine *e, double t0)
{
    if (e->in_team && omp_get_thread_num() != 0)
        return;
    double wall = beex_now_seconds() - t0, part[3] = {0.0, 0.0, 0.0};
    for (int t = 0; t < e->threads; t++)
        for (int k = 0; k < 3; k++) {
            part[k] += e->prof_att[(size_t)t * BEEX_PROF_STRIDE + (size_t)k];
            e->prof_att[(size_t)t * BEEX_PROF_STRIDE + (size_t)k] = 0.0;
        }
    double busy = part[0] + part[1] + part[2];
    static const beex_op_class cls[3] = {BEEX_OP_SCORES, BEEX_OP_SOFTMAX, BEEX_OP_AV};
    for (int k = 0; k < 3 && busy > 0.0; k++)
        e->prof->seconds[cls[k]] += wall * part[k] / busy;
}

static void attention(beex_engine *e, const beex_fwd_batch *batch)
{
    int heads = e->cfg.heads, d = e->cfg.d;
    int jobs = batch->n * heads;
    double t0 = beex_prof_start(e);
    double macs = 0.0;
    for (int ex = 0; ex < batch->n; ex++)
        macs += 2.0 * batch->len[ex] * (double)batch->len[ex] * d;
    int nth = beex_fwd_threads_for(e, macs, BEEX_GRAIN_ATTENTION_MACS);
    nth = nth < jobs ? nth : jobs;
    if (e->in_team && nth <= 1) {
#pragma omp single
        for (int job = 0; job < jobs; job++)
            attend_job(e, batch, job);
    } else if (e->in_team) {
#pragma omp for schedule(dynamic, 1)
        for (int job = 0; job < jobs; job++)
            attend_job(e, batch, job);
    } else {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth > 0 ? nth : 1)
        for (int job = 0; job < jobs; job++)
            attend_job(e, batch, job);
    }
    if (e->prof != NULL)
        attention_profiled(e, t0);
}

/* w8a8: x quantized with the layer's static scale (class PACK, where w1a1 packs), then the
 * int8 product. */
static int linear_int8(beex_engine *e, const beex_fwd_linear *l, size_t m, const float *x,
                       size_t ldx, float *y, size_t ldy)
{
    double macs = (double)m * l->out * l->in, t0 = beex_prof_start(e);
    size_t ldq = (size_t)l->in;
    int rc = beex_fwd_quantize_rows(x, m, (size_t)l->in, ldx, l->inv, e->q8, ldq,
                                    op_threads(e, (double)m * l->in, BEEX_GRAIN_ELEMENTS));
    beex_prof_stop(e, BEEX_OP_PACK, t0);
    if (rc != BEEX_OK)
        return rc;
    t0 = beex_prof_start(e);
    rc = beex_fwd_linear_run_int8(l, m, e->q8, ldq, y, ldy,
                                  op_threads(e, macs, BEEX_GRAIN_INT8_MACS));
    beex_prof_stop(e, BEEX_OP_GEMM, t0);
    return rc;
}

/* y = layer(x) for whichever precision; w1a1 packs x (centred by the layer's c) first, w8a8
 * quantizes it. */
static int linear(beex_engine *e, const beex_fwd_linear *l, size_t m, const float *x, size_t ldx,
                  float *y, size_t ldy)
{
    if (e->prec == BEEX_PREC_W8A8)
        return linear_int8(e, l, m, x, ldx, y, ldy);
    double macs = (double)m * l->out * l->in, t0 = beex_prof_start(e);
    int rc;
    if (e->prec != BEEX_PREC_W1A1) {
        rc = beex_fwd_linear_run(l, e->prec, m, x, ldx, y, ldy,
                                 op_threads(e, macs, BEEX_GRAIN_FP32_MACS));
        beex_prof_stop(e, BEEX_OP_GEMM, t0);
        return rc;
    }
    rc = beex_fwd_pack_rows((int)e->isa, x, m, (size_t)l->in, ldx, l->c, e->bits, e->ldb_d, e->beta,
                            op_threads(e, (double)m * l->in, BEEX_GRAIN_ELEMENTS));
    beex_prof_stop(e, BEEX_OP_PACK, t0);
    if (rc != BEEX_OK)
        return rc;
    t0 = beex_prof_start(e);
    rc = beex_fwd_linear_run_packed(l, m, e->bits, e->ldb_d, e->beta, y, ldy,
                                    op_threads(e, macs, BEEX_GRAIN_BINARY_MACS));
    beex_prof_stop(e, BEEX_OP_GEMM, t0);
    return rc;
}

/* beex_fwd_rows_chunked as one operation of class c (rows end at a barrier in a team). */
static void rows_op(beex_engine *e, beex_op_class c, size_t n,
                    void (*fn)(const beex_engine *, size_t, size_t, void *), void *ctx)
{
    double t0 = beex_prof_start(e);
    beex_fwd_rows_chunked(e, n, fn, ctx);
    beex_prof_stop(e, c, t0);
}

/* One group: x points at the group's first row. In a team every thread runs this with the
 * same arguments, so every worksharing step and barrier is met by all (and every check that
 * returns early returns in all threads alike). */
static int block_ops(beex_engine *e, int b, float *x, const beex_fwd_batch *batch)
{
    const beex_fwd_block *k = &e->blocks[b];
    size_t m = batch->rows, d = (size_t)e->cfg.d, ff = (size_t)e->cfg.dff;
    int rc;
    if (m == 0)
        return BEEX_OK;
    /* MHA. */
    if (e->observe != NULL)
        observe(e, b, BEEX_ACT_X, x, m, d, d);
    if ((rc = linear(e, &k->qkv, m, x, d, e->qkv, 3 * d)) != BEEX_OK)
        return rc;
    attention(e, batch);
    if (e->observe != NULL)
        observe(e, b, BEEX_ACT_ATT, e->att, m, d, d);
    if ((rc = linear(e, &k->o, m, e->att, d, e->a2, d)) != BEEX_OK)
        return rc;
    ln_args ln1 = {x, e->a2, k->ln1_g, k->ln1_b, e->y};
    rows_op(e, BEEX_OP_LAYERNORM, m, ln_rows, &ln1);

    /* SLFN. */
    if (e->observe != NULL)
        observe(e, b, BEEX_ACT_Y, e->y, m, d, d);
    if ((rc = linear(e, &k->w13, m, e->y, d, e->h, 2 * ff)) != BEEX_OK)
        return rc;
    rows_op(e, BEEX_OP_SLFN, m, gates_rows, (void *)k);
    if (e->observe != NULL) {
        observe(e, b, BEEX_ACT_G, e->h, m, ff, 2 * ff);
        observe(e, b, BEEX_ACT_U, e->h + ff, m, ff, 2 * ff);
    }
    double macs = (double)m * d * ff, t0 = beex_prof_start(e);
    if (e->prec == BEEX_PREC_W8A8) {
        int nth = op_threads(e, macs, BEEX_GRAIN_INT8_MACS);
        rc = beex_fwd_linear_run_int8(&k->w2, m, e->gq8, ff, e->a2, d, nth);
        if (rc == BEEX_OK)
            rc = beex_fwd_linear_run_int8(&k->w4, m, e->uq8, ff, e->a4, d, nth);
    } else if (e->prec == BEEX_PREC_W1A1) {
        int nth = op_threads(e, macs, BEEX_GRAIN_BINARY_MACS);
        rc = beex_fwd_linear_run_packed(&k->w2, m, e->gbits, e->ldb_ff, e->gbeta, e->a2, d, nth);
        if (rc == BEEX_OK)
            rc =
                beex_fwd_linear_run_packed(&k->w4, m, e->ubits, e->ldb_ff, e->ubeta, e->a4, d, nth);
    } else {
        int nth = op_threads(e, macs, BEEX_GRAIN_FP32_MACS);
        rc = beex_fwd_linear_run(&k->w2, e->prec, m, e->h, 2 * ff, e->a2, d, nth);
        if (rc == BEEX_OK)
            rc = beex_fwd_linear_run(&k->w4, e->prec, m, e->h + ff, 2 * ff, e->a4, d, nth);
    }
    beex_prof_stop(e, BEEX_OP_GEMM, t0);
    if (rc != BEEX_OK)
        return rc;
    rows_op(e, BEEX_OP_SLFN, m, product_rows, NULL);
    ln_args ln2 = {e->a2, NULL, k->ln2_g, k->ln2_b, x};
    rows_op(e, BEEX_OP_LAYERNORM, m, ln_rows, &ln2);
    return BEEX_OK;
}

/* One OpenMP region per group and block, sized by its largest product (the SLFN's BL_1|BL_3):
 * inside it each operation takes its share of the team by its own size and ends at a barrier
 * (kernels/team.h), where one region per operation cost a fork and a join each, about a
 * hundred and fifty per BERT-base pass. Work too small to share runs on the calling thread
 * without a region, as before. */
static int block_group(beex_engine *e, int b, float *x, const beex_fwd_batch *batch)
{
    double macs = (double)batch->rows * e->cfg.d * 2.0 * e->cfg.dff;
    double grain = e->prec == BEEX_PREC_W1A1   ? BEEX_GRAIN_BINARY_MACS
                   : e->prec == BEEX_PREC_W8A8 ? BEEX_GRAIN_INT8_MACS
                                               : BEEX_GRAIN_FP32_MACS;
    int nth = beex_fwd_threads_for(e, macs, grain);
    if (nth <= 1 || e->fork_per_op)
        return block_ops(e, b, x, batch);
    int rc = BEEX_OK;
    e->in_team = 1;
#pragma omp parallel num_threads(nth)
    {
        int r = block_ops(e, b, x, batch);
        if (r != BEEX_OK) {
#pragma omp atomic write
            rc = r;
        }
    }
    e->in_team = 0;
    return rc;
}

int beex_fwd_block_run(beex_engine *e, int b, const beex_fwd_batch *batch)
{
    size_t cap =
        BEEX_FWD_GROUP_ROWS > (size_t)e->cfg.max_len ? BEEX_FWD_GROUP_ROWS : (size_t)e->cfg.max_len;
    for (int i = 0; i < batch->n;) {
        int j = i;
        size_t rows = 0;
        while (j < batch->n && (j == i || rows + (size_t)batch->len[j] <= cap))
            rows += (size_t)batch->len[j++];
        beex_fwd_batch g = {j - i, batch->len + i, batch->row0 + i, rows, batch->row0[i]};
        int rc = block_group(e, b, e->x + (size_t)batch->row0[i] * (size_t)e->cfg.d, &g);
        if (rc != BEEX_OK)
            return rc;
        i = j;
    }
    return BEEX_OK;
}

void beex_fwd_exit_head(const beex_engine *e, int b, const float *x_rows, int len, float *p,
                        float *logits)
{
    const beex_fwd_block *k = &e->blocks[b];
    int d = e->cfg.d;
    /* Mean over the T real tokens, summed in token order (independent of batching). */
    for (int c = 0; c < d; c++)
        p[c] = 0.0f;
    for (int t = 0; t < len; t++)
        for (int c = 0; c < d; c++)
            p[c] += x_rows[(size_t)t * d + c];
    float inv = 1.0f / (float)len;
    for (int c = 0; c < d; c++)
        p[c] *= inv;
    for (int j = 0; j < e->cfg.classes; j++) {
        float acc = 0.0f;
        for (int c = 0; c < d; c++)
            acc += k->exit_w[(size_t)j * d + c] * p[c];
        logits[j] = acc + k->exit_b[j];
    }
}
