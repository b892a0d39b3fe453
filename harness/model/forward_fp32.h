/* fp32 matrix products of the forward pass through libxsmm (docs/model.md: the full-precision
 * twin's GEMMs, and the attention products Q K^T and P V of every precision). libxsmm is
 * column-major: a row-major product is computed as its transpose (see forward_fp32.c). */
#ifndef BEEX_MODEL_FORWARD_FP32_H
#define BEEX_MODEL_FORWARD_FP32_H

#include <stddef.h>

/* Initialises libxsmm once and JIT-dispatches a probe kernel. Returns 1 when libxsmm
 * kernels are in use; 0 when the blocked loop stands in, with the reason in *why. */
int beex_fp32_backend_ready(const char **why);

/* Y (m x n, row stride ldy) = X (m x k, stride ldx) * W^T + bias, with the weight stored
 * transposed: wt[kk * ldw + j] = W[j][kk] (ldw >= n). bias may be NULL. Parallel over
 * output tiles with `threads` OpenMP threads; each tile sums k in a fixed order, so the
 * result does not depend on the thread count. */
void beex_fp32_gemm_xwt(size_t m, size_t n, size_t k, const float *x, size_t ldx, const float *wt,
                        size_t ldw, const float *bias, float *y, size_t ldy, int threads);

/* Column-major C (m x n, ldc) = A (m x k, lda) * B (k x n, ldb), beta = 0: one small
 * product on the calling thread (attention). */
void beex_fp32_small_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                          float *c, int ldc);

/* "libxsmm <JIT target>" when libxsmm kernels are in use, else "plain blocked loop". */
const char *beex_fp32_backend_name(void);

/* Tiles computed by the plain loop because libxsmm gave no kernel (should stay 0). */
unsigned long beex_fp32_fallback_tiles(void);

#endif
