/* An independent, deliberately plain forward pass (docs/model.md sections 2, 3 and 3b) in double
 * precision, straight from the latent weights, for checking the engine. Shares no code
 * with harness/model/forward*.c, nor with the kernels: w8a8's int8 layers and embedding are
 * written out here from section 3b's text, in fp32 where the text says fp32. */
#ifndef BEEX_TESTS_ENGINE_PLAIN_FORWARD_H
#define BEEX_TESTS_ENGINE_PLAIN_FORWARD_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/model.h"

static inline double pf_sign(double v)
{
    return v >= 0.0 ? 1.0 : -1.0; /* sign(-0.0) = +1 */
}

/* Section 3b's quantizer: p = x * inv in fp32; NaN -> 0; saturate to [-127, 127]; otherwise
 * round half to even (nearbyintf in the default rounding mode). */
static inline int pf_q8(float x, float inv)
{
    float p = x * inv;
    if (p != p)
        return 0;
    if (p >= 127.0f)
        return 127;
    if (p <= -127.0f)
        return -127;
    return (int)nearbyintf(p);
}

/* Section 3b's weight row: sw = max |w| / 127 (fp32), q_k = pf_q8(w_k, 1 / sw), 0 when sw is 0. */
static inline float pf_q8_row(const float *w, int n, int *q)
{
    float amax = 0.0f;
    for (int k = 0; k < n; k++)
        if (fabsf(w[k]) > amax)
            amax = fabsf(w[k]);
    float sw = amax / 127.0f, inv = sw != 0.0f ? 1.0f / sw : 0.0f;
    for (int k = 0; k < n; k++)
        q[k] = pf_q8(w[k], inv);
    return sw;
}

/* w8a8: y_j = (float)dot_j * (sw_j * sx) + b_j, each step rounded to fp32, the input row
 * quantized with the layer's static scale sx (l->act_scale). */
static inline void pf_linear_w8a8(const beex_linear *l, const double *x, int T, double *y)
{
    int in = l->cols, out = l->rows;
    float sx = l->act_scale, inv = 1.0f / sx;
    int *qx = malloc((size_t)in * sizeof *qx), *qw = malloc((size_t)in * sizeof *qw);
    for (int t = 0; t < T; t++) {
        for (int k = 0; k < in; k++)
            qx[k] = pf_q8((float)x[(size_t)t * in + k], inv);
        for (int j = 0; j < out; j++) {
            float sw = pf_q8_row(l->weight + (size_t)j * in, in, qw);
            long long dot = 0;
            for (int k = 0; k < in; k++)
                dot += (long long)qx[k] * qw[k];
            float scale = sw * sx;
            float v = (float)dot * scale;
            v = v + (l->bias ? l->bias[j] : 0.0f);
            y[(size_t)t * out + j] = v;
        }
    }
    free(qx), free(qw);
}

/* y (T x out) = BL(x (T x in)) in precision p; c centres the input in w1a1. */
static inline void pf_linear(const beex_linear *l, beex_precision p, const double *x, int T,
                             double c, double *y)
{
    int in = l->cols, out = l->rows;
    if (p == BEEX_PREC_W8A8) {
        pf_linear_w8a8(l, x, T, y);
        return;
    }
    for (int t = 0; t < T; t++) {
        const double *xr = x + (size_t)t * in;
        double beta = 0.0;
        for (int k = 0; k < in; k++)
            beta += fabs(xr[k] - c);
        beta /= in;
        for (int j = 0; j < out; j++) {
            const float *w = l->weight + (size_t)j * in;
            double alpha = 0.0, acc = 0.0, ssum = 0.0;
            for (int k = 0; k < in; k++)
                alpha += fabs((double)w[k]);
            alpha /= in;
            for (int k = 0; k < in; k++) {
                double s = pf_sign(w[k]);
                ssum += s;
                if (p == BEEX_PREC_FP32)
                    acc += (double)w[k] * xr[k];
                else if (p == BEEX_PREC_W1A32)
                    acc += s * xr[k];
                else
                    acc += s * pf_sign(xr[k] - c);
            }
            double b = l->bias ? l->bias[j] : 0.0;
            if (p == BEEX_PREC_FP32)
                y[(size_t)t * out + j] = acc + b;
            else if (p == BEEX_PREC_W1A32)
                y[(size_t)t * out + j] = alpha * acc + b;
            else
                y[(size_t)t * out + j] = alpha * beta * acc + b + c * alpha * ssum;
        }
    }
}

static inline void pf_layernorm(double *x, int T, int d, const float *g, const float *b, double eps)
{
    for (int t = 0; t < T; t++) {
        double *r = x + (size_t)t * d, mean = 0.0, var = 0.0;
        for (int k = 0; k < d; k++)
            mean += r[k];
        mean /= d;
        for (int k = 0; k < d; k++)
            var += (r[k] - mean) * (r[k] - mean);
        var /= d;
        for (int k = 0; k < d; k++)
            r[k] = (r[k] - mean) / sqrt(var + eps) * g[k] + b[k];
    }
}

/* amax[k] = max(amax[k], max |x_i|) over n values (amax NULL: nothing): calibration's
 * statistic of one layer input (docs/model.md section 3b). */
static inline void pf_observe(double *amax, int k, const double *x, size_t n, size_t stride,
                              size_t cols)
{
    if (amax == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < cols; c++)
            amax[k] = fmax(amax[k], fabs(x[i * stride + c]));
}

/* Full-depth trace: logits[blocks * classes], entropy[blocks]; with amax (blocks x
 * BEEX_ACT_INPUTS, the caller's running maxima) the largest |value| of every layer input. */
static inline void pf_trace_amax(const beex_model *m, beex_precision p, const int32_t *ids, int T,
                                 double *logits, double *entropy, double *amax)
{
    const beex_config *c = &m->cfg;
    int d = c->d, ff = c->dff, H = c->heads, dh = d / H, C = c->classes;
    if (T > c->max_len)
        T = c->max_len;
    size_t td = (size_t)T * d;
    double *x = calloc(td, sizeof *x), *q = calloc(td, sizeof *q), *k = calloc(td, sizeof *k);
    double *v = calloc(td, sizeof *v), *o = calloc(td, sizeof *o), *a = calloc(td, sizeof *a);
    double *h1 = calloc((size_t)T * ff, sizeof *h1), *h3 = calloc((size_t)T * ff, sizeof *h3);
    double *s2 = calloc(td, sizeof *s2), *s4 = calloc(td, sizeof *s4);
    double *sc = calloc((size_t)T, sizeof *sc);
    int *qe = malloc((size_t)d * sizeof *qe);
    for (int t = 0; t < T; t++) {
        const float *e = m->tok_embed + (size_t)ids[t] * d;
        if (p == BEEX_PREC_W8A8) { /* E[v] = se_v * q_v in fp32, the position added in fp32 */
            float se = pf_q8_row(e, d, qe);
            for (int j = 0; j < d; j++) {
                float tok = se * (float)qe[j];
                x[(size_t)t * d + j] = tok + m->pos_embed[(size_t)t * d + j];
            }
            continue;
        }
        double gamma = 0.0;
        for (int j = 0; j < d; j++)
            gamma += fabs((double)e[j]);
        gamma /= d;
        for (int j = 0; j < d; j++) {
            double tok = p == BEEX_PREC_FP32 ? (double)e[j] : gamma * pf_sign(e[j]);
            x[(size_t)t * d + j] = tok + m->pos_embed[(size_t)t * d + j];
        }
    }
    for (int b = 0; b < c->blocks; b++) {
        const beex_block *B = &m->blocks[b];
        double *am = amax != NULL ? amax + (size_t)b * BEEX_ACT_INPUTS : NULL;
        pf_observe(am, BEEX_ACT_X, x, (size_t)T, (size_t)d, (size_t)d);
        pf_linear(&B->q, p, x, T, 0.0, q);
        pf_linear(&B->k, p, x, T, 0.0, k);
        pf_linear(&B->v, p, x, T, 0.0, v);
        for (int hh = 0; hh < H; hh++)
            for (int i = 0; i < T; i++) {
                double mx = -INFINITY, sum = 0.0;
                for (int j = 0; j < T; j++) {
                    double dot = 0.0;
                    for (int e = 0; e < dh; e++)
                        dot += q[(size_t)i * d + hh * dh + e] * k[(size_t)j * d + hh * dh + e];
                    sc[j] = dot / sqrt((double)dh);
                    mx = fmax(mx, sc[j]);
                }
                for (int j = 0; j < T; j++)
                    sum += (sc[j] = exp(sc[j] - mx));
                for (int e = 0; e < dh; e++) {
                    double acc = 0.0;
                    for (int j = 0; j < T; j++)
                        acc += sc[j] / sum * v[(size_t)j * d + hh * dh + e];
                    o[(size_t)i * d + hh * dh + e] = acc;
                }
            }
        pf_observe(am, BEEX_ACT_ATT, o, (size_t)T, (size_t)d, (size_t)d);
        pf_linear(&B->o, p, o, T, 0.0, a);
        for (size_t i = 0; i < td; i++)
            x[i] += a[i]; /* x now holds x + a, normalised into y */
        pf_layernorm(x, T, d, B->ln1_gamma, B->ln1_beta, c->ln_eps);
        pf_observe(am, BEEX_ACT_Y, x, (size_t)T, (size_t)d, (size_t)d);
        pf_linear(&B->w1, p, x, T, 0.0, h1);
        pf_linear(&B->w3, p, x, T, 0.0, h3);
        for (size_t i = 0; i < (size_t)T * ff; i++) {
            h1[i] = 1.0 / (1.0 + exp(-h1[i]));
            h3[i] = tanh(h3[i]);
        }
        pf_observe(am, BEEX_ACT_G, h1, (size_t)T, (size_t)ff, (size_t)ff);
        pf_observe(am, BEEX_ACT_U, h3, (size_t)T, (size_t)ff, (size_t)ff);
        pf_linear(&B->w2, p, h1, T, p == BEEX_PREC_W1A1 ? 0.5 : 0.0, s2);
        pf_linear(&B->w4, p, h3, T, 0.0, s4);
        for (size_t i = 0; i < td; i++)
            x[i] += s2[i] * s4[i];
        pf_layernorm(x, T, d, B->ln2_gamma, B->ln2_beta, c->ln_eps);
        double *z = logits + (size_t)b * C, zmax = -INFINITY, se = 0.0, hsum = 0.0;
        for (int j = 0; j < C; j++) {
            double acc = B->exit_bias[j];
            for (int e = 0; e < d; e++) {
                double mean = 0.0;
                for (int t = 0; t < T; t++)
                    mean += x[(size_t)t * d + e];
                acc += B->exit_weight[(size_t)j * d + e] * mean / T;
            }
            z[j] = acc;
            zmax = fmax(zmax, acc);
        }
        for (int j = 0; j < C; j++)
            se += exp(z[j] - zmax);
        for (int j = 0; j < C; j++) {
            double pj = exp(z[j] - zmax) / se;
            hsum -= pj > 0.0 ? pj * log(pj) : 0.0;
        }
        entropy[b] = hsum;
    }
    free(x), free(q), free(k), free(v), free(o), free(a), free(h1), free(h3), free(s2), free(s4);
    free(sc), free(qe);
}

static inline void pf_trace(const beex_model *m, beex_precision p, const int32_t *ids, int T,
                            double *logits, double *entropy)
{
    pf_trace_amax(m, p, ids, T, logits, entropy, NULL);
}

#endif
