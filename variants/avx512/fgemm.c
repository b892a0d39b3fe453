/* fp32 product with AVX-512: an outer-product micro-kernel. A tile of C, 32 rows (two zmm,
 * rows along the lanes) x up to 12 columns, is held in 24 accumulators for the whole k loop;
 * each step loads one column of A and broadcasts one element of B per column, so every lane
 * of every accumulator is one output's chain fmaf(a, b, c) over k in increasing order
 * (kernels/fgemm.h): vfmadd231ps rounds once per lane, as fmaf does. libxsmm's AVX-512 kernels
 * split k over several accumulators for narrow tiles, which gives other bits; this one never
 * does. Row tails use masked loads and stores (C's stride gap is never touched); a tail of at
 * most 16 rows takes a one-zmm tile instead of doing the second register's work for nothing. */
#include <immintrin.h>
#include <stddef.h>

#include "kernels/fgemm.h"

/* 24 accumulators, two A vectors and a broadcast: 27 of the 32 zmm registers. A full block of
 * 64 rows takes four A vectors x NR4 columns instead (24 accumulators, 4 + 1 more): per step
 * 4 loads and 6 broadcasts feed 24 FMAs, where two 32-row tiles need 28 for 48. */
#define NR 12
#define NR4 6

typedef void (*tile_fn)(int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc,
                        int beta_one, __mmask16 m0, __mmask16 m1);

static inline __mmask16 rows_mask(int rows)
{
    return rows >= 16 ? (__mmask16)0xFFFF : rows <= 0 ? 0 : (__mmask16)((1u << rows) - 1);
}

/* C (nv * 16 rows, nr columns) = or += A * B over all of k; with nv < 4 the last vector's rows
 * are under mask m1 (nv = 2) or m0 (nv = 1); nv = 4 is a full 64-row block. nv, nr and trans
 * are constants in every instantiation below: the loops over them unroll and the accumulator
 * arrays become registers (docs/kernels.md: accumulators in registers). */
static inline __attribute__((always_inline)) void tile(const int nv, const int nr, const int trans,
                                                       int k, const float *a, int lda,
                                                       const float *b, int ldb, float *c, int ldc,
                                                       int beta_one, __mmask16 m0, __mmask16 m1)
{
    __m512 acc[4][NR];
    __mmask16 mk[4] = {nv == 4 ? (__mmask16)0xFFFF : m0, nv == 4 ? (__mmask16)0xFFFF : m1,
                       (__mmask16)0xFFFF, (__mmask16)0xFFFF};
#pragma GCC unroll 12
    for (int jj = 0; jj < nr; jj++) {
        const float *cj = c + (size_t)jj * ldc;
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            acc[v][jj] = beta_one ? _mm512_maskz_loadu_ps(mk[v], cj + 16 * v) : _mm512_setzero_ps();
    }
    for (int p = 0; p < k; p++) {
        const float *ap = a + (size_t)p * lda;
        __m512 av[4];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            av[v] = _mm512_maskz_loadu_ps(mk[v], ap + 16 * v);
#pragma GCC unroll 12
        for (int jj = 0; jj < nr; jj++) {
            __m512 bv = _mm512_set1_ps(trans ? b[(size_t)p * ldb + jj] : b[(size_t)jj * ldb + p]);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                acc[v][jj] = _mm512_fmadd_ps(av[v], bv, acc[v][jj]);
        }
    }
#pragma GCC unroll 12
    for (int jj = 0; jj < nr; jj++) {
        float *cj = c + (size_t)jj * ldc;
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            _mm512_mask_storeu_ps(cj + 16 * v, mk[v], acc[v][jj]);
    }
}

/* One function per (vectors, columns, B layout), and their tables. */
#define TILE_FN(NV, W, T)                                                                          \
    static void tile_##NV##_##W##_##T(int k, const float *a, int lda, const float *b, int ldb,     \
                                      float *c, int ldc, int beta_one, __mmask16 m0, __mmask16 m1) \
    {                                                                                              \
        tile(NV, W, T, k, a, lda, b, ldb, c, ldc, beta_one, m0, m1);                               \
    }
#define TILE_PTR(NV, W, T) tile_##NV##_##W##_##T,
#define WIDTHS_LO(X, V, T) X(V, 1, T) X(V, 2, T) X(V, 3, T) X(V, 4, T) X(V, 5, T) X(V, 6, T)
#define WIDTHS_HI(X, V, T) X(V, 7, T) X(V, 8, T) X(V, 9, T) X(V, 10, T) X(V, 11, T) X(V, 12, T)
#define EACH_WIDTH(X, V, T) WIDTHS_LO(X, V, T) WIDTHS_HI(X, V, T)
#define EACH_TILE(X)                                                                               \
    EACH_WIDTH(X, 1, 0)                                                                            \
    EACH_WIDTH(X, 1, 1)                                                                            \
    EACH_WIDTH(X, 2, 0) EACH_WIDTH(X, 2, 1) WIDTHS_LO(X, 4, 0) WIDTHS_LO(X, 4, 1)

EACH_TILE(TILE_FN)

/* [vectors - 1][trans_b][columns - 1] */
static const tile_fn tiles[2][2][NR] = {
    {{EACH_WIDTH(TILE_PTR, 1, 0)}, {EACH_WIDTH(TILE_PTR, 1, 1)}},
    {{EACH_WIDTH(TILE_PTR, 2, 0)}, {EACH_WIDTH(TILE_PTR, 2, 1)}},
};
/* [trans_b][columns - 1] for full 64-row blocks */
static const tile_fn tiles4[2][NR4] = {{WIDTHS_LO(TILE_PTR, 4, 0)}, {WIDTHS_LO(TILE_PTR, 4, 1)}};

/* Full 64-row blocks in panels of NR4 columns, then the rows left (fewer than 64) in panels of
 * NR: every output is computed whole by one tile, in the same chain, whichever tile it is. */
static void avx512_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                        int trans_b, float *c, int ldc, int beta_one)
{
    int t = trans_b != 0, m64 = m / 64 * 64;
    for (int j0 = 0; j0 < n && m64 > 0; j0 += NR4) {
        int w = n - j0 < NR4 ? n - j0 : NR4;
        const float *bj = t ? b + j0 : b + (size_t)j0 * ldb;
        float *cj = c + (size_t)j0 * ldc;
        for (int i0 = 0; i0 < m64; i0 += 64)
            tiles4[t][w - 1](k, a + i0, lda, bj, ldb, cj + i0, ldc, beta_one, 0xFFFF, 0xFFFF);
    }
    for (int j0 = 0; j0 < n && m64 < m; j0 += NR) {
        int w = n - j0 < NR ? n - j0 : NR;
        const float *bj = t ? b + j0 : b + (size_t)j0 * ldb;
        float *cj = c + (size_t)j0 * ldc;
        for (int i0 = m64; i0 < m; i0 += 32) {
            int rows = m - i0;
            tiles[rows > 16][t][w - 1](k, a + i0, lda, bj, ldb, cj + i0, ldc, beta_one,
                                       rows_mask(rows), rows_mask(rows - 16));
        }
    }
}

const beex_fgemm_ops beex_fgemm_ops_avx512 = {"avx512", avx512_gemm};
