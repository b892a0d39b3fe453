/* Forward and backward over a mini-batch. Rows of the batch matrix are the tokens of all its
 * examples, example after example (off[i] is example i's first row). Activations a block's
 * backward needs are cached per block; in w1a1 the binarized input of every BL
 * (xe = beta * sign(x - c) + c, the c term being the bias fold of MODEL.md section 3) is
 * cached beside its real-valued input.
 *
 * Work split (each output element is computed by one thread, in one order): products by
 * output tile (tgemm.c), elementwise and per-token work by row, attention by (example, head),
 * exit heads and pooling by example, parameter sums over rows (LayerNorm, embeddings) by
 * column block with the rows in order. So the thread count never changes a bit. */
#include "harness/train/tnet.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/prng.h"
#include "harness/base/threads.h"
#include "harness/train/tgemm.h"
#include "harness/train/tkernels.h"

enum { COLS = 16 }; /* column block of the parameter sums */

typedef struct {
    float *xe_in, *beta_in;     /* w1a1 input of q/k/v */
    float *q, *k, *v, *p;       /* p: per example heads x T x T attention probabilities */
    float *o, *oe, *beta_o;     /* concat heads, its w1a1 version */
    float *a, *mask_a;          /* attention output (before dropout), dropout scales */
    float *xhat1, *rstd1, *y;   /* LN1 */
    float *ye, *beta_y;         /* w1a1 input of w1/w3 */
    float *g, *u, *ge, *beta_g; /* SLFN gates and w1a1 inputs of w2 (c = 0.5) / w4 */
    float *ue, *beta_u;
    float *m2, *m4, *mask_s;
    float *xhat2, *rstd2, *xout; /* LN2 */
    float *pooled, *z;           /* n x d, n x classes */
} bcache;

struct beex_tws {
    beex_config cfg;
    int nthreads;
    beex_precision prec;
    int smooth;
    float dropout;
    int n, M;              /* examples and rows of the current batch */
    int cap_n, cap_M;      /* capacities of the buffers below */
    size_t cap_P;          /* attention probabilities, floats per block */
    int *len, *off, *tpos; /* per example length and first row; per row its position */
    size_t *poff;          /* per example offset into a block's p */
    int32_t *ids;          /* per row */
    float *x0, *mask0;
    bcache *bc;
    float *d_cur, *d_r, *d_m2, *d_m4, *d_ye, *d_o, *d_q, *d_k, *d_v, *d_in;
    float *d_ge, *d_g, *d_ue, *d_u;
    float *d_z, *d_pool; /* n x classes, n x d */
    float *xs;           /* w1a1: signs of the current BL input, for exact integer products */
    float *mem;
    float *att; /* per thread: 3 L^2 + L d floats of attention scratch */
    size_t att_each;
};

static float *carve(float **q, size_t n)
{
    float *r = *q;
    *q += n;
    return r;
}

beex_tws *beex_tws_new(const beex_config *cfg, int threads)
{
    beex_tws *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->cfg = *cfg;
    w->nthreads = threads > 0 ? threads : beex_threads_count();
    size_t L = (size_t)cfg->max_len;
    w->att_each = 3 * L * L + L * (size_t)cfg->d;
    w->att = malloc((size_t)w->nthreads * w->att_each * sizeof(float));
    w->bc = calloc((size_t)cfg->blocks, sizeof *w->bc);
    if (w->att == NULL || w->bc == NULL) {
        beex_tws_free(w);
        return NULL;
    }
    return w;
}

void beex_tws_free(beex_tws *w)
{
    if (w == NULL)
        return;
    free(w->mem);
    free(w->att);
    free(w->len);
    free(w->off);
    free(w->tpos);
    free(w->poff);
    free(w->ids);
    free(w->bc);
    free(w);
}

/* Buffers for n examples, M rows and P attention floats per block; grows, never shrinks. */
static int reserve(beex_tws *w, int n, int M, size_t P)
{
    if (n <= w->cap_n && M <= w->cap_M && P <= w->cap_P)
        return 0;
    n = n > w->cap_n ? n : w->cap_n;
    M = M > w->cap_M ? M : w->cap_M;
    P = P > w->cap_P ? P : w->cap_P;
    const beex_config *c = &w->cfg;
    size_t d = (size_t)c->d, f = (size_t)c->dff, C = (size_t)c->classes, R = (size_t)M;
    size_t mx = f > d ? f : d;
    size_t per_block = 16 * R * d + 4 * R * f + 7 * R + P + (size_t)n * (d + C);
    size_t total = 2 * R * d + (size_t)c->blocks * per_block + 10 * R * d + 4 * R * f +
                   (size_t)n * (C + d) + R * mx;
    free(w->mem);
    free(w->len);
    free(w->off);
    free(w->tpos);
    free(w->poff);
    free(w->ids);
    w->mem = calloc(total, sizeof(float));
    w->len = calloc((size_t)n, sizeof(int));
    w->off = calloc((size_t)n + 1, sizeof(int));
    w->tpos = calloc(R, sizeof(int));
    w->poff = calloc((size_t)n + 1, sizeof(size_t));
    w->ids = calloc(R, sizeof(int32_t));
    if (!w->mem || !w->len || !w->off || !w->tpos || !w->poff || !w->ids) {
        w->cap_n = w->cap_M = 0;
        w->cap_P = 0;
        return -1;
    }
    w->cap_n = n;
    w->cap_M = M;
    w->cap_P = P;
    float *q = w->mem;
    w->x0 = carve(&q, R * d);
    w->mask0 = carve(&q, R * d);
    for (int i = 0; i < c->blocks; i++) {
        bcache *b = &w->bc[i];
        b->xe_in = carve(&q, R * d);
        b->beta_in = carve(&q, R);
        b->q = carve(&q, R * d);
        b->k = carve(&q, R * d);
        b->v = carve(&q, R * d);
        b->p = carve(&q, P);
        b->o = carve(&q, R * d);
        b->oe = carve(&q, R * d);
        b->beta_o = carve(&q, R);
        b->a = carve(&q, R * d);
        b->mask_a = carve(&q, R * d);
        b->xhat1 = carve(&q, R * d);
        b->rstd1 = carve(&q, R);
        b->y = carve(&q, R * d);
        b->ye = carve(&q, R * d);
        b->beta_y = carve(&q, R);
        b->g = carve(&q, R * f);
        b->u = carve(&q, R * f);
        b->ge = carve(&q, R * f);
        b->beta_g = carve(&q, R);
        b->ue = carve(&q, R * f);
        b->beta_u = carve(&q, R);
        b->m2 = carve(&q, R * d);
        b->m4 = carve(&q, R * d);
        b->mask_s = carve(&q, R * d);
        b->xhat2 = carve(&q, R * d);
        b->rstd2 = carve(&q, R);
        b->xout = carve(&q, R * d);
        b->pooled = carve(&q, (size_t)n * d);
        b->z = carve(&q, (size_t)n * C);
    }
    w->d_cur = carve(&q, R * d);
    w->d_r = carve(&q, R * d);
    w->d_m2 = carve(&q, R * d);
    w->d_m4 = carve(&q, R * d);
    w->d_ye = carve(&q, R * d);
    w->d_o = carve(&q, R * d);
    w->d_q = carve(&q, R * d);
    w->d_k = carve(&q, R * d);
    w->d_v = carve(&q, R * d);
    w->d_in = carve(&q, R * d);
    w->d_ge = carve(&q, R * f);
    w->d_g = carve(&q, R * f);
    w->d_ue = carve(&q, R * f);
    w->d_u = carve(&q, R * f);
    w->d_z = carve(&q, (size_t)n * C);
    w->d_pool = carve(&q, (size_t)n * d);
    w->xs = carve(&q, R * mx);
    return 0;
}

/* splitmix64 stream for dropout masks, drawn per example in a fixed order (embedding, then
 * each block's attention and SLFN masks): an example's masks depend only on its seed. */
static void make_mask(float *mask, size_t n, float p, uint64_t *s)
{
    float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        float u = (float)(beex_splitmix64(s) >> 40) * (1.0f / 16777216.0f);
        mask[i] = u < p ? 0.0f : keep;
    }
}

static inline float sign_pm1(float v)
{
    return v >= 0.0f ? 1.0f : -1.0f;
}

/* BL input in the current precision (per row): w1a1 binarizes into xe (cached for the
 * backward pass) and leaves the plain signs in w->xs for the product; other precisions use
 * x. Orphaned loop: the caller's team shares the rows. */
static const float *bl_input(beex_tws *w, const float *x, int n, float c, float *xe, float *beta)
{
    if (w->prec != BEEX_PREC_W1A1)
        return x;
#pragma omp for schedule(static)
    for (int r = 0; r < w->M; r++) {
        size_t o = (size_t)r * n;
        beex_tk_binarize_act(x + o, 1, n, c, w->smooth, xe + o, beta + r);
        for (int k = 0; k < n; k++)
            w->xs[o + k] = sign_pm1(x[o + k] - c);
    }
    return xe;
}

/* y = BL(x) over all rows. In w1a1 the dot products of signs are exact integers (as in the
 * XNOR-popcount kernels), then scaled: y = beta_t alpha_j dot + (b_j + c alpha_j sum_k s_jk).
 * Summing alpha * sign(W) * xe in floats instead would turn exact zeros into rounding noise
 * whose sign the next layer's binarization would then pick up. */
static void bl_fwd(beex_tws *w, const float *ein, const float *beta, int in, float c,
                   const beex_teff_lin *E, const float *bias, int out, float *y)
{
    if (w->prec != BEEX_PREC_W1A1 || w->smooth) {
        beex_tg_forward(w->M, in, out, ein, E->wbt, bias, y);
        return;
    }
    beex_tg_forward(w->M, in, out, w->xs, E->sbt, NULL, y);
#pragma omp for schedule(static)
    for (int r = 0; r < w->M; r++) {
        float *yr = y + (size_t)r * out;
        for (int j = 0; j < out; j++)
            yr[j] = beta[r] * E->alpha[j] * yr[j] + (bias[j] + c * E->alpha[j] * E->ssum[j]);
    }
}

static float *att_scratch(const beex_tws *w)
{
    return w->att + (size_t)omp_get_thread_num() * w->att_each;
}

static void attention_fwd(beex_tws *w, bcache *b)
{
    int d = w->cfg.d, H = w->cfg.heads, dh = d / H;
    float scale = 1.0f / sqrtf((float)dh);
#pragma omp for schedule(static)
    for (int task = 0; task < w->n * H; task++) {
        int i = task / H, h = task % H, T = w->len[i];
        size_t r0 = (size_t)w->off[i] * d + (size_t)h * dh;
        float *P = b->p + w->poff[i] + (size_t)h * T * T;
        float *kt = att_scratch(w); /* K_h transposed, dh x T */
        beex_tg_transpose(T, dh, b->k + r0, d, kt, T);
        beex_tg_small(T, T, dh, kt, T, b->q + r0, d, P, T, 0); /* P[t][s] = q_t . k_s */
        for (int t = 0; t < T; t++) {
            float *row = P + (size_t)t * T;
            for (int s = 0; s < T; s++)
                row[s] *= scale;
            beex_tk_softmax(row, T);
        }
        beex_tg_small(dh, T, T, b->v + r0, d, P, T, b->o + r0, d, 0); /* O_h = P V_h */
    }
}

static void layernorm_rows(const beex_tws *w, const float *x, const float *gamma, const float *beta,
                           float *y, float *xhat, float *rstd)
{
    int d = w->cfg.d;
#pragma omp for schedule(static)
    for (int r = 0; r < w->M; r++)
        beex_tk_layernorm_fwd(x + (size_t)r * d, 1, d, gamma, beta, w->cfg.ln_eps,
                              y + (size_t)r * d, xhat + (size_t)r * d, rstd + r);
}

static void block_forward(beex_tws *w, const beex_tparams *p, const beex_teff *e, int i,
                          const float *xin)
{
    const beex_config *c = &w->cfg;
    int d = c->d, f = c->dff, C = c->classes, M = w->M;
    bcache *b = &w->bc[i];
    const beex_tblock *pb = &p->blk[i];
    const beex_teff_lin *E = &e->lin[i * BEEX_TL_COUNT];
    int drop = w->dropout > 0.0f;
    const float *ein = bl_input(w, xin, d, 0.0f, b->xe_in, b->beta_in);
    bl_fwd(w, ein, b->beta_in, d, 0.0f, &E[BEEX_TL_Q], pb->lin[BEEX_TL_Q].b, d, b->q);
    bl_fwd(w, ein, b->beta_in, d, 0.0f, &E[BEEX_TL_K], pb->lin[BEEX_TL_K].b, d, b->k);
    bl_fwd(w, ein, b->beta_in, d, 0.0f, &E[BEEX_TL_V], pb->lin[BEEX_TL_V].b, d, b->v);
    attention_fwd(w, b);
    const float *eo = bl_input(w, b->o, d, 0.0f, b->oe, b->beta_o);
    bl_fwd(w, eo, b->beta_o, d, 0.0f, &E[BEEX_TL_O], pb->lin[BEEX_TL_O].b, d, b->a);
    float *r = w->d_r; /* residual sum scratch (forward only) */
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++)
        for (int k = 0; k < d; k++) {
            size_t o = (size_t)t * d + k;
            r[o] = xin[o] + b->a[o] * (drop ? b->mask_a[o] : 1.0f);
        }
    layernorm_rows(w, r, pb->ln1g, pb->ln1b, b->y, b->xhat1, b->rstd1);
    const float *ey = bl_input(w, b->y, d, 0.0f, b->ye, b->beta_y);
    bl_fwd(w, ey, b->beta_y, d, 0.0f, &E[BEEX_TL_W1], pb->lin[BEEX_TL_W1].b, f, b->g);
    bl_fwd(w, ey, b->beta_y, d, 0.0f, &E[BEEX_TL_W3], pb->lin[BEEX_TL_W3].b, f, b->u);
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++)
        beex_tk_gates(b->g + (size_t)t * f, b->u + (size_t)t * f, f);
    /* each BL right after its input is binarized: w->xs holds one input at a time */
    const float *eg = bl_input(w, b->g, f, 0.5f, b->ge, b->beta_g);
    bl_fwd(w, eg, b->beta_g, f, 0.5f, &E[BEEX_TL_W2], pb->lin[BEEX_TL_W2].b, d, b->m2);
    const float *eu = bl_input(w, b->u, f, 0.0f, b->ue, b->beta_u);
    bl_fwd(w, eu, b->beta_u, f, 0.0f, &E[BEEX_TL_W4], pb->lin[BEEX_TL_W4].b, d, b->m4);
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++)
        for (int k = 0; k < d; k++) {
            size_t o = (size_t)t * d + k;
            r[o] = b->y[o] + b->m2[o] * b->m4[o] * (drop ? b->mask_s[o] : 1.0f);
        }
    layernorm_rows(w, r, pb->ln2g, pb->ln2b, b->xout, b->xhat2, b->rstd2);
#pragma omp for schedule(static)
    for (int ex = 0; ex < w->n; ex++) {
        float *pooled = b->pooled + (size_t)ex * d;
        int T = w->len[ex];
        for (int k = 0; k < d; k++)
            pooled[k] = 0.0f;
        for (int t = 0; t < T; t++)
            for (int k = 0; k < d; k++)
                pooled[k] += b->xout[(size_t)(w->off[ex] + t) * d + k];
        for (int k = 0; k < d; k++)
            pooled[k] /= (float)T;
        for (int j = 0; j < C; j++) {
            float acc = pb->eb[j];
            for (int k = 0; k < d; k++)
                acc += pb->ew[(size_t)j * d + k] * pooled[k];
            b->z[(size_t)ex * C + j] = acc;
        }
    }
}

int beex_tnet_forward_batch(beex_tws *w, const beex_tparams *p, const beex_teff *e,
                            beex_precision prec, int n, const int32_t *const *ids, const int *len,
                            float dropout, const uint64_t *seeds, int smooth, float *logits)
{
    const beex_config *c = &w->cfg;
    int d = c->d, C = c->classes, M = 0;
    size_t P = 0;
    for (int i = 0; i < n; i++) {
        int T = len[i] < 1 ? 1 : len[i] > c->max_len ? c->max_len : len[i];
        M += T;
        P += (size_t)c->heads * T * T;
    }
    if (n < 1 || reserve(w, n, M, P) != 0)
        return -1;
    w->n = n;
    w->M = M;
    w->prec = prec;
    w->smooth = smooth;
    w->dropout = dropout;
    int drop = dropout > 0.0f;
    for (int i = 0, row = 0; i < n; i++) {
        int T = len[i] < 1 ? 1 : len[i] > c->max_len ? c->max_len : len[i];
        w->len[i] = T;
        w->off[i] = row;
        w->poff[i] = i == 0 ? 0 : w->poff[i - 1] + (size_t)c->heads * w->len[i - 1] * w->len[i - 1];
        for (int t = 0; t < T; t++, row++) {
            int32_t v = ids[i][t];
            w->ids[row] = v >= 0 && v < c->vocab ? v : 1;
            w->tpos[row] = t;
        }
    }
    w->off[n] = M;
#pragma omp parallel num_threads(w->nthreads)
    {
        if (drop) {
#pragma omp for schedule(static)
            for (int i = 0; i < n; i++) {
                uint64_t rng = seeds[i];
                size_t o = (size_t)w->off[i] * d, cnt = (size_t)w->len[i] * d;
                make_mask(w->mask0 + o, cnt, dropout, &rng);
                for (int b = 0; b < c->blocks; b++) {
                    make_mask(w->bc[b].mask_a + o, cnt, dropout, &rng);
                    make_mask(w->bc[b].mask_s + o, cnt, dropout, &rng);
                }
            }
        }
#pragma omp for schedule(static)
        for (int r = 0; r < M; r++) {
            int v = w->ids[r];
            const float *er = p->tok + (size_t)v * d, *pr = p->pos + (size_t)w->tpos[r] * d;
            float *xr = w->x0 + (size_t)r * d;
            const float *mk = w->mask0 + (size_t)r * d;
            float gm = e->gamma[v];
            for (int k = 0; k < d; k++) {
                float x = (e->binarized ? gm * sign_pm1(er[k]) : er[k]) + pr[k];
                xr[k] = drop ? x * mk[k] : x;
            }
        }
        const float *xin = w->x0;
        for (int b = 0; b < c->blocks; b++) {
            block_forward(w, p, e, b, xin);
            xin = w->bc[b].xout;
        }
    }
    if (logits != NULL)
        for (int i = 0; i < n; i++)
            for (int b = 0; b < c->blocks; b++)
                memcpy(logits + ((size_t)i * c->blocks + b) * C, w->bc[b].z + (size_t)i * C,
                       (size_t)C * sizeof(float));
    return 0;
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

/* dW += dY^T X_eff and the input gradient dX_eff = dY Wb (accumulate: added to dxe). */
static void bl_backward(const beex_tws *w, const float *dy, int out, const float *xin_eff, int in,
                        const beex_teff_lin *E, beex_tlin *G, float *dxe, int accumulate)
{
    beex_tg_backward_weight(w->M, out, in, dy, xin_eff, G->w, G->b);
    beex_tg_backward_data(w->M, out, in, dy, E->wb, dxe, accumulate);
}

/* The w1a1 activation surrogate of row r's input gradient (in place), identity otherwise. */
static inline void act_surrogate_row(const beex_tws *w, const float *x, const float *beta,
                                     float *dx, int r, int n, float c)
{
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
}

/* Exit head b: logit gradients (scaled by lw_b / sum lw and the batch scale), head
 * parameters summed over the examples in order, pooled gradient spread over each example's
 * rows into dcur. */
static void head_backward(beex_tws *w, const beex_tparams *p, int bi, const int *y, float wscale,
                          beex_tparams *g)
{
    const beex_config *c = &w->cfg;
    int d = c->d, C = c->classes;
    const bcache *b = &w->bc[bi];
    const beex_tblock *pb = &p->blk[bi];
    beex_tblock *gb = &g->blk[bi];
#pragma omp single
    for (int ex = 0; ex < w->n; ex++) {
        float *dz = w->d_z + (size_t)ex * C, *dpool = w->d_pool + (size_t)ex * d;
        const float *pooled = b->pooled + (size_t)ex * d;
        memcpy(dz, b->z + (size_t)ex * C, (size_t)C * sizeof *dz);
        beex_tk_softmax(dz, C);
        dz[y[ex]] -= 1.0f;
        for (int j = 0; j < C; j++)
            dz[j] *= wscale;
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
#pragma omp for schedule(static)
    for (int ex = 0; ex < w->n; ex++) {
        const float *dpool = w->d_pool + (size_t)ex * d;
        float inv = 1.0f / (float)w->len[ex];
        for (int t = 0; t < w->len[ex]; t++) {
            float *dr = w->d_cur + (size_t)(w->off[ex] + t) * d;
            for (int k = 0; k < d; k++)
                dr[k] += dpool[k] * inv;
        }
    }
}

static void block_backward(beex_tws *w, const beex_tparams *p, const beex_teff *e, int bi,
                           const int *y, float wscale, beex_tparams *g)
{
    const beex_config *c = &w->cfg;
    int d = c->d, f = c->dff, M = w->M;
    bcache *b = &w->bc[bi];
    const beex_tblock *pb = &p->blk[bi];
    beex_tblock *gb = &g->blk[bi];
    const beex_teff_lin *E = &e->lin[bi * BEEX_TL_COUNT];
    const float *xin = bi > 0 ? w->bc[bi - 1].xout : w->x0;
    int a1 = w->prec == BEEX_PREC_W1A1, drop = w->dropout > 0.0f;
    float *dcur = w->d_cur, *dr = w->d_r;

    head_backward(w, p, bi, y, wscale, g);
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
    bl_backward(w, w->d_m2, d, a1 ? b->ge : b->g, f, &E[BEEX_TL_W2], &gb->lin[BEEX_TL_W2], w->d_g,
                0);
    bl_backward(w, w->d_m4, d, a1 ? b->ue : b->u, f, &E[BEEX_TL_W4], &gb->lin[BEEX_TL_W4], w->d_u,
                0);
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++) {
        act_surrogate_row(w, b->g, b->beta_g, w->d_g, t, f, 0.5f);
        act_surrogate_row(w, b->u, b->beta_u, w->d_u, t, f, 0.0f);
        for (int k = 0; k < f; k++) {
            size_t o = (size_t)t * f + k;
            w->d_g[o] *= b->g[o] * (1.0f - b->g[o]);
            w->d_u[o] *= 1.0f - b->u[o] * b->u[o];
        }
    }
    const float *ey = a1 ? b->ye : b->y;
    bl_backward(w, w->d_g, f, ey, d, &E[BEEX_TL_W1], &gb->lin[BEEX_TL_W1], w->d_ye, 0);
    bl_backward(w, w->d_u, f, ey, d, &E[BEEX_TL_W3], &gb->lin[BEEX_TL_W3], w->d_ye, 1);
    float *dy = w->d_in;
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++) {
        act_surrogate_row(w, b->y, b->beta_y, w->d_ye, t, d, 0.0f);
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
    bl_backward(w, da, d, a1 ? b->oe : b->o, d, &E[BEEX_TL_O], &gb->lin[BEEX_TL_O], w->d_o, 0);
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++)
        act_surrogate_row(w, b->o, b->beta_o, w->d_o, t, d, 0.0f);
    attention_bwd(w, b, w->d_o, w->d_q, w->d_k, w->d_v);
    const float *ein = a1 ? b->xe_in : xin;
    float *dein = w->d_m4;
    bl_backward(w, w->d_q, d, ein, d, &E[BEEX_TL_Q], &gb->lin[BEEX_TL_Q], dein, 0);
    bl_backward(w, w->d_k, d, ein, d, &E[BEEX_TL_K], &gb->lin[BEEX_TL_K], dein, 1);
    bl_backward(w, w->d_v, d, ein, d, &E[BEEX_TL_V], &gb->lin[BEEX_TL_V], dein, 1);
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++) {
        act_surrogate_row(w, xin, b->beta_in, dein, t, d, 0.0f);
        for (int k = 0; k < d; k++) {
            size_t o = (size_t)t * d + k;
            dcur[o] = dein[o] + dr[o]; /* residual xin -> xin + a; now dL/d xin */
        }
    }
}

void beex_tnet_backward_batch(beex_tws *w, const beex_tparams *p, const beex_teff *e, const int *y,
                              const float *lw, float scale, beex_tparams *g, double *loss)
{
    const beex_config *c = &w->cfg;
    int d = c->d, C = c->classes, M = w->M;
    double sw = loss_weight_sum(lw, c->blocks);
    int drop = w->dropout > 0.0f;
#pragma omp parallel num_threads(w->nthreads)
    {
#pragma omp for schedule(static)
        for (int r = 0; r < M; r++)
            memset(w->d_cur + (size_t)r * d, 0, (size_t)d * sizeof(float));
        for (int bi = c->blocks - 1; bi >= 0; bi--)
            block_backward(w, p, e, bi, y, (float)(lw[bi] / sw) * scale, g);
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
        for (int ex = 0; ex < w->n; ex++) {
            double L = 0.0;
            for (int bi = 0; bi < c->blocks; bi++)
                L += lw[bi] * cross_entropy(w->bc[bi].z + (size_t)ex * C, C, y[ex]);
            loss[ex] = L / sw;
        }
}

void beex_tnet_forward(beex_tws *w, const beex_tparams *p, const beex_teff *e, beex_precision prec,
                       const int32_t *ids, int T, float dropout, uint64_t rng_seed, int smooth,
                       float *logits)
{
    const int32_t *rows[1] = {ids};
    (void)beex_tnet_forward_batch(w, p, e, prec, 1, rows, &T, dropout, &rng_seed, smooth, logits);
}

double beex_tnet_backward(beex_tws *w, const beex_tparams *p, const beex_teff *e, int y,
                          const float *lw, beex_tparams *g)
{
    double L = 0.0;
    beex_tnet_backward_batch(w, p, e, &y, lw, 1.0f, g, &L);
    return L;
}
