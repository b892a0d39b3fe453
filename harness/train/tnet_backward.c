/* The backward pass over a mini-batch, from the cache the forward pass left (tnet.c): exit
 * heads and their losses, then the blocks from the last to the first, then the embeddings.
 * The work split is tnet.c's: each gradient element is computed by one thread, in one order,
 * so the thread count never changes a bit. */
#include "harness/train/tnet.h"
#include "harness/train/tnet_internal.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/threads.h"
#include "harness/train/tgemm.h"
#include "harness/train/tkernels.h"

/* Example ex's loss under the objective (tloss.h). */
static double example_loss(const beex_tws *w, int ex, int y, const beex_tobjective *o,
                           const float *teacher)
{
    for (int i = 0; i < w->cfg.blocks; i++)
        w->zp[i] = w->bc[i].z + (size_t)ex * w->cfg.classes;
    return beex_tobj_loss(o, w->cfg.blocks, w->cfg.classes, w->zp, y, teacher);
}

double beex_tnet_loss_obj(const beex_tws *w, int y, const beex_tobjective *o, const float *teacher)
{
    return example_loss(w, 0, y, o, teacher);
}

double beex_tnet_loss(const beex_tws *w, int y, const float *lw)
{
    beex_tobjective o = beex_tobjective_weighted(lw);
    return beex_tnet_loss_obj(w, y, &o, NULL);
}

/* dW += dY^T X_eff and the input gradient dX_eff = dY Wb (accumulate: added to dxe). */
static void bl_backward(const beex_tws *w, const float *dy, int out, const float *xin_eff, int in,
                        const beex_teff_lin *E, beex_tlin *G, float *dxe, int accumulate)
{
    double t0 = beex_tprof_start(w->prof); /* after a barrier, as every forward product */
    beex_tg_backward_weight(w->M, out, in, dy, xin_eff, G->w, G->b);
    beex_tg_backward_data(w->M, out, in, dy, E->wb, dxe, accumulate);
    beex_tprof_stop(w->prof, BEEX_TP_BWD_GEMM, t0, 4.0 * w->M * out * in);
}

/* The w1a1 activation surrogate of row r's input gradient (in place); in w8a8 the straight-
 * through estimator, zero where the quantizer saturated (|x| / scale > 127, the scale of
 * e->act_inv[site]); identity otherwise. */
static inline void act_surrogate_row(const beex_tws *w, const beex_teff *e, int site,
                                     const float *x, const float *beta, float *dx, int r, int n,
                                     float c)
{
    if (w->prec == BEEX_PREC_W8A8) {
        size_t o = (size_t)r * n;
        float inv = e->act_inv[site];
        for (int k = 0; k < n; k++)
            if (!(fabsf(x[o + k]) * inv <= 127.0f))
                dx[o + k] = 0.0f;
        return;
    }
    if (w->prec != BEEX_PREC_W1A1)
        return;
    size_t o = (size_t)r * n;
    for (int k = 0; k < n; k++) {
        float g = 2.0f - 2.0f * fabsf(x[o + k] - c);
        dx[o + k] *= beta[r] * (g > 0.0f ? g : 0.0f);
    }
}

/* LayerNorm backward: dx per row (team by rows), then dgamma and dbeta summed over the rows
 * in order (team by column blocks). */
static void layernorm_bwd(const beex_tws *w, const float *dy, const float *xhat, const float *rstd,
                          const float *gamma, float *dx, float *dgamma, float *dbeta)
{
    int d = w->cfg.d, M = w->M;
#pragma omp for schedule(static)
    for (int r = 0; r < M; r++) {
        const float *gr = dy + (size_t)r * d, *hr = xhat + (size_t)r * d;
        float *dr = dx + (size_t)r * d;
        float m1 = 0.0f, m2 = 0.0f;
        for (int k = 0; k < d; k++) {
            float dh = gr[k] * gamma[k];
            m1 += dh;
            m2 += dh * hr[k];
        }
        m1 /= (float)d;
        m2 /= (float)d;
        for (int k = 0; k < d; k++)
            dr[k] = rstd[r] * (gr[k] * gamma[k] - m1 - hr[k] * m2);
    }
    int nb = (d + COLS - 1) / COLS;
#pragma omp for schedule(static)
    for (int blk = 0; blk < nb; blk++) {
        int k0 = blk * COLS, k1 = k0 + COLS < d ? k0 + COLS : d;
        float sg[COLS] = {0}, sb[COLS] = {0};
        for (int r = 0; r < M; r++)
            for (int k = k0; k < k1; k++) {
                float g = dy[(size_t)r * d + k];
                sg[k - k0] += g * xhat[(size_t)r * d + k];
                sb[k - k0] += g;
            }
        for (int k = k0; k < k1; k++) {
            dgamma[k] += sg[k - k0];
            dbeta[k] += sb[k - k0];
        }
    }
}

/* Per (example, head). P^T and dS^T are read as transposed operands (no copies); only
 * V_h is transposed (T x dh) for dP. */
static void attention_bwd(beex_tws *w, const bcache *b, const float *dO, float *dq, float *dk,
                          float *dv)
{
    int d = w->cfg.d, H = w->cfg.heads, dh = d / H;
    float scale = 1.0f / sqrtf((float)dh);
    double t0 = beex_tprof_start(w->prof);
#pragma omp for schedule(static)
    for (int task = 0; task < w->n * H; task++) {
        int i = task / H, h = task % H, T = w->len[i];
        size_t r0 = (size_t)w->off[i] * d + (size_t)h * dh, TT = (size_t)T * T;
        const float *P = b->p + w->poff[i] + (size_t)h * TT;
        float *s = att_scratch(w);
        float *dp = s, *ht = s + TT; /* T x T, dh x T */
        /* dV_h[s][c] = sum_t P[t][s] dO[t][c]: P read as a transposed operand */
        beex_tg_small_bt(dh, T, T, dO + r0, d, P, T, dv + r0, d);
        /* dP = dO_h V_h^T, then dS in place */
        beex_tg_transpose(T, dh, b->v + r0, d, ht, T);
        beex_tg_small(T, T, dh, ht, T, dO + r0, d, dp, T, 0);
        for (int t = 0; t < T; t++) {
            const float *pr = P + (size_t)t * T;
            float *g = dp + (size_t)t * T;
            float dot = beex_tk_dot(g, pr, T);
            for (int x = 0; x < T; x++)
                g[x] = pr[x] * (g[x] - dot) * scale;
        }
        beex_tg_small(dh, T, T, b->k + r0, d, dp, T, dq + r0, d, 0); /* dQ_h = dS K_h */
        /* dK_h[s][c] = sum_t dS[t][s] Q[t][c] */
        beex_tg_small_bt(dh, T, T, b->q + r0, d, dp, T, dk + r0, d);
    }
    if (w->prof != NULL)
        beex_tprof_add(w->prof, BEEX_TP_BWD_ATTN, t0, att_flops(w, 4));
}

/* Exit head b: logit gradients (the objective's, times the batch scale), head parameters
 * summed over the examples in order, pooled gradient spread over each example's rows into
 * dcur, times the objective's branch factor; the gradient already in dcur (from the deeper
 * blocks) is multiplied by its deep factor on the way (gradient equilibrium; 1 otherwise). */
static void head_backward(beex_tws *w, const beex_tparams *p, int bi, const int *y,
                          const beex_tobjective *obj, float scale, beex_tparams *g)
{
    const beex_config *c = &w->cfg;
    int d = c->d, C = c->classes, N = c->blocks;
    const bcache *b = &w->bc[bi];
    const beex_tblock *pb = &p->blk[bi];
    beex_tblock *gb = &g->blk[bi];
    if (!beex_tobj_head_active(obj, N, bi))
        return; /* the same on every thread: no barrier is skipped by some only */
    float branch = beex_tobj_branch(obj, N, bi), deep = beex_tobj_deep(obj, N, bi);
#pragma omp single
    for (int ex = 0; ex < w->n; ex++) {
        float *dz = w->d_z + (size_t)ex * C, *dpool = w->d_pool + (size_t)ex * d;
        const float *pooled = b->pooled + (size_t)ex * d;
        const float *zt = w->bc[N - 1].z + (size_t)ex * C; /* the distillation teacher */
        beex_tobj_dz(obj, N, C, bi, b->z + (size_t)ex * C, zt, y[ex], scale, dz, w->dz_tmp);
        for (int k = 0; k < d; k++)
            dpool[k] = 0.0f;
        for (int j = 0; j < C; j++) {
            gb->eb[j] += dz[j];
            for (int k = 0; k < d; k++) {
                gb->ew[(size_t)j * d + k] += dz[j] * pooled[k];
                dpool[k] += dz[j] * pb->ew[(size_t)j * d + k];
            }
        }
    }
    if (branch == 0.0f)
        return; /* a detached head: the blocks never see its gradient */
    int ge = deep != 1.0f || branch != 1.0f;
#pragma omp for schedule(static)
    for (int ex = 0; ex < w->n; ex++) {
        const float *dpool = w->d_pool + (size_t)ex * d;
        float inv = 1.0f / (float)w->len[ex];
        for (int t = 0; t < w->len[ex]; t++) {
            float *dr = w->d_cur + (size_t)(w->off[ex] + t) * d;
            if (ge)
                for (int k = 0; k < d; k++)
                    dr[k] = dr[k] * deep + (dpool[k] * branch) * inv;
            else
                for (int k = 0; k < d; k++)
                    dr[k] += dpool[k] * inv;
        }
    }
}

static void block_backward(beex_tws *w, const beex_tparams *p, const beex_teff *e, int bi,
                           const int *y, const beex_tobjective *obj, float scale, beex_tparams *g)
{
    const beex_config *c = &w->cfg;
    int d = c->d, f = c->dff, M = w->M;
    bcache *b = &w->bc[bi];
    const beex_tblock *pb = &p->blk[bi];
    beex_tblock *gb = &g->blk[bi];
    const beex_teff_lin *E = &e->lin[bi * BEEX_TL_COUNT];
    const float *xin = bi > 0 ? w->bc[bi - 1].xout : w->x0;
    /* w1a1 and w8a8 multiply the cached effective inputs (signs, or int8 values in floats). */
    int ae = w->prec == BEEX_PREC_W1A1 || w->prec == BEEX_PREC_W8A8;
    int drop = w->dropout > 0.0f, q0 = bi * BEEX_ACT_INPUTS;
    float *dcur = w->d_cur, *dr = w->d_r;

    head_backward(w, p, bi, y, obj, scale, g);
    /* LN2 over y + s */
    layernorm_bwd(w, dcur, b->xhat2, b->rstd2, pb->ln2g, dr, gb->ln2g, gb->ln2b);
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++)
        for (int k = 0; k < d; k++) {
            size_t o = (size_t)t * d + k;
            float ds = dr[o] * (drop ? b->mask_s[o] : 1.0f);
            w->d_m2[o] = ds * b->m4[o];
            w->d_m4[o] = ds * b->m2[o];
        }
    bl_backward(w, w->d_m2, d, ae ? b->ge : b->g, f, &E[BEEX_TL_W2], &gb->lin[BEEX_TL_W2], w->d_g,
                0);
    bl_backward(w, w->d_m4, d, ae ? b->ue : b->u, f, &E[BEEX_TL_W4], &gb->lin[BEEX_TL_W4], w->d_u,
                0);
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++) {
        act_surrogate_row(w, e, q0 + BEEX_ACT_G, b->g, b->beta_g, w->d_g, t, f, 0.5f);
        act_surrogate_row(w, e, q0 + BEEX_ACT_U, b->u, b->beta_u, w->d_u, t, f, 0.0f);
        for (int k = 0; k < f; k++) {
            size_t o = (size_t)t * f + k;
            w->d_g[o] *= b->g[o] * (1.0f - b->g[o]);
            w->d_u[o] *= 1.0f - b->u[o] * b->u[o];
        }
    }
    const float *ey = ae ? b->ye : b->y;
    bl_backward(w, w->d_g, f, ey, d, &E[BEEX_TL_W1], &gb->lin[BEEX_TL_W1], w->d_ye, 0);
    bl_backward(w, w->d_u, f, ey, d, &E[BEEX_TL_W3], &gb->lin[BEEX_TL_W3], w->d_ye, 1);
    float *dy = w->d_in;
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++) {
        act_surrogate_row(w, e, q0 + BEEX_ACT_Y, b->y, b->beta_y, w->d_ye, t, d, 0.0f);
        for (int k = 0; k < d; k++) {
            size_t o = (size_t)t * d + k;
            dy[o] = w->d_ye[o] + dr[o]; /* residual y -> y + s */
        }
    }
    /* LN1 over xin + a */
    layernorm_bwd(w, dy, b->xhat1, b->rstd1, pb->ln1g, dr, gb->ln1g, gb->ln1b);
    float *da = w->d_m2;
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++)
        for (int k = 0; k < d; k++) {
            size_t o = (size_t)t * d + k;
            da[o] = dr[o] * (drop ? b->mask_a[o] : 1.0f);
        }
    bl_backward(w, da, d, ae ? b->oe : b->o, d, &E[BEEX_TL_O], &gb->lin[BEEX_TL_O], w->d_o, 0);
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++)
        act_surrogate_row(w, e, q0 + BEEX_ACT_ATT, b->o, b->beta_o, w->d_o, t, d, 0.0f);
    attention_bwd(w, b, w->d_o, w->d_q, w->d_k, w->d_v);
    const float *ein = ae ? b->xe_in : xin;
    float *dein = w->d_m4;
    bl_backward(w, w->d_q, d, ein, d, &E[BEEX_TL_Q], &gb->lin[BEEX_TL_Q], dein, 0);
    bl_backward(w, w->d_k, d, ein, d, &E[BEEX_TL_K], &gb->lin[BEEX_TL_K], dein, 1);
    bl_backward(w, w->d_v, d, ein, d, &E[BEEX_TL_V], &gb->lin[BEEX_TL_V], dein, 1);
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++) {
        act_surrogate_row(w, e, q0 + BEEX_ACT_X, xin, b->beta_in, dein, t, d, 0.0f);
        for (int k = 0; k < d; k++) {
            size_t o = (size_t)t * d + k;
            dcur[o] = dein[o] + dr[o]; /* residual xin -> xin + a; now dL/d xin */
        }
    }
}

void beex_tnet_backward_batch_obj(beex_tws *w, const beex_tparams *p, const beex_teff *e,
                                  const int *y, const beex_tobjective *obj, float scale,
                                  beex_tparams *g, double *loss)
{
    const beex_config *c = &w->cfg;
    int d = c->d, M = w->M;
    int drop = w->dropout > 0.0f;
#pragma omp parallel num_threads(w->nthreads)
    {
#pragma omp for schedule(static)
        for (int r = 0; r < M; r++)
            memset(w->d_cur + (size_t)r * d, 0, (size_t)d * sizeof(float));
        for (int bi = c->blocks - 1; bi >= 0; bi--)
            block_backward(w, p, e, bi, y, obj, scale, g);
        /* embeddings: dL/dE_b rows and positions, rows summed in order per column block */
        int nb = (d + COLS - 1) / COLS;
#pragma omp for schedule(static)
        for (int blk = 0; blk < nb; blk++) {
            int k0 = blk * COLS, k1 = k0 + COLS < d ? k0 + COLS : d;
            for (int r = 0; r < M; r++) {
                float *gt = g->tok + (size_t)w->ids[r] * d, *gp = g->pos + (size_t)w->tpos[r] * d;
                const float *dx = w->d_cur + (size_t)r * d, *mk = w->mask0 + (size_t)r * d;
                for (int k = k0; k < k1; k++) {
                    float v = dx[k] * (drop ? mk[k] : 1.0f);
                    gt[k] += v;
                    gp[k] += v;
                }
            }
        }
    }
    if (loss != NULL)
        for (int ex = 0; ex < w->n; ex++)
            loss[ex] = example_loss(w, ex, y[ex], obj, NULL);
}

void beex_tnet_backward_batch(beex_tws *w, const beex_tparams *p, const beex_teff *e, const int *y,
                              const float *lw, float scale, beex_tparams *g, double *loss)
{
    beex_tobjective o = beex_tobjective_weighted(lw);
    beex_tnet_backward_batch_obj(w, p, e, y, &o, scale, g, loss);
}

double beex_tnet_backward_obj(beex_tws *w, const beex_tparams *p, const beex_teff *e, int y,
                              const beex_tobjective *obj, beex_tparams *g)
{
    double L = 0.0;
    beex_tnet_backward_batch_obj(w, p, e, &y, obj, 1.0f, g, &L);
    return L;
}

double beex_tnet_backward(beex_tws *w, const beex_tparams *p, const beex_teff *e, int y,
                          const float *lw, beex_tparams *g)
{
    beex_tobjective o = beex_tobjective_weighted(lw);
    return beex_tnet_backward_obj(w, p, e, y, &o, g);
}
