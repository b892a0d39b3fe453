/* fp32 product with NEON: the outer-product micro-kernel of the x86 variants in 128 bits. A
 * tile of C, 8 rows (two q registers) x up to 8 columns, sits in 16 accumulators for the
 * whole k loop; FMLA rounds once per lane, so each lane is one output's chain fmaf(a, b, c)
 * over k in increasing order (kernels/fgemm.h). NEON has no masked loads: a tail of 4 to 7
 * rows takes a one-register tile, and the last 1 to 3 rows the same chain in scalar fmaf
 * (one FMADD each here), so no row past m is ever read or written. */
#include <arm_neon.h>
#include <math.h>
#include <stddef.h>

#include "kernels/fgemm.h"

/* 16 accumulators, two A vectors and B's 8 elements of a step: 26 of the 32 q registers. With
 * 12 columns GCC 12 loads all of a step's B elements first and spills accumulators. */
#define NR 8

typedef void (*tile_fn)(int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc,
                        int beta_one);

/* C (nv * 4 rows, nr columns) = or += A * B over all of k. nv, nr and trans are constants in
 * every instantiation below, so the loops over them unroll and the accumulator arrays become
 * registers (docs/kernels.md: accumulators in registers). */
static inline __attribute__((always_inline)) void tile(const int nv, const int nr, const int trans,
                                                       int k, const float *a, int lda,
                                                       const float *b, int ldb, float *c, int ldc,
                                                       int beta_one)
{
    float32x4_t c0[NR], c1[NR];
#pragma GCC unroll 8
    for (int jj = 0; jj < nr; jj++) {
        const float *cj = c + (size_t)jj * ldc;
        c0[jj] = beta_one ? vld1q_f32(cj) : vdupq_n_f32(0.0f);
        c1[jj] = beta_one && nv == 2 ? vld1q_f32(cj + 4) : vdupq_n_f32(0.0f);
    }
    for (int p = 0; p < k; p++) {
        const float *ap = a + (size_t)p * lda;
        float32x4_t a0 = vld1q_f32(ap);
        float32x4_t a1 = nv == 2 ? vld1q_f32(ap + 4) : a0;
#pragma GCC unroll 8
        for (int jj = 0; jj < nr; jj++) {
            float bv = trans ? b[(size_t)p * ldb + jj] : b[(size_t)jj * ldb + p];
            c0[jj] = vfmaq_n_f32(c0[jj], a0, bv);
            if (nv == 2)
                c1[jj] = vfmaq_n_f32(c1[jj], a1, bv);
        }
    }
#pragma GCC unroll 8
    for (int jj = 0; jj < nr; jj++) {
        float *cj = c + (size_t)jj * ldc;
        vst1q_f32(cj, c0[jj]);
        if (nv == 2)
            vst1q_f32(cj + 4, c1[jj]);
    }
}

/* One function per (vectors, columns, B layout), and their table. */
#define TILE_FN(NV, W, T)                                                                          \
    static void tile_##NV##_##W##_##T(int k, const float *a, int lda, const float *b, int ldb,     \
                                      float *c, int ldc, int beta_one)                             \
    {                                                                                              \
        tile(NV, W, T, k, a, lda, b, ldb, c, ldc, beta_one);                                       \
    }
#define TILE_PTR(NV, W, T) tile_##NV##_##W##_##T,
#define EACH_WIDTH(X, NV, T)                                                                       \
    X(NV, 1, T) X(NV, 2, T) X(NV, 3, T) X(NV, 4, T) X(NV, 5, T) X(NV, 6, T) X(NV, 7, T) X(NV, 8, T)
#define EACH_TILE(X) EACH_WIDTH(X, 1, 0) EACH_WIDTH(X, 1, 1) EACH_WIDTH(X, 2, 0) EACH_WIDTH(X, 2, 1)

EACH_TILE(TILE_FN)

/* [vectors - 1][trans_b][columns - 1] */
static const tile_fn tiles[2][2][NR] = {
    {{EACH_WIDTH(TILE_PTR, 1, 0)}, {EACH_WIDTH(TILE_PTR, 1, 1)}},
    {{EACH_WIDTH(TILE_PTR, 2, 0)}, {EACH_WIDTH(TILE_PTR, 2, 1)}},
};

/* The last rows (fewer than 4) of w columns: each output's chain on its own. */
static void tail_rows(int rows, int w, int k, const float *a, int lda, const float *b, int ldb,
                      int trans, float *c, int ldc, int beta_one)
{
    for (int jj = 0; jj < w; jj++)
        for (int i = 0; i < rows; i++) {
            float *cij = c + (size_t)jj * ldc + i;
            float acc = beta_one ? *cij : 0.0f;
            for (int p = 0; p < k; p++) {
                float bv = trans ? b[(size_t)p * ldb + jj] : b[(size_t)jj * ldb + p];
                acc = fmaf(a[(size_t)p * lda + i], bv, acc);
            }
            *cij = acc;
        }
}

/* Column panels of NR outer, row blocks of 8 inner: a panel of B stays in L1 while A's
 * columns stream past it. */
static void neon_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                      int trans_b, float *c, int ldc, int beta_one)
{
    int t = trans_b != 0;
    for (int j0 = 0; j0 < n; j0 += NR) {
        int w = n - j0 < NR ? n - j0 : NR;
        const float *bj = t ? b + j0 : b + (size_t)j0 * ldb;
        float *cj = c + (size_t)j0 * ldc;
        int i0 = 0;
        for (; m - i0 >= 8; i0 += 8)
            tiles[1][t][w - 1](k, a + i0, lda, bj, ldb, cj + i0, ldc, beta_one);
        if (m - i0 >= 4) {
            tiles[0][t][w - 1](k, a + i0, lda, bj, ldb, cj + i0, ldc, beta_one);
            i0 += 4;
        }
        if (i0 < m)
            tail_rows(m - i0, w, k, a + i0, lda, bj, ldb, t, cj + i0, ldc, beta_one);
    }
}

const beex_fgemm_ops beex_fgemm_ops_neon = {"neon", neon_gemm};
