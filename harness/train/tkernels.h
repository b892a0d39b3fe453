/* Training kernels (docs/model.md sections 2, 3, 6), the products aside (tgemm.h): the
 * binarization of weights and activations with the ApproxSign surrogate, LayerNorm and the
 * activation functions. Row-major throughout; T token rows at a time. */
#ifndef BEEX_TRAIN_TKERNELS_H
#define BEEX_TRAIN_TKERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Clones for AVX-512 and AVX2 beside the baseline, picked at load time (GCC on x86-64;
 * not under the sanitizers, whose builds test the baseline code). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(BEEX_SANITIZE)
#define BEEX_TK_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define BEEX_TK_CLONES
#endif

/* `omp simd` where it is needed (GCC gives up on these loops' clamps and sqrt otherwise);
 * clang vectorises them alone and warns when asked to and it cannot (sanitizer builds). */
#if defined(__GNUC__) && !defined(__clang__)
#define BEEX_TK_SIMD _Pragma("omp simd")
#else
#define BEEX_TK_SIMD
#endif

/* The ApproxSign surrogate F and its derivative max(0, 2 - 2|v|). */
float beex_tk_approxsign(float v);
static inline float beex_tk_approxsign_grad(float v)
{
    float g = 2.0f - 2.0f * (v < 0.0f ? -v : v);
    return g > 0.0f ? g : 0.0f;
}

/* Effective weights of a layer in one precision: fp32 copies w; binarized rows are
 * alpha_j * sign(w_jk) with alpha_j = mean_k |w_jk| (written to alpha when not NULL).
 * smooth = 1 uses F(w) in place of sign (gradient tests only; alpha still mean |w|). */
void beex_tk_binarize_rows(const float *w, int rows, int cols, int binarized, int smooth, float *wb,
                           float *alpha);
/* dw += dwb * alpha_j * max(0, 2 - 2|w_jk|): the weight surrogate, alpha held constant. */
void beex_tk_binarize_rows_bwd(const float *w, const float *alpha, const float *dwb, int rows,
                               int cols, float *dw);

/* w1a1 activations: xe = beta_t * sign(x - c) + c per token row, beta_t = mean |x - c|
 * (written to beta). smooth = 1 uses F in place of sign (tests). */
void beex_tk_binarize_act(const float *x, int T, int n, float c, int smooth, float *xe,
                          float *beta);
/* dx += dxe * beta_t * max(0, 2 - 2|x - c|), beta held constant. */
void beex_tk_binarize_act_bwd(const float *x, const float *beta, const float *dxe, int T, int n,
                              float c, float *dx);

/* w8a8 (quantization-aware training, docs/model.md section 6): fake-quantized weight rows
 * wb_jk = s_j * q_jk, the int8 layer's own weights and row scales (beex_int8_rows, written to
 * the caller's q, rows x cols, and scale, rows) held in floats. */
void beex_tk_fakequant_rows(const float *w, int rows, int cols, float *wb, int8_t *q, float *scale);
/* Activations with one static scale (inv = 1 / scale): xe = scale * q(x * inv). */
void beex_tk_fakequant_act(const float *x, int n, float scale, float inv, float *xe);

/* LayerNorm over n features per row: y = gamma * xhat + beta. Saves xhat and rstd. */
void beex_tk_layernorm_fwd(const float *x, int T, int n, const float *gamma, const float *beta,
                           float eps, float *y, float *xhat, float *rstd);
/* Sum of n values and dot product, in eight interleaved running sums (a fixed order that
 * vectorises). */
float beex_tk_sum(const float *x, int n);
float beex_tk_dot(const float *x, const float *y, int n);

/* Numerically stable in-place softmax of n values (the engine's exp approximation). */
void beex_tk_softmax(float *z, int n);

/* SLFN gates in place: g <- sigmoid(g), u <- tanh(u), n values each, with the engine's exp
 * approximation (kernels/elementwise_math.h), so trainer and engine agree. */
void beex_tk_gates(float *g, float *u, int n);

#endif
