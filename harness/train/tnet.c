/* One example forward and backward through embeddings, blocks (MHA, post-LN, SLFN) and
 * exit heads. Activations a block's backward needs are cached per block in the workspace;
 * in w1a1 the binarized input of every BL (xe = beta * sign(x - c) + c, the c term being
 * the bias fold of MODEL.md section 3) is cached beside its real-valued input. */
#include "harness/train/tnet.h"
#include "harness/base/prng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/train/tkernels.h"

typedef struct {
    float *xe_in, *beta_in;     /* w1a1 input of q/k/v */
    float *q, *k, *v, *p;       /* p: heads x T x T attention probabilities */
    float *o, *oe, *beta_o;     /* concat heads, its w1a1 version */
    float *a, *mask_a;          /* attention output after dropout, dropout scales */
    float *xhat1, *rstd1, *y;   /* LN1 */
    float *ye, *beta_y;         /* w1a1 input of w1/w3 */
    float *g, *u, *ge, *beta_g; /* SLFN gates and w1a1 inputs of w2 (c = 0.5) / w4 */
    float *ue, *beta_u;
    float *m2, *m4, *mask_s;
    float *xhat2, *rstd2, *xout; /* LN2 */
    float *pooled, *z;           /* d, classes */
} bcache;

struct beex_tws {
    beex_config cfg;
    beex_precision prec;
    int T, smooth;
    int32_t *ids;
    float *x0, *mask0;
    bcache *bc;
    float dropout;
    /* backward scratch */
    float *d_cur, *d_r, *d_m2, *d_m4, *d_ye, *d_o, *d_q, *d_k, *d_v, *d_in, *d_row;
    float *d_ge, *d_g, *d_ue, *d_u;
    float *d_z; /* classes */
    float *xs;  /* w1a1: signs of the current BL input, for exact integer dot products */
    float *mem;
};

static float *carve(float **q, size_t n)
{
    float *r = *q;
    *q += n;
    return r;
}

beex_tws *beex_tws_new(const beex_config *cfg)
{
    beex_tws *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->cfg = *cfg;
    size_t L = (size_t)cfg->max_len, d = (size_t)cfg->d, f = (size_t)cfg->dff;
    size_t H = (size_t)cfg->heads, C = (size_t)cfg->classes;
    size_t per_block = 17 * L * d + 6 * L * f + H * L * L + 8 * L + d + C;
    size_t total = 2 * L * d + (size_t)cfg->blocks * per_block + 11 * L * d + 4 * L * f + L + C +
                   L * (f > d ? f : d);
    w->mem = calloc(total, sizeof(float));
    w->ids = calloc(L, sizeof(int32_t));
    w->bc = calloc((size_t)cfg->blocks, sizeof *w->bc);
    if (w->mem == NULL || w->ids == NULL || w->bc == NULL) {
        beex_tws_free(w);
        return NULL;
    }
    float *q = w->mem;
    w->x0 = carve(&q, L * d);
    w->mask0 = carve(&q, L * d);
    for (int i = 0; i < cfg->blocks; i++) {
        bcache *b = &w->bc[i];
        b->xe_in = carve(&q, L * d);
        b->beta_in = carve(&q, L);
        b->q = carve(&q, L * d);
        b->k = carve(&q, L * d);
        b->v = carve(&q, L * d);
        b->p = carve(&q, H * L * L);
        b->o = carve(&q, L * d);
        b->oe = carve(&q, L * d);
        b->beta_o = carve(&q, L);
        b->a = carve(&q, L * d);
        b->mask_a = carve(&q, L * d);
        b->xhat1 = carve(&q, L * d);
        b->rstd1 = carve(&q, L);
        b->y = carve(&q, L * d);
        b->ye = carve(&q, L * d);
        b->beta_y = carve(&q, L);
        b->g = carve(&q, L * f);
        b->u = carve(&q, L * f);
        b->ge = carve(&q, L * f);
        b->beta_g = carve(&q, L);
        b->ue = carve(&q, L * f);
        b->beta_u = carve(&q, L);
        b->m2 = carve(&q, L * d);
        b->m4 = carve(&q, L * d);
        b->mask_s = carve(&q, L * d);
        b->xhat2 = carve(&q, L * d);
        b->rstd2 = carve(&q, L);
        b->xout = carve(&q, L * d);
        b->pooled = carve(&q, d);
        b->z = carve(&q, C);
        /* f-sized scratch counted in per_block: 6 L f above covers g, u, ge, ue + 2 spare */
        (void)carve(&q, 2 * L * f);
    }
    w->d_cur = carve(&q, L * d);
    w->d_r = carve(&q, L * d);
    w->d_m2 = carve(&q, L * d);
    w->d_m4 = carve(&q, L * d);
    w->d_ye = carve(&q, L * d);
    w->d_o = carve(&q, L * d);
    w->d_q = carve(&q, L * d);
    w->d_k = carve(&q, L * d);
    w->d_v = carve(&q, L * d);
    w->d_in = carve(&q, L * d);
    w->d_row = carve(&q, L * d);
    w->d_ge = carve(&q, L * f);
    w->d_g = carve(&q, L * f);
    w->d_ue = carve(&q, L * f);
    w->d_u = carve(&q, L * f);
    w->d_z = carve(&q, C);
    w->xs = carve(&q, L * (f > d ? f : d));
    return w;
}

void beex_tws_free(beex_tws *w)
{
    if (w == NULL)
        return;
    free(w->mem);
    free(w->ids);
    free(w->bc);
    free(w);
}

/* splitmix64 stream for dropout masks: the mask of an example depends only on its seed,
 * never on which thread runs it. */
static void make_mask(float *mask, size_t n, float p, uint64_t *s)
{
    float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        float u = (float)(beex_splitmix64(s) >> 40) * (1.0f / 16777216.0f);
        mask[i] = u < p ? 0.0f : keep;
    }
}

static void apply_mask(float *x, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] *= mask[i];
}

static void attention_fwd(bcache *b, int T, int d, int heads)
{
    int dh = d / heads;
    float scale = 1.0f / sqrtf((float)dh);
    memset(b->o, 0, (size_t)T * d * sizeof(float));
    for (int h = 0; h < heads; h++) {
        float *P = b->p + (size_t)h * T * T;
        for (int t = 0; t < T; t++) {
            const float *qt = b->q + (size_t)t * d + h * dh;
            float *row = P + (size_t)t * T;
            for (int s = 0; s < T; s++) {
                const float *ks = b->k + (size_t)s * d + h * dh;
                float acc = 0.0f;
                for (int k = 0; k < dh; k++)
                    acc += qt[k] * ks[k];
                row[s] = acc * scale;
            }
            beex_tk_softmax(row, T);
            float *ot = b->o + (size_t)t * d + h * dh;
            for (int s = 0; s < T; s++) {
                const float *vs = b->v + (size_t)s * d + h * dh;
                for (int k = 0; k < dh; k++)
                    ot[k] += row[s] * vs[k];
            }
        }
    }
}

/* BL input in the current precision: w1a1 binarizes into xe (cached for the backward pass)
 * and leaves the plain signs in w->xs for the forward GEMM; other precisions use x. */
static const float *bl_input(const beex_tws *w, const float *x, int T, int n, float c, float *xe,
                             float *beta)
{
    if (w->prec != BEEX_PREC_W1A1)
        return x;
    beex_tk_binarize_act(x, T, n, c, w->smooth, xe, beta);
    size_t N = (size_t)T * n;
    for (size_t i = 0; i < N; i++)
        w->xs[i] = x[i] - c >= 0.0f ? 1.0f : -1.0f;
    return xe;
}

/* y = BL(x). In w1a1 the dot products of signs are exact integers (as in the XNOR-popcount
 * kernels), then scaled: y = beta_t alpha_j dot + (b_j + c alpha_j sum_k s_jk). Summing
 * alpha * sign(W) * xe in floats instead would turn exact zeros into rounding noise whose
 * sign the next layer's binarization would then pick up. */
static void bl_fwd(const beex_tws *w, const float *ein, const float *beta, int T, int in, float c,
                   const beex_teff_lin *E, const float *bias, int out, float *y)
{
    if (w->prec != BEEX_PREC_W1A1 || w->smooth) {
        beex_tk_linear_fwd(ein, T, in, E->wbt, bias, out, y);
        return;
    }
    beex_tk_linear_fwd(w->xs, T, in, E->sbt, NULL, out, y);
    for (int t = 0; t < T; t++)
        for (int j = 0; j < out; j++) {
            float bj = bias[j] + c * E->alpha[j] * E->ssum[j];
            y[(size_t)t * out + j] = beta[t] * E->alpha[j] * y[(size_t)t * out + j] + bj;
        }
}

void beex_tnet_forward(beex_tws *w, const beex_tparams *p, const beex_teff *e, beex_precision prec,
                       const int32_t *ids, int T, float dropout, uint64_t rng_seed, int smooth,
                       float *logits)
{
    const beex_config *c = &w->cfg;
    int d = c->d, f = c->dff, C = c->classes;
    if (T > c->max_len)
        T = c->max_len;
    if (T < 1)
        T = 1;
    w->T = T;
    w->prec = prec;
    w->smooth = smooth;
    w->dropout = dropout;
    uint64_t rng = rng_seed;
    size_t Td = (size_t)T * d;
    for (int t = 0; t < T; t++) {
        int v = ids[t] >= 0 && ids[t] < c->vocab ? ids[t] : 1;
        w->ids[t] = v;
        const float *er = p->tok + (size_t)v * d, *pr = p->pos + (size_t)t * d;
        float *xr = w->x0 + (size_t)t * d;
        float gm = e->gamma[v];
        for (int k = 0; k < d; k++)
            xr[k] = (e->binarized ? gm * (er[k] >= 0.0f ? 1.0f : -1.0f) : er[k]) + pr[k];
    }
    if (dropout > 0.0f) {
        make_mask(w->mask0, Td, dropout, &rng);
        apply_mask(w->x0, w->mask0, Td);
    }
    const float *xin = w->x0;
    for (int i = 0; i < c->blocks; i++) {
        bcache *b = &w->bc[i];
        const beex_tblock *pb = &p->blk[i];
        const beex_teff_lin *E = &e->lin[i * BEEX_TL_COUNT];
        const float *ein = bl_input(w, xin, T, d, 0.0f, b->xe_in, b->beta_in);
        bl_fwd(w, ein, b->beta_in, T, d, 0.0f, &E[BEEX_TL_Q], pb->lin[BEEX_TL_Q].b, d, b->q);
        bl_fwd(w, ein, b->beta_in, T, d, 0.0f, &E[BEEX_TL_K], pb->lin[BEEX_TL_K].b, d, b->k);
        bl_fwd(w, ein, b->beta_in, T, d, 0.0f, &E[BEEX_TL_V], pb->lin[BEEX_TL_V].b, d, b->v);
        attention_fwd(b, T, d, c->heads);
        const float *eo = bl_input(w, b->o, T, d, 0.0f, b->oe, b->beta_o);
        bl_fwd(w, eo, b->beta_o, T, d, 0.0f, &E[BEEX_TL_O], pb->lin[BEEX_TL_O].b, d, b->a);
        if (dropout > 0.0f) {
            make_mask(b->mask_a, Td, dropout, &rng);
            apply_mask(b->a, b->mask_a, Td);
        }
        float *r = w->d_row; /* residual sum scratch (forward only) */
        for (size_t k = 0; k < Td; k++)
            r[k] = xin[k] + b->a[k];
        beex_tk_layernorm_fwd(r, T, d, pb->ln1g, pb->ln1b, c->ln_eps, b->y, b->xhat1, b->rstd1);
        const float *ey = bl_input(w, b->y, T, d, 0.0f, b->ye, b->beta_y);
        size_t Tf = (size_t)T * f;
        bl_fwd(w, ey, b->beta_y, T, d, 0.0f, &E[BEEX_TL_W1], pb->lin[BEEX_TL_W1].b, f, b->g);
        bl_fwd(w, ey, b->beta_y, T, d, 0.0f, &E[BEEX_TL_W3], pb->lin[BEEX_TL_W3].b, f, b->u);
        for (size_t k = 0; k < Tf; k++) {
            b->g[k] = 1.0f / (1.0f + expf(-b->g[k]));
            /* tanh through expf: glibc tanhf (expm1f) cost 15% of a training step */
            float e2 = expf(-2.0f * fabsf(b->u[k]));
            float th = (1.0f - e2) / (1.0f + e2);
            b->u[k] = b->u[k] < 0.0f ? -th : th;
        }
        /* each BL right after its input is binarized: w->xs holds one input at a time */
        const float *eg = bl_input(w, b->g, T, f, 0.5f, b->ge, b->beta_g);
        bl_fwd(w, eg, b->beta_g, T, f, 0.5f, &E[BEEX_TL_W2], pb->lin[BEEX_TL_W2].b, d, b->m2);
        const float *eu = bl_input(w, b->u, T, f, 0.0f, b->ue, b->beta_u);
        bl_fwd(w, eu, b->beta_u, T, f, 0.0f, &E[BEEX_TL_W4], pb->lin[BEEX_TL_W4].b, d, b->m4);
        if (dropout > 0.0f)
            make_mask(b->mask_s, Td, dropout, &rng);
        for (size_t k = 0; k < Td; k++)
            r[k] = b->y[k] + b->m2[k] * b->m4[k] * (dropout > 0.0f ? b->mask_s[k] : 1.0f);
        beex_tk_layernorm_fwd(r, T, d, pb->ln2g, pb->ln2b, c->ln_eps, b->xout, b->xhat2, b->rstd2);
        for (int k = 0; k < d; k++)
            b->pooled[k] = 0.0f;
        for (int t = 0; t < T; t++)
            for (int k = 0; k < d; k++)
                b->pooled[k] += b->xout[(size_t)t * d + k];
        for (int k = 0; k < d; k++)
            b->pooled[k] /= (float)T;
        for (int j = 0; j < C; j++) {
            float acc = pb->eb[j];
            for (int k = 0; k < d; k++)
                acc += pb->ew[(size_t)j * d + k] * b->pooled[k];
            b->z[j] = acc;
        }
        if (logits != NULL)
            memcpy(logits + (size_t)i * C, b->z, (size_t)C * sizeof(float));
        xin = b->xout;
    }
}

static double loss_weight_sum(const float *lw, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += lw[i];
    return s > 0.0 ? s : 1.0;
}

/* CE of logits z for label y, natural log, computed stably. */
static double cross_entropy(const float *z, int C, int y)
{
    double mx = z[0];
    for (int j = 1; j < C; j++)
        if (z[j] > mx)
            mx = z[j];
    double s = 0.0;
    for (int j = 0; j < C; j++)
        s += exp((double)z[j] - mx);
    return log(s) + mx - z[y];
}

double beex_tnet_loss(const beex_tws *w, int y, const float *lw)
{
    const beex_config *c = &w->cfg;
    double sw = loss_weight_sum(lw, c->blocks), L = 0.0;
    for (int i = 0; i < c->blocks; i++)
        L += lw[i] * cross_entropy(w->bc[i].z, c->classes, y);
    return L / sw;
}

/* dA += dB (n floats) */
static void add_to(float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] += b[i];
}

/* Backward of a BL given dY: weight/bias gradients, and dX_eff written (zeroed first) into
 * dxe. The w1a1 activation surrogate is applied by the caller. */
static void bl_backward(const float *dy, int T, int out, const float *xin_eff, int in,
                        const beex_teff_lin *E, beex_tlin *G, float *dxe, float *scratch)
{
    beex_tk_linear_bwd_weight(dy, T, out, xin_eff, in, G->w, G->b, scratch);
    if (dxe != NULL)
        beex_tk_linear_bwd_data(dy, T, out, E->wb, in, dxe);
}

/* dx = dxe passed through the w1a1 activation sign surrogate (dx zeroed here), or copied. */
static void act_backward(const beex_tws *w, const float *x, const float *beta, const float *dxe,
                         int T, int n, float c, float *dx)
{
    size_t N = (size_t)T * n;
    if (w->prec != BEEX_PREC_W1A1) {
        memcpy(dx, dxe, N * sizeof(float));
        return;
    }
    memset(dx, 0, N * sizeof(float));
    beex_tk_binarize_act_bwd(x, beta, dxe, T, n, c, dx);
}

static void attention_bwd(const bcache *b, const float *dO, int T, int d, int heads, float *dq,
                          float *dk, float *dv, float *dp)
{
    int dh = d / heads;
    float scale = 1.0f / sqrtf((float)dh);
    size_t Td = (size_t)T * d;
    memset(dq, 0, Td * sizeof(float));
    memset(dk, 0, Td * sizeof(float));
    memset(dv, 0, Td * sizeof(float));
    for (int h = 0; h < heads; h++) {
        const float *P = b->p + (size_t)h * T * T;
        for (int t = 0; t < T; t++) {
            const float *row = P + (size_t)t * T;
            const float *go = dO + (size_t)t * d + h * dh;
            float dot = 0.0f;
            for (int s = 0; s < T; s++) {
                const float *vs = b->v + (size_t)s * d + h * dh;
                float *gv = dv + (size_t)s * d + h * dh;
                float acc = 0.0f;
                for (int k = 0; k < dh; k++) {
                    acc += go[k] * vs[k];
                    gv[k] += row[s] * go[k];
                }
                dp[s] = acc;
                dot += acc * row[s];
            }
            const float *qt = b->q + (size_t)t * d + h * dh;
            float *gq = dq + (size_t)t * d + h * dh;
            for (int s = 0; s < T; s++) {
                float ds = row[s] * (dp[s] - dot) * scale;
                const float *ks = b->k + (size_t)s * d + h * dh;
                float *gk = dk + (size_t)s * d + h * dh;
                for (int k = 0; k < dh; k++) {
                    gq[k] += ds * ks[k];
                    gk[k] += ds * qt[k];
                }
            }
        }
    }
}

double beex_tnet_backward(beex_tws *w, const beex_tparams *p, const beex_teff *e, int y,
                          const float *lw, beex_tparams *g)
{
    const beex_config *c = &w->cfg;
    int d = c->d, f = c->dff, C = c->classes, T = w->T;
    size_t Td = (size_t)T * d, Tf = (size_t)T * f;
    double sw = loss_weight_sum(lw, c->blocks), L = 0.0;
    float *dcur = w->d_cur; /* dL/d xout of the block being processed */
    memset(dcur, 0, Td * sizeof(float));
    float *dzp = w->d_z;
    float *dpool = w->d_row; /* d floats */
    for (int i = c->blocks - 1; i >= 0; i--) {
        bcache *b = &w->bc[i];
        const beex_tblock *pb = &p->blk[i];
        beex_tblock *gb = &g->blk[i];
        const beex_teff_lin *E = &e->lin[i * BEEX_TL_COUNT];
        const float *xin = i > 0 ? w->bc[i - 1].xout : w->x0;

        /* exit head i */
        L += lw[i] * cross_entropy(b->z, C, y);
        for (int j = 0; j < C; j++)
            dzp[j] = b->z[j];
        beex_tk_softmax(dzp, C);
        dzp[y] -= 1.0f;
        for (int j = 0; j < C; j++)
            dzp[j] *= (float)(lw[i] / sw);
        for (int k = 0; k < d; k++)
            dpool[k] = 0.0f;
        for (int j = 0; j < C; j++) {
            gb->eb[j] += dzp[j];
            for (int k = 0; k < d; k++) {
                gb->ew[(size_t)j * d + k] += dzp[j] * b->pooled[k];
                dpool[k] += dzp[j] * pb->ew[(size_t)j * d + k];
            }
        }
        for (int t = 0; t < T; t++)
            for (int k = 0; k < d; k++)
                dcur[(size_t)t * d + k] += dpool[k] / (float)T;

        /* LN2 over y + s */
        float *dr = w->d_r;
        beex_tk_layernorm_bwd(dcur, b->xhat2, b->rstd2, T, d, pb->ln2g, dr, gb->ln2g, gb->ln2b);
        for (size_t k = 0; k < Td; k++) {
            float ds = dr[k] * (w->dropout > 0.0f ? b->mask_s[k] : 1.0f);
            w->d_m2[k] = ds * b->m4[k];
            w->d_m4[k] = ds * b->m2[k];
        }
        int a1 = w->prec == BEEX_PREC_W1A1;
        memset(w->d_ge, 0, Tf * sizeof(float));
        memset(w->d_ue, 0, Tf * sizeof(float));
        bl_backward(w->d_m2, T, d, a1 ? b->ge : b->g, f, &E[BEEX_TL_W2], &gb->lin[BEEX_TL_W2],
                    w->d_ge, w->xs);
        bl_backward(w->d_m4, T, d, a1 ? b->ue : b->u, f, &E[BEEX_TL_W4], &gb->lin[BEEX_TL_W4],
                    w->d_ue, w->xs);
        act_backward(w, b->g, b->beta_g, w->d_ge, T, f, 0.5f, w->d_g);
        act_backward(w, b->u, b->beta_u, w->d_ue, T, f, 0.0f, w->d_u);
        for (size_t k = 0; k < Tf; k++) {
            w->d_g[k] *= b->g[k] * (1.0f - b->g[k]);
            w->d_u[k] *= 1.0f - b->u[k] * b->u[k];
        }
        memset(w->d_ye, 0, Td * sizeof(float));
        const float *ey = a1 ? b->ye : b->y;
        bl_backward(w->d_g, T, f, ey, d, &E[BEEX_TL_W1], &gb->lin[BEEX_TL_W1], w->d_ye, w->xs);
        bl_backward(w->d_u, T, f, ey, d, &E[BEEX_TL_W3], &gb->lin[BEEX_TL_W3], w->d_ye, w->xs);
        float *dy = w->d_in;
        act_backward(w, b->y, b->beta_y, w->d_ye, T, d, 0.0f, dy);
        add_to(dy, dr, Td); /* residual y -> y + s */

        /* LN1 over xin + a */
        beex_tk_layernorm_bwd(dy, b->xhat1, b->rstd1, T, d, pb->ln1g, dr, gb->ln1g, gb->ln1b);
        float *da = w->d_m2;
        for (size_t k = 0; k < Td; k++)
            da[k] = dr[k] * (w->dropout > 0.0f ? b->mask_a[k] : 1.0f);
        float *doe = w->d_m4;
        memset(doe, 0, Td * sizeof(float));
        bl_backward(da, T, d, a1 ? b->oe : b->o, d, &E[BEEX_TL_O], &gb->lin[BEEX_TL_O], doe, w->xs);
        act_backward(w, b->o, b->beta_o, doe, T, d, 0.0f, w->d_o);
        attention_bwd(b, w->d_o, T, d, c->heads, w->d_q, w->d_k, w->d_v, w->d_ye);
        const float *ein = a1 ? b->xe_in : xin;
        float *dein = w->d_m4;
        memset(dein, 0, Td * sizeof(float));
        bl_backward(w->d_q, T, d, ein, d, &E[BEEX_TL_Q], &gb->lin[BEEX_TL_Q], dein, w->xs);
        bl_backward(w->d_k, T, d, ein, d, &E[BEEX_TL_K], &gb->lin[BEEX_TL_K], dein, w->xs);
        bl_backward(w->d_v, T, d, ein, d, &E[BEEX_TL_V], &gb->lin[BEEX_TL_V], dein, w->xs);
        act_backward(w, xin, b->beta_in, dein, T, d, 0.0f, dcur);
        add_to(dcur, dr, Td); /* residual xin -> xin + a; dcur is now dL/d xin */
    }
    /* embeddings: dL/dE_b rows and positions */
    for (int t = 0; t < T; t++) {
        float *gt = g->tok + (size_t)w->ids[t] * d, *gp = g->pos + (size_t)t * d;
        const float *dx = dcur + (size_t)t * d;
        const float *mk = w->mask0 + (size_t)t * d;
        for (int k = 0; k < d; k++) {
            float v = dx[k] * (w->dropout > 0.0f ? mk[k] : 1.0f);
            gt[k] += v;
            gp[k] += v;
        }
    }
    return L / sw;
}
