/* Forward and backward over a mini-batch. Rows of the batch matrix are the tokens of all its
 * examples, example after example (off[i] is example i's first row). Activations a block's
 * backward needs are cached per block; in w1a1 the binarized input of every BL
 * (xe = beta * sign(x - c) + c, the c term being the bias fold of docs/model.md section 3) is
 * cached beside its real-valued input.
 *
 * Work split (each output element is computed by one thread, in one order): products by
 * output tile (tgemm.c), elementwise and per-token work by row, attention by (example, head),
 * exit heads and pooling by example, parameter sums over rows (LayerNorm, embeddings) by
 * column block with the rows in order. So the thread count never changes a bit. */
#include "harness/train/tnet.h"
#include "harness/train/tnet_internal.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/prng.h"
#include "harness/base/threads.h"
#include "harness/train/tgemm.h"
#include "harness/train/tkernels.h"
#include "kernels/igemm.h"

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
    w->zp = calloc((size_t)cfg->blocks, sizeof *w->zp);
    if (w->att == NULL || w->bc == NULL || w->zp == NULL) {
        beex_tws_free(w);
        return NULL;
    }
    return w;
}

void beex_tws_set_profile(beex_tws *w, beex_tprofile *p)
{
    w->prof = p;
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
    free(w->zp);
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
                   (size_t)n * (C + d) + R * mx + 2 * C;
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
    w->dz_tmp = carve(&q, 2 * C);
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
 * backward pass) and leaves the plain signs in w->xs for the product; w8a8 fake-quantizes into
 * xe with site's scale (an index into e->act_scale); other precisions use x. Orphaned loop: the
 * caller's team shares the rows. */
static const float *bl_input(beex_tws *w, const beex_teff *e, int site, const float *x, int n,
                             float c, float *xe, float *beta)
{
    if (w->prec == BEEX_PREC_W8A8) {
        /* Quantization-aware: the int8 layer's input, one static scale per site. */
        float s = e->act_scale[site], inv = e->act_inv[site];
#pragma omp for schedule(static)
        for (int r = 0; r < w->M; r++)
            beex_tk_fakequant_act(x + (size_t)r * n, n, s, inv, xe + (size_t)r * n);
        return xe;
    }
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
    /* Every call follows a barrier (the loop before it ends in one), so thread 0's clock
     * spans the product alone. */
    double t0 = beex_tprof_start(w->prof);
    if (w->prec != BEEX_PREC_W1A1 || w->smooth) {
        beex_tg_forward(w->M, in, out, ein, E->wbt, bias, y);
        beex_tprof_stop(w->prof, BEEX_TP_FWD_GEMM, t0, 2.0 * w->M * in * out);
        return;
    }
    beex_tg_forward(w->M, in, out, w->xs, E->sbt, NULL, y);
    beex_tprof_stop(w->prof, BEEX_TP_FWD_GEMM, t0, 2.0 * w->M * in * out);
#pragma omp for schedule(static)
    for (int r = 0; r < w->M; r++) {
        float *yr = y + (size_t)r * out;
        for (int j = 0; j < out; j++)
            yr[j] = beta[r] * E->alpha[j] * yr[j] + (bias[j] + c * E->alpha[j] * E->ssum[j]);
    }
}

static void attention_fwd(beex_tws *w, bcache *b)
{
    int d = w->cfg.d, H = w->cfg.heads, dh = d / H;
    float scale = 1.0f / sqrtf((float)dh);
    double t0 = beex_tprof_start(w->prof);
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
    if (w->prof != NULL)
        beex_tprof_add(w->prof, BEEX_TP_FWD_ATTN, t0, att_flops(w, 2));
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
    int drop = w->dropout > 0.0f, q0 = i * BEEX_ACT_INPUTS;
    const float *ein = bl_input(w, e, q0 + BEEX_ACT_X, xin, d, 0.0f, b->xe_in, b->beta_in);
    bl_fwd(w, ein, b->beta_in, d, 0.0f, &E[BEEX_TL_Q], pb->lin[BEEX_TL_Q].b, d, b->q);
    bl_fwd(w, ein, b->beta_in, d, 0.0f, &E[BEEX_TL_K], pb->lin[BEEX_TL_K].b, d, b->k);
    bl_fwd(w, ein, b->beta_in, d, 0.0f, &E[BEEX_TL_V], pb->lin[BEEX_TL_V].b, d, b->v);
    attention_fwd(w, b);
    const float *eo = bl_input(w, e, q0 + BEEX_ACT_ATT, b->o, d, 0.0f, b->oe, b->beta_o);
    bl_fwd(w, eo, b->beta_o, d, 0.0f, &E[BEEX_TL_O], pb->lin[BEEX_TL_O].b, d, b->a);
    float *r = w->d_r; /* residual sum scratch (forward only) */
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++)
        for (int k = 0; k < d; k++) {
            size_t o = (size_t)t * d + k;
            r[o] = xin[o] + b->a[o] * (drop ? b->mask_a[o] : 1.0f);
        }
    layernorm_rows(w, r, pb->ln1g, pb->ln1b, b->y, b->xhat1, b->rstd1);
    const float *ey = bl_input(w, e, q0 + BEEX_ACT_Y, b->y, d, 0.0f, b->ye, b->beta_y);
    bl_fwd(w, ey, b->beta_y, d, 0.0f, &E[BEEX_TL_W1], pb->lin[BEEX_TL_W1].b, f, b->g);
    bl_fwd(w, ey, b->beta_y, d, 0.0f, &E[BEEX_TL_W3], pb->lin[BEEX_TL_W3].b, f, b->u);
#pragma omp for schedule(static)
    for (int t = 0; t < M; t++)
        beex_tk_gates(b->g + (size_t)t * f, b->u + (size_t)t * f, f);
    /* each BL right after its input is binarized: w->xs holds one input at a time */
    const float *eg = bl_input(w, e, q0 + BEEX_ACT_G, b->g, f, 0.5f, b->ge, b->beta_g);
    bl_fwd(w, eg, b->beta_g, f, 0.5f, &E[BEEX_TL_W2], pb->lin[BEEX_TL_W2].b, d, b->m2);
    const float *eu = bl_input(w, e, q0 + BEEX_ACT_U, b->u, f, 0.0f, b->ue, b->beta_u);
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
                float ev = e->binarized   ? gm * sign_pm1(er[k])
                           : e->quantized ? gm * (float)beex_i8_quantize_one(er[k], e->tok_inv[v])
                                          : er[k];
                float x = ev + pr[k];
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

void beex_tnet_forward(beex_tws *w, const beex_tparams *p, const beex_teff *e, beex_precision prec,
                       const int32_t *ids, int T, float dropout, uint64_t rng_seed, int smooth,
                       float *logits)
{
    const int32_t *rows[1] = {ids};
    (void)beex_tnet_forward_batch(w, p, e, prec, 1, rows, &T, dropout, &rng_seed, smooth, logits);
}
