/* Binarized GEMMs (docs/model.md section 3).
 *   W1A1:  dot_ij = K - 2 * popcount(A_i XOR B_j);  y_ij = scaleA_i * scaleB_j * dot_ij + bias_j
 *   W1A32: y_ij = alpha_j * sum_k s_jk x_ik + bias_j     (s_jk = +1 when bit is 0, else -1;
 *          the sum in kernels/canon_sum.h's order: the same bits in every variant)
 * A: M packed activation rows, B: N packed weight rows, each K bits (the layout of docs/model.md
 * section 4).
 * Weights are repacked once into a variant's internal panel layout (beex_bmatrix); the
 * activations are packed per call. Padding bits never count. */
#ifndef BEEX_KERNELS_BGEMM_H
#define BEEX_KERNELS_BGEMM_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/cpu.h"

/* Weight signs (N x K) in the internal layout of one variant. Immutable once made; safe to
 * share across threads. */
typedef struct beex_bmatrix beex_bmatrix;

/* Repacks N rows of K bits (row stride ldb bytes) for variant `isa`; isa = -1 picks the
 * active variant for the bgemm family. BEEX_EUNSUPPORTED if that variant is unavailable. */
int beex_bmatrix_create(const uint8_t *bits, size_t n, size_t k, size_t ldb, int isa,
                        beex_bmatrix **out);
void beex_bmatrix_free(beex_bmatrix *w);
size_t beex_bmatrix_rows(const beex_bmatrix *w);
size_t beex_bmatrix_cols(const beex_bmatrix *w);
beex_isa beex_bmatrix_isa(const beex_bmatrix *w);

/* Integer dot products only (exactness tests): dot is M x N with row stride ldd. */
int beex_bgemm_w1a1_dot(const beex_bmatrix *w, size_t m, const uint8_t *a, size_t lda, int32_t *dot,
                        size_t ldd, int threads);

/* Fused W1A1: y (M x N, stride ldy) = scale_a[i] * scale_w[j] * dot_ij + bias[j].
 * scale_a, scale_w, bias may be NULL (meaning 1, 1, 0). threads <= 0: OpenMP default;
 * beex_in_team(n): called by every thread of the caller's team (kernels/team.h). */
int beex_bgemm_w1a1(const beex_bmatrix *w, size_t m, const uint8_t *a, size_t lda,
                    const float *scale_a, const float *scale_w, const float *bias, float *y,
                    size_t ldy, int threads);

/* W1A32: x is M x K fp32 (stride ldx); alpha, bias may be NULL. */
int beex_gemm_w1a32(const beex_bmatrix *w, size_t m, const float *x, size_t ldx, const float *alpha,
                    const float *bias, float *y, size_t ldy, int threads);

/* References that define the results, on plain packed rows (kernels/bgemm_ref.c). */
int beex_bgemm_w1a1_dot_ref(size_t m, size_t n, size_t k, const uint8_t *a, size_t lda,
                            const uint8_t *b, size_t ldb, int32_t *dot, size_t ldd);
int beex_bgemm_w1a1_ref(size_t m, size_t n, size_t k, const uint8_t *a, size_t lda,
                        const uint8_t *b, size_t ldb, const float *scale_a, const float *scale_w,
                        const float *bias, float *y, size_t ldy);
int beex_gemm_w1a32_ref(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint8_t *b,
                        size_t ldb, const float *alpha, const float *bias, float *y, size_t ldy);

/* 1 for the entries that run W1A1 through the int8 units (avxvnni, amx): used when named or
 * forced, never chosen automatically (kernels/bgemm.c says why). */
int beex_bgemm_opt_in(beex_isa isa);

/* Name of the variant the bgemm family uses now (forced or automatic). */
const char *beex_bgemm_variant(void);

#endif
