/* Batches through the blocks with early exit (docs/exit-rules.md): after every block each
 * running example gets its exit head and entropy; those that exit leave the batch and the
 * survivors' rows are moved together (compaction), so the next block's GEMMs only see
 * rows that still need work. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/timing.h"
#include "harness/model/cost.h"
#include "harness/model/engine_internal.h"
#include "harness/model/exit.h"
#include "kernels/pack.h"

static void embed_example(const beex_engine *e, const int32_t *ids, int T, float *x)
{
    size_t d = (size_t)e->cfg.d, rb = beex_packed_row_bytes(d);
    for (int t = 0; t < T; t++) {
        float *row = x + (size_t)t * d;
        const float *pos = e->pos + (size_t)t * d;
        size_t v = (size_t)ids[t];
        if (e->prec == BEEX_PREC_FP32) {
            const float *tok = e->tok + v * d;
            for (size_t c = 0; c < d; c++)
                row[c] = tok[c] + pos[c];
        } else if (e->prec == BEEX_PREC_W8A8) {
            /* E[v] = se_v * q_v (docs/model.md section 3b), then the position in fp32. */
            const int8_t *q = e->tok_q8 + v * d;
            float se = e->tok_qscale[v];
            for (size_t c = 0; c < d; c++)
                row[c] = se * (float)q[c] + pos[c];
        } else {
            /* A set bit is -gamma: the sign bit of gamma flipped, written as an integer XOR
             * so the loop vectorizes (the branchy form ran at about 1 % of its memory floor
             * in `bench model --breakdown`); -g and the flipped sign are the same float. */
            const uint8_t *bits = e->tok_bits + v * rb;
            uint32_t gbits;
            memcpy(&gbits, &e->tok_gamma[v], sizeof gbits);
            for (size_t c = 0; c < d; c++) {
                uint32_t u = gbits ^ ((uint32_t)((bits[c >> 3] >> (c & 7)) & 1u) << 31);
                float s;
                memcpy(&s, &u, sizeof s);
                row[c] = s + pos[c];
            }
        }
    }
}

/* Profiling a split: each worker adds into a profile of its own, zeroed here; or, with
 * profiling off, none. */
static int worker_profiles(beex_engine *e)
{
    if (e->prof == NULL) {
        for (int t = 0; t < e->threads; t++)
            e->workers[t]->prof = NULL;
        return BEEX_OK;
    }
    if (e->worker_prof == NULL &&
        (e->worker_prof = calloc((size_t)e->threads, sizeof *e->worker_prof)) == NULL)
        return BEEX_ENOMEM;
    for (int t = 0; t < e->threads; t++) {
        beex_engine *w = e->workers[t];
        if (w->prof_att == NULL &&
            (w->prof_att = calloc(BEEX_PROF_STRIDE, sizeof *w->prof_att)) == NULL)
            return BEEX_ENOMEM;
        memset(&e->worker_prof[t], 0, sizeof e->worker_prof[t]);
        w->prof = &e->worker_prof[t];
    }
    return BEEX_OK;
}

/* The workers ran side by side: each class gets the split's wall time in proportion to the
 * thread-seconds the workers spent in it, so the classes never sum past the wall time and
 * the workers' waiting for the slowest is left in "other". */
static void merge_worker_profiles(beex_engine *e, int nth, double t0)
{
    double wall = beex_now_seconds() - t0, busy = 0.0;
    for (int t = 0; t < nth; t++)
        busy += e->worker_prof[t].total_seconds;
    for (int c = 0; c < BEEX_OP_CLASSES && busy > 0.0; c++) {
        double s = 0.0;
        for (int t = 0; t < nth; t++)
            s += e->worker_prof[t].seconds[c];
        e->prof->seconds[c] += wall * s / busy;
    }
}

/* Calibrating a split: each worker raises an amax array of its own, zeroed here, merged into
 * the engine's after the split (a maximum: the order of the merge changes nothing). */
static void worker_observers(beex_engine *e, int nth)
{
    size_t n = (size_t)e->cfg.blocks * BEEX_ACT_INPUTS;
    for (int t = 0; t < e->threads; t++)
        e->workers[t]->observe = NULL;
    if (e->observe == NULL)
        return;
    memset(e->worker_obs, 0, (size_t)nth * n * sizeof *e->worker_obs);
    for (int t = 0; t < nth; t++)
        e->workers[t]->observe = e->worker_obs + (size_t)t * n;
}

static void merge_worker_observers(beex_engine *e, int nth)
{
    size_t n = (size_t)e->cfg.blocks * BEEX_ACT_INPUTS;
    for (int t = 0; e->observe != NULL && t < nth; t++)
        for (size_t k = 0; k < n; k++)
            e->observe[k] = beex_amax_join(e->observe[k], e->worker_obs[(size_t)t * n + k]);
}

/* Across examples: contiguous shares of the batch, one single-threaded worker each. */
static int run_split(beex_engine *e, const int32_t *const *ids, const int *lens, int n,
                     const beex_exit_rule *rule, const int *max_exit, beex_exit_result *res,
                     float *logits, float *entropy)
{
    if (beex_engine_workers(e) != 0 || worker_profiles(e) != 0)
        return BEEX_ENOMEM;
    int nth = e->threads < n ? e->threads : n, rc = BEEX_OK;
    size_t N = (size_t)e->cfg.blocks, C = (size_t)e->cfg.classes;
    worker_observers(e, nth);
    double t0 = beex_prof_start(e);
#pragma omp parallel num_threads(nth)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        int i0 = n * t / nt, i1 = n * (t + 1) / nt;
        if (i1 > i0) {
            int r = beex_engine_run_batch_rule(e->workers[t], ids + i0, lens + i0, i1 - i0, rule,
                                               max_exit ? max_exit + i0 : NULL, res + i0,
                                               logits ? logits + (size_t)i0 * N * C : NULL,
                                               entropy ? entropy + (size_t)i0 * N : NULL);
            if (r != BEEX_OK) {
#pragma omp atomic write
                rc = r;
            }
        }
    }
    if (e->prof != NULL)
        merge_worker_profiles(e, nth, t0);
    merge_worker_observers(e, nth);
    return rc;
}

/* Checks the token ids against the vocabulary and counts the rows (tokens up to max_len). */
static int count_rows(const beex_engine *e, const int32_t *const *ids, const int *lens, int n,
                      size_t *total)
{
    const beex_config *cfg = &e->cfg;
    *total = 0;
    for (int i = 0; i < n; i++) {
        if (ids[i] == NULL || lens[i] < 1)
            return BEEX_EINVAL;
        int T = lens[i] < cfg->max_len ? lens[i] : cfg->max_len;
        for (int t = 0; t < T; t++)
            if (ids[i][t] < 0 || ids[i][t] >= cfg->vocab)
                return BEEX_EINVAL;
        *total += (size_t)T;
    }
    return BEEX_OK;
}

/* The running examples of one call: idx[a] is running example a's index in the call, and
 * st[a] its exit rule's state; done, z (logits), hz (entropy) per running example for the
 * current block; pooled per thread. */
typedef struct {
    int *idx, *len, *row0, *done;
    beex_exit_state *st;
    float *z, *hz, *pooled;
} running;

static void running_free(running *r)
{
    free(r->idx), free(r->len), free(r->row0), free(r->done), free(r->st), free(r->z);
    free(r->hz), free(r->pooled);
}

static int running_alloc(running *r, int n, int classes, int threads, size_t d)
{
    r->idx = malloc((size_t)n * sizeof *r->idx);
    r->len = malloc((size_t)n * sizeof *r->len);
    r->row0 = malloc((size_t)n * sizeof *r->row0);
    r->done = malloc((size_t)n * sizeof *r->done);
    r->st = calloc((size_t)n, sizeof *r->st);
    r->z = malloc((size_t)n * (size_t)classes * sizeof *r->z);
    r->hz = malloc((size_t)n * sizeof *r->hz);
    r->pooled = malloc((size_t)threads * d * sizeof *r->pooled);
    return r->idx && r->len && r->row0 && r->done && r->st && r->z && r->hz && r->pooled
               ? BEEX_OK
               : BEEX_ENOMEM;
}

/* Block b's exit heads for the na running examples, and the rule's decision for each.
 * Returns the call index of the first example with a non-finite logit or entropy, or -1. */
static int exit_heads(const beex_engine *e, running *r, int na, int b, const beex_exit_rule *rule,
                      const int *max_exit, beex_exit_result *res, float *logits, float *entropy)
{
    const beex_config *cfg = &e->cfg;
    int N = cfg->blocks, C = cfg->classes, block = b + 1, bad = -1;
    size_t d = (size_t)cfg->d;
#pragma omp parallel for schedule(static) num_threads(e->threads < na ? e->threads : na)
    for (int a = 0; a < na; a++) {
        float *zz = r->z + (size_t)a * C;
        float *pool = r->pooled + (size_t)omp_get_thread_num() * d;
        beex_fwd_exit_head(e, b, e->x + (size_t)r->row0[a] * d, r->len[a], pool, zz);
        beex_exit_row row;
        r->hz[a] = beex_softmax_summary(zz, C, &row.maxprob);
        int i = r->idx[a], finite = isfinite(r->hz[a]);
        for (int j = 0; j < C && finite; j++)
            finite = isfinite(zz[j]);
        if (!finite) {
            /* A NaN must never pass for a prediction: the example is reported, not run on. */
#pragma omp critical(beex_nonfinite)
            if (bad < 0 || i < bad)
                bad = i;
            continue;
        }
        int cap = max_exit ? max_exit[i] : N, am = beex_argmax(zz, C);
        row.entropy = r->hz[a];
        row.argmax = am;
        int ex = beex_exit_online(rule, &r->st[a], block, &row); /* updates the state */
        ex = ex || block == N || block >= cap;
        r->done[a] = ex;
        if (logits != NULL)
            memcpy(logits + ((size_t)i * N + b) * C, zz, (size_t)C * sizeof *zz);
        if (entropy != NULL)
            entropy[(size_t)i * N + b] = r->hz[a];
        if (ex) {
            beex_cost c = beex_cost_until(cfg, e->prec, r->len[a], block);
            res[i].exit_block = block;
            res[i].prediction = am;
            res[i].flops = c.flops;
            res[i].bops = c.bops;
            res[i].ops = c.ops;
            res[i].iops = c.iops;
        }
    }
    return bad;
}

/* Compaction: survivors keep their order and move down (memmove, never up). */
static void compact(beex_engine *e, running *r, beex_fwd_batch *batch)
{
    size_t d = (size_t)e->cfg.d, rows = 0;
    int w = 0;
    for (int a = 0; a < batch->n; a++) {
        if (r->done[a])
            continue;
        if ((size_t)r->row0[a] != rows)
            memmove(e->x + rows * d, e->x + (size_t)r->row0[a] * d,
                    (size_t)r->len[a] * d * sizeof(float));
        r->idx[w] = r->idx[a];
        r->len[w] = r->len[a];
        r->st[w] = r->st[a];
        r->row0[w] = (int)rows;
        rows += (size_t)r->len[a];
        w++;
    }
    batch->n = w;
    batch->rows = rows;
}

static int run_batch(beex_engine *e, const int32_t *const *ids, const int *lens, int n,
                     const beex_exit_rule *rule, const int *max_exit, beex_exit_result *res,
                     float *logits, float *entropy)
{
    if (!e->is_worker && e->threads > 1 &&
        (e->split == BEEX_SPLIT_EXAMPLES || (e->split == BEEX_SPLIT_AUTO && n >= e->threads)))
        return run_split(e, ids, lens, n, rule, max_exit, res, logits, entropy);
    const beex_config *cfg = &e->cfg;
    int N = cfg->blocks, C = cfg->classes;
    size_t d = (size_t)cfg->d, total;
    int rc = count_rows(e, ids, lens, n, &total);
    if (rc != BEEX_OK)
        return rc;
    if (beex_engine_reserve(e, total) != 0)
        return BEEX_ENOMEM;
    running r = {0};
    if ((rc = running_alloc(&r, n, C, e->threads, d)) != BEEX_OK)
        goto out;
    if (logits != NULL)
        for (size_t i = 0; i < (size_t)n * (size_t)N * (size_t)C; i++)
            logits[i] = NAN;
    if (entropy != NULL)
        for (size_t i = 0; i < (size_t)n * (size_t)N; i++)
            entropy[i] = NAN;

    beex_fwd_batch batch = {n, r.len, r.row0, total, 0};
    size_t rows = 0;
    for (int i = 0; i < n; i++) {
        r.idx[i] = i;
        r.len[i] = lens[i] < cfg->max_len ? lens[i] : cfg->max_len;
        r.row0[i] = (int)rows;
        rows += (size_t)r.len[i];
    }
    double t0 = beex_prof_start(e);
#pragma omp parallel for schedule(static) num_threads(e->threads < n ? e->threads : n)
    for (int i = 0; i < n; i++)
        embed_example(e, ids[i], r.len[i], e->x + (size_t)r.row0[i] * d);
    beex_prof_stop(e, BEEX_OP_EMBED, t0);

    for (int b = 0; b < N && batch.n > 0; b++) {
        if ((rc = beex_fwd_block_run(e, b, &batch)) != BEEX_OK)
            goto out;
        t0 = beex_prof_start(e);
        int bad = exit_heads(e, &r, batch.n, b, rule, max_exit, res, logits, entropy);
        beex_prof_stop(e, BEEX_OP_EXIT, t0);
        if (bad >= 0) {
            res[bad].exit_block = b + 1;
            res[bad].prediction = -1;
            rc = BEEX_ENONFINITE;
            goto out;
        }
        compact(e, &r, &batch);
    }
out:
    running_free(&r);
    return rc;
}

int beex_engine_run_batch_rule(beex_engine *e, const int32_t *const *ids, const int *lens, int n,
                               const beex_exit_rule *rule, const int *max_exit,
                               beex_exit_result *res, float *logits, float *entropy)
{
    if (e == NULL || ids == NULL || lens == NULL || res == NULL || rule == NULL || n < 1 ||
        beex_exit_rule_info_of((int)rule->kind) == NULL)
        return BEEX_EINVAL;
    if (e->prof == NULL)
        return run_batch(e, ids, lens, n, rule, max_exit, res, logits, entropy);
    double t0 = beex_now_seconds();
    int rc = run_batch(e, ids, lens, n, rule, max_exit, res, logits, entropy);
    e->prof->total_seconds += beex_now_seconds() - t0;
    e->prof->calls++;
    return rc;
}

int beex_engine_run_batch_capped(beex_engine *e, const int32_t *const *ids, const int *lens, int n,
                                 double delta, const int *max_exit, beex_exit_result *res,
                                 float *logits, float *entropy)
{
    beex_exit_rule rule = {BEEX_EXIT_DELTA, delta};
    return beex_engine_run_batch_rule(e, ids, lens, n, &rule, max_exit, res, logits, entropy);
}

int beex_engine_run_batch(beex_engine *e, const int32_t *const *ids, const int *lens, int n,
                          double delta, beex_exit_result *res, float *logits, float *entropy)
{
    return beex_engine_run_batch_capped(e, ids, lens, n, delta, NULL, res, logits, entropy);
}

int beex_engine_trace(beex_engine *e, const int32_t *ids, int T, float *logits, float *entropy)
{
    if (e == NULL || ids == NULL || logits == NULL || entropy == NULL || T < 1)
        return BEEX_EINVAL;
    beex_exit_result res;
    const int32_t *one[1] = {ids};
    /* delta = -inf: r_i < -inf never holds, so every block runs. */
    return beex_engine_run_batch(e, one, &T, 1, -INFINITY, &res, logits, entropy);
}
