/* Int8 GEMMs for precision w8a8 (docs/model.md section 3b), and the activation quantizer that
 * feeds them. Every variant gives the reference's bits: the integer sums are exact and the
 * write-back is one fixed sequence of IEEE operations (no FMA).
 *
 *   quantize:  q_ik = sat127(rne(x_ik * inv_scale))   (inv_scale = 1.0f / scale, one fp32
 *              divide made by the caller or by beex_i8_row_scales); a NaN product gives 0,
 *              sat127 clamps to [-127, 127] (so -128 never appears and negation is safe).
 *   dot:       dot_ij = sum_k a_ik * w_jk, int32, exact for k <= BEEX_IGEMM_MAX_K.
 *   write-back y_ij = t + bias_j where t = (float)dot_ij * scale_w[j], then, when scale_a is
 *              given, t = t * scale_a[i]; each step rounded to fp32 (scale_w NULL means 1,
 *              bias NULL means 0).
 *
 * A: M rows of K int8 activations (row stride lda bytes). W: N rows of K int8 weights, repacked
 * once into a variant's layout (beex_imatrix). Weights and activations may be any int8 value
 * (-128 included) in the kernels; the model only ever produces [-127, 127]. */
#ifndef BEEX_KERNELS_IGEMM_H
#define BEEX_KERNELS_IGEMM_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/cpu.h"

/* 128 * 128 * K must fit in int32 with room for the unsigned-offset trick of the VNNI
 * variants ((a + 128) * w sums, minus 128 * sum_k w): 2^31 / (255 * 128) > 65536. */
#define BEEX_IGEMM_MAX_K 65536

/* Weights (N x K int8) in the internal layout of one variant. Immutable once made; safe to
 * share across threads. */
typedef struct beex_imatrix beex_imatrix;

/* Repacks N rows of K int8 weights (row stride ldw bytes) for variant `isa` (-1: the
 * variant the igemm family picks now; an isa the family lacks falls back along
 * kernels/cpu.h's parent chain). BEEX_EUNSUPPORTED if none runs here, BEEX_EINVAL for
 * k == 0, n == 0 or k > BEEX_IGEMM_MAX_K. The layout is chosen here once: neon takes SMMLA
 * (I8MM) where the CPU has it, SDOT otherwise or when BEEX_NEON_NO_I8MM=1 is set (how the
 * tests cover both paths on one CPU). */
int beex_imatrix_create(const int8_t *w, size_t n, size_t k, size_t ldw, int isa,
                        beex_imatrix **out);
void beex_imatrix_free(beex_imatrix *w);
size_t beex_imatrix_rows(const beex_imatrix *w);
size_t beex_imatrix_cols(const beex_imatrix *w);
beex_isa beex_imatrix_isa(const beex_imatrix *w);

/* Integer dot products only (exactness tests): dot is M x N with row stride ldd. threads <= 0:
 * OpenMP default; beex_in_team(n): called by every thread of the caller's team. */
int beex_igemm_dot(const beex_imatrix *w, size_t m, const int8_t *a, size_t lda, int32_t *dot,
                   size_t ldd, int threads);

/* Fused W8A8: y (M x N, stride ldy floats) by the write-back above. */
int beex_igemm_w8a8(const beex_imatrix *w, size_t m, const int8_t *a, size_t lda,
                    const float *scale_a, const float *scale_w, const float *bias, float *y,
                    size_t ldy, int threads);

/* Quantizes M rows of K floats (stride ldx) with one inv_scale for all of them (per tensor):
 * q rows of stride ldq bytes. */
int beex_i8_quantize_rows(const float *x, size_t m, size_t k, size_t ldx, float inv_scale,
                          int8_t *q, size_t ldq);

/* Per-token scales: scale[i] = amax_i / 127.0f with amax_i = max_k |x_ik| (NaN ignored; an
 * all-zero row gets scale 0), then q_i. = quantize(x_i., inv) with inv = 1.0f / scale[i]
 * (0 when scale[i] is 0). */
int beex_i8_quantize_rows_dynamic(const float *x, size_t m, size_t k, size_t ldx, int8_t *q,
                                  size_t ldq, float *scale);

/* The same two on one variant (tests, benchmarks): isa -1 is the family's pick, as above;
 * a variant the family lacks falls back along kernels/cpu.h's parent chain; BEEX_EUNSUPPORTED
 * when the variant does not run here, BEEX_EINVAL for a bad isa. */
int beex_i8_quantize_rows_isa(int isa, const float *x, size_t m, size_t k, size_t ldx,
                              float inv_scale, int8_t *q, size_t ldq);
int beex_i8_quantize_rows_dynamic_isa(int isa, const float *x, size_t m, size_t k, size_t ldx,
                                      int8_t *q, size_t ldq, float *scale);

/* References that define the results, on plain int8 rows (kernels/igemm_ref.c). */
int beex_igemm_dot_ref(size_t m, size_t n, size_t k, const int8_t *a, size_t lda, const int8_t *w,
                       size_t ldw, int32_t *dot, size_t ldd);
int beex_igemm_w8a8_ref(size_t m, size_t n, size_t k, const int8_t *a, size_t lda, const int8_t *w,
                        size_t ldw, const float *scale_a, const float *scale_w, const float *bias,
                        float *y, size_t ldy);
int8_t beex_i8_quantize_one(float x, float inv_scale);

/* Name of the variant the igemm family uses now (forced or automatic). */
const char *beex_igemm_variant(void);

/* NULL when the igemm family runs variant isa here; else a sentence saying why not (the
 * build or the CPU lacks the variant, or its int8 code needs more: avx512 AVX512-VNNI, neon
 * the dot product extension), in which case a pick of isa falls back to its parent. */
const char *beex_igemm_missing(beex_isa isa);

#endif
