/* fp32 matrix products of the forward pass (docs/model.md: the full-precision twin's GEMMs,
 * and the attention products Q K^T and P V of every precision) and of the trainer, each output
 * one fmaf chain over k: beex's fgemm kernels or libxsmm, one backend per process (see
 * forward_fp32.c). Column-major: a row-major product is computed as its transpose. */
#ifndef BEEX_MODEL_FORWARD_FP32_H
#define BEEX_MODEL_FORWARD_FP32_H

#include <stddef.h>

/* Chooses the backend once (from BEEX_ISA or the CPU's best fgemm variant; initialises
 * libxsmm and JIT-dispatches a probe kernel where it is the candidate). Returns 1 when the
 * fast backend of this CPU runs (the fgemm avx512 or neon kernel, or libxsmm's AVX2 kernels);
 * 0 when the avx2 or scalar fgemm variant stands in for libxsmm, with the reason in *why. */
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

/* Column-major C (m x n, ldc) = (beta_one ? C : 0) + A (m x k, lda) * B, with B stored k x n
 * (ldb) or, with trans_b, n x k: one product on the calling thread (the trainer's blocks,
 * harness/train/tgemm.c). kernels/fgemm.h states the arithmetic. */
void beex_fp32_gemm_block(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                          int trans_b, float *c, int ldc, int beta_one);

/* The backend in use: "beex fgemm <variant> (exact fmaf chain)" or "libxsmm <JIT target>
 * (JIT)". */
const char *beex_fp32_backend_name(void);

/* Products computed by the fgemm variant because libxsmm, the backend, gave no kernel for
 * their shape (should stay 0). */
unsigned long beex_fp32_fallback_tiles(void);

#endif
