/* Flat trainable parameters, their views, copies to and from beex_model, clipping and the
 * effective (binarized or not) weights of one step. */
#include "harness/train/tparams.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/threads.h"
#include "harness/train/tkernels.h"

static void lin_shape(const beex_config *c, int which, int *rows, int *cols)
{
    int big = which == BEEX_TL_W1 || which == BEEX_TL_W3;
    int down = which == BEEX_TL_W2 || which == BEEX_TL_W4;
    *rows = big ? c->dff : c->d;
    *cols = down ? c->dff : c->d;
}

size_t beex_tparams_count(const beex_config *c)
{
    size_t d = (size_t)c->d, n = (size_t)c->vocab * d + (size_t)c->max_len * d;
    for (int i = 0; i < c->blocks; i++) {
        for (int l = 0; l < BEEX_TL_COUNT; l++) {
            int r, k;
            lin_shape(c, l, &r, &k);
            n += (size_t)r * k + (size_t)r;
        }
        n += 4 * d + (size_t)c->classes * d + (size_t)c->classes;
    }
    return n;
}

int beex_tparams_init(beex_tparams *p, const beex_config *cfg, float *base)
{
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    p->n = beex_tparams_count(cfg);
    if (base == NULL) {
        base = calloc(p->n, sizeof(float));
        p->owns = 1;
    }
    p->blk = calloc((size_t)cfg->blocks, sizeof *p->blk);
    if (base == NULL || p->blk == NULL) {
        if (p->owns)
            free(base);
        free(p->blk);
        memset(p, 0, sizeof *p);
        return -1;
    }
    p->base = base;
    float *q = base;
    size_t d = (size_t)cfg->d;
    p->tok = q;
    q += (size_t)cfg->vocab * d;
    p->pos = q;
    q += (size_t)cfg->max_len * d;
    for (int i = 0; i < cfg->blocks; i++) {
        beex_tblock *b = &p->blk[i];
        for (int l = 0; l < BEEX_TL_COUNT; l++) {
            beex_tlin *L = &b->lin[l];
            lin_shape(cfg, l, &L->rows, &L->cols);
            L->w = q;
            q += (size_t)L->rows * L->cols;
            L->b = q;
            q += L->rows;
        }
        b->ln1g = q, q += d;
        b->ln1b = q, q += d;
        b->ln2g = q, q += d;
        b->ln2b = q, q += d;
        b->ew = q, q += (size_t)cfg->classes * d;
        b->eb = q, q += cfg->classes;
    }
    return 0;
}

void beex_tparams_free(beex_tparams *p)
{
    if (p->owns)
        free(p->base);
    free(p->blk);
    memset(p, 0, sizeof *p);
}

static beex_linear *model_lin(beex_block *b, int l)
{
    beex_linear *ls[BEEX_TL_COUNT] = {&b->q, &b->k, &b->v, &b->o, &b->w1, &b->w3, &b->w2, &b->w4};
    return ls[l];
}

static void cp(float *dst, const float *src, size_t n)
{
    memcpy(dst, src, n * sizeof(float));
}

int beex_tparams_from_model(beex_tparams *p, const beex_model *m)
{
    const beex_config *c = &p->cfg;
    if (m->tok_embed == NULL || m->cfg.vocab != c->vocab || m->cfg.d != c->d ||
        m->cfg.dff != c->dff || m->cfg.blocks != c->blocks || m->cfg.max_len != c->max_len ||
        m->cfg.classes != c->classes)
        return -1;
    size_t d = (size_t)c->d;
    cp(p->tok, m->tok_embed, (size_t)c->vocab * d);
    cp(p->pos, m->pos_embed, (size_t)c->max_len * d);
    for (int i = 0; i < c->blocks; i++) {
        beex_tblock *b = &p->blk[i];
        beex_block *mb = &m->blocks[i];
        for (int l = 0; l < BEEX_TL_COUNT; l++) {
            beex_linear *ml = model_lin(mb, l);
            if (ml->weight == NULL)
                return -1;
            cp(b->lin[l].w, ml->weight, (size_t)b->lin[l].rows * b->lin[l].cols);
            cp(b->lin[l].b, ml->bias, (size_t)b->lin[l].rows);
        }
        cp(b->ln1g, mb->ln1_gamma, d);
        cp(b->ln1b, mb->ln1_beta, d);
        cp(b->ln2g, mb->ln2_gamma, d);
        cp(b->ln2b, mb->ln2_beta, d);
        cp(b->ew, mb->exit_weight, (size_t)c->classes * d);
        cp(b->eb, mb->exit_bias, (size_t)c->classes);
    }
    return 0;
}

void beex_tparams_to_model(const beex_tparams *p, beex_model *m)
{
    const beex_config *c = &p->cfg;
    size_t d = (size_t)c->d;
    cp(m->tok_embed, p->tok, (size_t)c->vocab * d);
    cp(m->pos_embed, p->pos, (size_t)c->max_len * d);
    for (int i = 0; i < c->blocks; i++) {
        const beex_tblock *b = &p->blk[i];
        beex_block *mb = &m->blocks[i];
        for (int l = 0; l < BEEX_TL_COUNT; l++) {
            beex_linear *ml = model_lin(mb, l);
            cp(ml->weight, b->lin[l].w, (size_t)b->lin[l].rows * b->lin[l].cols);
            cp(ml->bias, b->lin[l].b, (size_t)b->lin[l].rows);
        }
        cp(mb->ln1_gamma, b->ln1g, d);
        cp(mb->ln1_beta, b->ln1b, d);
        cp(mb->ln2_gamma, b->ln2g, d);
        cp(mb->ln2_beta, b->ln2b, d);
        cp(mb->exit_weight, b->ew, (size_t)c->classes * d);
        cp(mb->exit_bias, b->eb, (size_t)c->classes);
    }
}

static void clip_range(float *v, size_t n)
{
#pragma omp parallel for schedule(static) if (n >= BEEX_PAR_MIN_WORK)
    for (size_t i = 0; i < n; i++)
        v[i] = v[i] < -1.0f ? -1.0f : v[i] > 1.0f ? 1.0f : v[i];
}

void beex_tparams_clip(beex_tparams *p, int clip_embed)
{
    if (clip_embed)
        clip_range(p->tok, (size_t)p->cfg.vocab * p->cfg.d);
    for (int i = 0; i < p->cfg.blocks; i++)
        for (int l = 0; l < BEEX_TL_COUNT; l++)
            clip_range(p->blk[i].lin[l].w, (size_t)p->blk[i].lin[l].rows * p->blk[i].lin[l].cols);
}

int beex_teff_init(beex_teff *e, const beex_config *cfg)
{
    memset(e, 0, sizeof *e);
    e->nblocks = cfg->blocks;
    e->lin = calloc((size_t)cfg->blocks * BEEX_TL_COUNT, sizeof *e->lin);
    e->gamma = calloc((size_t)cfg->vocab, sizeof(float));
    e->tok_inv = calloc((size_t)cfg->vocab, sizeof(float));
    e->act_scale = calloc((size_t)cfg->blocks * BEEX_ACT_INPUTS, sizeof(float));
    e->act_inv = calloc((size_t)cfg->blocks * BEEX_ACT_INPUTS, sizeof(float));
    if (e->lin == NULL || e->gamma == NULL || e->tok_inv == NULL || e->act_scale == NULL ||
        e->act_inv == NULL)
        return -1;
    for (int i = 0; i < cfg->blocks * BEEX_TL_COUNT; i++) {
        int r, k;
        lin_shape(cfg, i % BEEX_TL_COUNT, &r, &k);
        e->lin[i].wb = malloc((size_t)r * k * sizeof(float));
        e->lin[i].wbt = malloc((size_t)r * k * sizeof(float));
        e->lin[i].alpha = malloc((size_t)r * sizeof(float));
        e->lin[i].sbt = malloc((size_t)r * k * sizeof(float));
        e->lin[i].ssum = malloc((size_t)r * sizeof(float));
        if (!e->lin[i].wb || !e->lin[i].wbt || !e->lin[i].alpha || !e->lin[i].sbt ||
            !e->lin[i].ssum)
            return -1;
    }
    return 0;
}

void beex_teff_free(beex_teff *e)
{
    if (e->lin != NULL)
        for (int i = 0; i < e->nblocks * BEEX_TL_COUNT; i++) {
            free(e->lin[i].wb);
            free(e->lin[i].wbt);
            free(e->lin[i].alpha);
            free(e->lin[i].sbt);
            free(e->lin[i].ssum);
        }
    free(e->lin);
    free(e->gamma);
    free(e->tok_inv);
    free(e->act_scale);
    free(e->act_inv);
    memset(e, 0, sizeof *e);
}

/* out (cols x rows) = in (rows x cols) transposed, in 8 x 8 blocks. */
static void transpose_blocked(int rows, int cols, const float *in, float *out)
{
    for (int j0 = 0; j0 < rows; j0 += 8)
        for (int k0 = 0; k0 < cols; k0 += 8) {
            int j1 = j0 + 8 < rows ? j0 + 8 : rows, k1 = k0 + 8 < cols ? k0 + 8 : cols;
            for (int k = k0; k < k1; k++)
                for (int j = j0; j < j1; j++)
                    out[(size_t)k * rows + j] = in[(size_t)j * cols + k];
        }
}

/* sbt (cols x rows) = sign(w) transposed (-0.0 -> +1, docs/model.md section 3), and each
 * row's sum of signs. It used to write one column of sbt per row, a store every rows * 4
 * bytes: `bench train --breakdown` found w1a1's effective weights at 0.035 of their memory
 * floor. Tiles of TILE x TILE keep both sides in L1. A sum of +-1 is an integer below 2^24,
 * exact in any order, so counting the negatives gives the same float as the old running sum. */
static void signs_transposed(int rows, int cols, const float *w, float *sbt, float *ssum)
{
    enum { TILE = 32 };
    for (int j = 0; j < rows; j++) {
        int neg = 0;
        for (int k = 0; k < cols; k++)
            neg += !(w[(size_t)j * cols + k] >= 0.0f); /* NaN counts -1, as the sign does */
        ssum[j] = (float)(cols - 2 * neg);
    }
    for (int j0 = 0; j0 < rows; j0 += TILE)
        for (int k0 = 0; k0 < cols; k0 += TILE) {
            int j1 = j0 + TILE < rows ? j0 + TILE : rows, k1 = k0 + TILE < cols ? k0 + TILE : cols;
            for (int k = k0; k < k1; k++)
                for (int j = j0; j < j1; j++)
                    sbt[(size_t)k * rows + j] = w[(size_t)j * cols + k] >= 0.0f ? 1.0f : -1.0f;
        }
}

/* w8a8: every weight row and embedding row fake-quantized to its int8 values times its
 * scale (docs/model.md section 3b); the forward reads wbt as in fp32. */
static void teff_update_int8(beex_teff *e, const beex_tparams *p)
{
    const beex_config *c = &p->cfg;
    e->binarized = 0;
    e->quantized = 1;
#pragma omp parallel for schedule(static) if (p->n >= BEEX_PAR_MIN_WORK)
    for (int v = 0; v < c->vocab; v++) {
        const float *r = p->tok + (size_t)v * c->d;
        float amax = 0.0f;
        for (int k = 0; k < c->d; k++) {
            float a = fabsf(r[k]);
            amax = a > amax ? a : amax;
        }
        float s = amax / 127.0f;
        e->gamma[v] = s;
        e->tok_inv[v] = s > 0.0f ? 1.0f / s : 0.0f;
    }
#pragma omp parallel for schedule(dynamic) if (p->n >= BEEX_PAR_MIN_WORK)
    for (int il = 0; il < c->blocks * BEEX_TL_COUNT; il++) {
        const beex_tlin *L = &p->blk[il / BEEX_TL_COUNT].lin[il % BEEX_TL_COUNT];
        beex_teff_lin *E = &e->lin[il];
        /* sbt and ssum (the w1a1 signs) are free in w8a8: they hold the int8 rows, scales. */
        beex_tk_fakequant_rows(L->w, L->rows, L->cols, E->wb, (int8_t *)(void *)E->sbt, E->ssum);
        for (int j = 0; j < L->rows; j++)
            E->alpha[j] = 1.0f;
        transpose_blocked(L->rows, L->cols, E->wb, E->wbt);
    }
}

int beex_teff_set_act_scales(beex_teff *e, const beex_model *m)
{
    for (int i = 0; i < e->nblocks; i++) {
        const beex_block *b = &m->blocks[i];
        const float s[BEEX_ACT_INPUTS] = {b->q.act_scale, b->o.act_scale, b->w1.act_scale,
                                          b->w2.act_scale, b->w4.act_scale};
        for (int t = 0; t < BEEX_ACT_INPUTS; t++) {
            if (!(s[t] > 0.0f))
                return -1;
            e->act_scale[i * BEEX_ACT_INPUTS + t] = s[t];
            e->act_inv[i * BEEX_ACT_INPUTS + t] = 1.0f / s[t];
        }
    }
    return 0;
}

void beex_teff_update(beex_teff *e, const beex_tparams *p, beex_precision prec, int smooth)
{
    const beex_config *c = &p->cfg;
    if (prec == BEEX_PREC_W8A8) {
        teff_update_int8(e, p);
        return;
    }
    e->quantized = 0;
    e->binarized = prec != BEEX_PREC_FP32;
    /* Every row and layer on its own: the team splits them without changing a bit. The
     * embedding's row scales are GAMMA_ROWS rows at a time: each row's sum is one chain of
     * dependent double adds (its order fixes the bits), so a row alone waited on the adder's
     * latency; rows side by side fill it (`bench train --breakdown`: the effective weights
     * were at 0.035 of their memory floor in w1a1). fp32 reads no sum at all. */
    enum { GAMMA_ROWS = 8 };
    int groups = (c->vocab + GAMMA_ROWS - 1) / GAMMA_ROWS;
#pragma omp parallel for schedule(static) if (p->n >= BEEX_PAR_MIN_WORK)
    for (int gi = 0; gi < groups; gi++) {
        int v0 = gi * GAMMA_ROWS, n = c->vocab - v0 < GAMMA_ROWS ? c->vocab - v0 : GAMMA_ROWS;
        if (!e->binarized) {
            for (int i = 0; i < n; i++)
                e->gamma[v0 + i] = 1.0f;
            continue;
        }
        const float *r = p->tok + (size_t)v0 * c->d;
        double s[GAMMA_ROWS] = {0.0};
        for (int k = 0; k < c->d; k++)
            for (int i = 0; i < n; i++)
                s[i] += fabsf(r[(size_t)i * c->d + k]);
        for (int i = 0; i < n; i++)
            e->gamma[v0 + i] = (float)(s[i] / c->d);
    }
#pragma omp parallel for schedule(dynamic) if (p->n >= BEEX_PAR_MIN_WORK)
    for (int il = 0; il < c->blocks * BEEX_TL_COUNT; il++) {
        int i = il / BEEX_TL_COUNT, l = il % BEEX_TL_COUNT;
        const beex_tlin *L = &p->blk[i].lin[l];
        beex_teff_lin *E = &e->lin[i * BEEX_TL_COUNT + l];
        beex_tk_binarize_rows(L->w, L->rows, L->cols, e->binarized, smooth, E->wb, E->alpha);
        /* Only what this precision's forward pass reads: wbt (fp32, w1a32, smooth tests)
         * or the signs and their row sums (w1a1). */
        if (prec != BEEX_PREC_W1A1 || smooth)
            transpose_blocked(L->rows, L->cols, E->wb, E->wbt);
        if (prec != BEEX_PREC_W1A1)
            continue;
        signs_transposed(L->rows, L->cols, L->w, E->sbt, E->ssum);
    }
}

void beex_teff_surrogate_grads(const beex_teff *e, const beex_tparams *p, beex_tparams *g)
{
    if (!e->binarized)
        return;
    const beex_config *c = &p->cfg;
#pragma omp parallel for schedule(static) if (p->n >= BEEX_PAR_MIN_WORK)
    for (int v = 0; v < c->vocab; v++) {
        const float *w = p->tok + (size_t)v * c->d;
        float *gw = g->tok + (size_t)v * c->d;
        for (int k = 0; k < c->d; k++)
            gw[k] *= e->gamma[v] * beex_tk_approxsign_grad(w[k]);
    }
#pragma omp parallel for schedule(dynamic) if (p->n >= BEEX_PAR_MIN_WORK)
    for (int il = 0; il < c->blocks * BEEX_TL_COUNT; il++) {
        int i = il / BEEX_TL_COUNT, l = il % BEEX_TL_COUNT;
        const beex_tlin *L = &p->blk[i].lin[l];
        const float *alpha = e->lin[i * BEEX_TL_COUNT + l].alpha;
        float *gw = g->blk[i].lin[l].w;
        for (int j = 0; j < L->rows; j++)
            for (int k = 0; k < L->cols; k++) {
                size_t o = (size_t)j * L->cols + k;
                gw[o] *= alpha[j] * beex_tk_approxsign_grad(L->w[o]);
            }
    }
}
