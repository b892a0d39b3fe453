/* Training kernels (MODEL.md sections 2, 3, 6): the fp32 GEMMs of forward and backward, the
 * binarization of weights and activations with the ApproxSign surrogate, LayerNorm and the
 * activation functions. Row-major throughout; one example's T token rows at a time. */
#ifndef BEEX_TRAIN_TKERNELS_H
#define BEEX_TRAIN_TKERNELS_H

#include <stddef.h>

/* y[T x out] = x[T x in] * wt[in x out] + b (b may be NULL). wt is the transposed weight. */
void beex_tk_linear_fwd(const float *x, int T, int in, const float *wt, const float *b, int out,
                        float *y);
/* dx[T x in] += dy[T x out] * w[out x in]. */
void beex_tk_linear_bwd_data(const float *dy, int T, int out, const float *w, int in, float *dx);
/* dw[out x in] += dy^T x, db[out] += column sums of dy (db may be NULL). scratch: T * out
 * floats for the libxsmm path (NULL: plain loops). */
void beex_tk_linear_bwd_weight(const float *dy, int T, int out, const float *x, int in, float *dw,
                               float *db, float *scratch);

/* The ApproxSign surrogate F and its derivative max(0, 2 - 2|v|). */
float beex_tk_approxsign(float v);
float beex_tk_approxsign_grad(float v);

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

/* LayerNorm over n features per row: y = gamma * xhat + beta. Saves xhat and rstd. */
void beex_tk_layernorm_fwd(const float *x, int T, int n, const float *gamma, const float *beta,
                           float eps, float *y, float *xhat, float *rstd);
/* dx = (overwritten) input gradient; dgamma, dbeta accumulate. */
void beex_tk_layernorm_bwd(const float *dy, const float *xhat, const float *rstd, int T, int n,
                           const float *gamma, float *dx, float *dgamma, float *dbeta);

/* Numerically stable in-place softmax of n values. */
void beex_tk_softmax(float *z, int n);

#endif
