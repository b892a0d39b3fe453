/* fp32 product with AVX2 + FMA: the AVX-512 variant's outer-product micro-kernel in 256 bits.
 * A tile of C, 16 rows (two ymm) x up to 6 columns, sits in 12 accumulators for the whole k
 * loop; each lane is one output's chain fmaf(a, b, c) over k in increasing order
 * (kernels/fgemm.h). Where libxsmm is built in its AVX2 kernels run instead (they are
 * faster, and give the same bits); this variant is the AVX2 path of builds without it, or of
 * a shape it refuses. Row tails use vmaskmovps, which costs an extra uop per load on Intel
 * cores, so whole 16-row tiles take plain loads. */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/fgemm.h"

/* 12 accumulators, two A vectors and a broadcast: 15 of the 16 ymm registers. */
#define NR 6

typedef void (*tile_fn)(int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc,
                        int beta_one, int rows);

/* mask_src + 8 - r holds r lanes of -1, then zeros: the mask of the first r rows (0 <= r <= 8). */
static const int32_t mask_src[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

static inline __m256i rows_mask(int rows)
{
    rows = rows < 0 ? 0 : rows > 8 ? 8 : rows;
    return _mm256_loadu_si256((const __m256i *)(mask_src + 8 - rows));
}

static inline __attribute__((always_inline)) __m256 load(const int masked, const float *p,
                                                         __m256i m)
{
    return masked ? _mm256_maskload_ps(p, m) : _mm256_loadu_ps(p);
}

static inline __attribute__((always_inline)) void store(const int masked, float *p, __m256i m,
                                                        __m256 v)
{
    if (masked)
        _mm256_maskstore_ps(p, m, v);
    else
        _mm256_storeu_ps(p, v);
}

/* C (rows <= nv * 8, nr columns) = or += A * B over all of k. nv, masked, nr and trans are
 * constants in every instantiation below, so the loops over them unroll and the accumulator
 * arrays become registers (docs/kernels.md: accumulators in registers). */
static inline __attribute__((always_inline)) void tile(const int nv, const int masked, const int nr,
                                                       const int trans, int k, const float *a,
                                                       int lda, const float *b, int ldb, float *c,
                                                       int ldc, int beta_one, int rows)
{
    __m256i m0 = rows_mask(rows), m1 = rows_mask(rows - 8);
    __m256 c0[NR], c1[NR];
#pragma GCC unroll 6
    for (int jj = 0; jj < nr; jj++) {
        const float *cj = c + (size_t)jj * ldc;
        c0[jj] = beta_one ? load(masked, cj, m0) : _mm256_setzero_ps();
        c1[jj] = beta_one && nv == 2 ? load(masked, cj + 8, m1) : _mm256_setzero_ps();
    }
    for (int p = 0; p < k; p++) {
        const float *ap = a + (size_t)p * lda;
        __m256 a0 = load(masked, ap, m0);
        __m256 a1 = nv == 2 ? load(masked, ap + 8, m1) : a0;
#pragma GCC unroll 6
        for (int jj = 0; jj < nr; jj++) {
            __m256 bv =
                _mm256_broadcast_ss(trans ? b + (size_t)p * ldb + jj : b + (size_t)jj * ldb + p);
            c0[jj] = _mm256_fmadd_ps(a0, bv, c0[jj]);
            if (nv == 2)
                c1[jj] = _mm256_fmadd_ps(a1, bv, c1[jj]);
        }
    }
#pragma GCC unroll 6
    for (int jj = 0; jj < nr; jj++) {
        float *cj = c + (size_t)jj * ldc;
        store(masked, cj, m0, c0[jj]);
        if (nv == 2)
            store(masked, cj + 8, m1, c1[jj]);
    }
}

/* One function per (kind, columns, B layout), and their table. Kinds: 0 = one ymm, masked
 * (rows 1..8); 1 = two ymm, masked (rows 9..15); 2 = two ymm, whole (16 rows). */
#define TILE_FN(K, W, T)                                                                           \
    static void tile_##K##_##W##_##T(int k, const float *a, int lda, const float *b, int ldb,      \
                                     float *c, int ldc, int beta_one, int rows)                    \
    {                                                                                              \
        tile(K == 0 ? 1 : 2, K != 2, W, T, k, a, lda, b, ldb, c, ldc, beta_one, rows);             \
    }
#define TILE_PTR(K, W, T) tile_##K##_##W##_##T,
#define EACH_WIDTH(X, K, T) X(K, 1, T) X(K, 2, T) X(K, 3, T) X(K, 4, T) X(K, 5, T) X(K, 6, T)
#define EACH_KIND(X, K) EACH_WIDTH(X, K, 0) EACH_WIDTH(X, K, 1)
#define EACH_TILE(X) EACH_KIND(X, 0) EACH_KIND(X, 1) EACH_KIND(X, 2)

EACH_TILE(TILE_FN)

/* [kind][trans_b][columns - 1] */
static const tile_fn tiles[3][2][NR] = {
    {{EACH_WIDTH(TILE_PTR, 0, 0)}, {EACH_WIDTH(TILE_PTR, 0, 1)}},
    {{EACH_WIDTH(TILE_PTR, 1, 0)}, {EACH_WIDTH(TILE_PTR, 1, 1)}},
    {{EACH_WIDTH(TILE_PTR, 2, 0)}, {EACH_WIDTH(TILE_PTR, 2, 1)}},
};

/* Column panels of NR outer, row blocks of 16 inner: a panel of B stays in L1 while A's
 * columns stream past it. */
static void avx2_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                      int trans_b, float *c, int ldc, int beta_one)
{
    int t = trans_b != 0;
    for (int j0 = 0; j0 < n; j0 += NR) {
        int w = n - j0 < NR ? n - j0 : NR;
        const float *bj = t ? b + j0 : b + (size_t)j0 * ldb;
        float *cj = c + (size_t)j0 * ldc;
        for (int i0 = 0; i0 < m; i0 += 16) {
            int rows = m - i0, kind = rows >= 16 ? 2 : rows > 8 ? 1 : 0;
            tiles[kind][t][w - 1](k, a + i0, lda, bj, ldb, cj + i0, ldc, beta_one, rows);
        }
    }
}

const beex_fgemm_ops beex_fgemm_ops_avx2 = {"avx2", avx2_gemm};
