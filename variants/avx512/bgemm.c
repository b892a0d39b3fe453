/* AVX-512 VPOPCNTDQ binarized GEMMs. W1A1: a 3 x 8 tile of zmm accumulators (24
 * of the 32 registers; 3 A rows + 1 B row + 1 temporary make 29), XOR +
 * VPOPCNTQ + VPADDQ per 512 bits, fully unrolled so the accumulators stay in
 * registers. Eight panel rows make each tile row reduce to exactly one vector
 * of eight sums, which the fused transform stores in one go. (KERNELS.md
 * suggests 4 x 6; 3 x 8 does the same work per load with a cheaper reduction.)
 */
#include <immintrin.h>

#include "kernels/bgemm_variant.h"

enum { MR = 3, NR = 8, CW = 8 };

/* Eight vectors of eight 64-bit partial sums -> one vector [sum(p0), sum(p4),
 * sum(p1), sum(p5), sum(p2), sum(p6), sum(p3), sum(p7)]: a transpose-and-add
 * tree, 21 operations in all. */
static inline __m512i reduce8(__m512i p0, __m512i p1, __m512i p2, __m512i p3, __m512i p4,
                              __m512i p5, __m512i p6, __m512i p7)
{
    __m512i t01 =
        _mm512_add_epi64(_mm512_shuffle_i64x2(p0, p1, 0x44), _mm512_shuffle_i64x2(p0, p1, 0xEE));
    __m512i t23 =
        _mm512_add_epi64(_mm512_shuffle_i64x2(p2, p3, 0x44), _mm512_shuffle_i64x2(p2, p3, 0xEE));
    __m512i t45 =
        _mm512_add_epi64(_mm512_shuffle_i64x2(p4, p5, 0x44), _mm512_shuffle_i64x2(p4, p5, 0xEE));
    __m512i t67 =
        _mm512_add_epi64(_mm512_shuffle_i64x2(p6, p7, 0x44), _mm512_shuffle_i64x2(p6, p7, 0xEE));
    __m512i u0 = _mm512_add_epi64(_mm512_shuffle_i64x2(t01, t23, 0x88),
                                  _mm512_shuffle_i64x2(t01, t23, 0xDD));
    __m512i u1 = _mm512_add_epi64(_mm512_shuffle_i64x2(t45, t67, 0x88),
                                  _mm512_shuffle_i64x2(t45, t67, 0xDD));
    return _mm512_add_epi64(_mm512_unpacklo_epi64(u0, u1), _mm512_unpackhi_epi64(u0, u1));
}

/* Sums of the eight accumulators of one tile row, in column order 0..7. */
static inline __m512i row_sums(__m512i c0, __m512i c1, __m512i c2, __m512i c3, __m512i c4,
                               __m512i c5, __m512i c6, __m512i c7)
{
    return reduce8(c0, c2, c4, c6, c1, c3, c5, c7);
}

#define XPA(acc, a, b) acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(a, b)))
#define COLUMN(j)                                                                                  \
    do {                                                                                           \
        __m512i bj = _mm512_load_si512(b + (j)*CW);                                                \
        XPA(c0##j, a0, bj);                                                                        \
        XPA(c1##j, a1, bj);                                                                        \
        XPA(c2##j, a2, bj);                                                                        \
    } while (0)

/* The 3 x 8 micro-kernel: pop[r] holds the XOR popcounts of A row r against
 * panel rows 0..7. */
static inline void w1a1_tile(const uint64_t *a, size_t as, const uint64_t *b, size_t chunks,
                             __m512i pop[MR])
{
    __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00, c04 = c00, c05 = c00,
            c06 = c00, c07 = c00;
    __m512i c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00, c15 = c00, c16 = c00, c17 = c00;
    __m512i c20 = c00, c21 = c00, c22 = c00, c23 = c00, c24 = c00, c25 = c00, c26 = c00, c27 = c00;
    const uint64_t *a0p = a, *a1p = a + as, *a2p = a + 2 * as;
    for (size_t c = 0; c < chunks; c++, b += NR * CW) {
        __m512i a0 = _mm512_load_si512(a0p + c * CW);
        __m512i a1 = _mm512_load_si512(a1p + c * CW);
        __m512i a2 = _mm512_load_si512(a2p + c * CW);
        COLUMN(0);
        COLUMN(1);
        COLUMN(2);
        COLUMN(3);
        COLUMN(4);
        COLUMN(5);
        COLUMN(6);
        COLUMN(7);
    }
    pop[0] = row_sums(c00, c01, c02, c03, c04, c05, c06, c07);
    pop[1] = row_sums(c10, c11, c12, c13, c14, c15, c16, c17);
    pop[2] = row_sums(c20, c21, c22, c23, c24, c25, c26, c27);
}

/* Writes one full tile row: dot = k - 2 * pop, then (scale_a * scale_w) * dot +
 * bias with the product rounded before the add, exactly as the reference. */
static inline void store_row(const beex_w1a1_job *job, size_t i, size_t j, __m512i pop)
{
    __m512i dot =
        _mm512_sub_epi64(_mm512_set1_epi64((long long)job->w->k), _mm512_add_epi64(pop, pop));
    if (job->dot != NULL) {
        _mm256_storeu_si256((__m256i *)(job->dot + i * job->ldd + j), _mm512_cvtepi64_epi32(dot));
        return;
    }
    __m256 s = _mm256_set1_ps(job->scale_a ? job->scale_a[i] : 1.0f);
    if (job->scale_w != NULL)
        s = _mm256_mul_ps(s, _mm256_loadu_ps(job->scale_w + j));
    __m256 p = _mm256_mul_ps(s, _mm512_cvtepi64_ps(dot));
    __asm__("" : "+v"(p)); /* no FMA contraction: see beex_mul_then_add */
    __m256 bias = job->bias ? _mm256_loadu_ps(job->bias + j) : _mm256_setzero_ps();
    _mm256_storeu_ps(job->y + i * job->ldy + j, _mm256_add_ps(p, bias));
}

static void w1a1_block(const beex_w1a1_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_bmatrix *w = job->w;
    size_t panel_words = w->chunks * NR * CW;
    for (size_t p = p0; p < p1; p++) {
        const uint64_t *b = w->panels + p * panel_words;
        size_t j = p * NR;
        int full_n = j + NR <= w->n;
        for (size_t i = i0; i < i1; i += MR) {
            __m512i pop[MR];
            w1a1_tile(job->a + i * job->a_stride, job->a_stride, b, w->chunks, pop);
            if (full_n && i + MR <= job->m) {
                for (int r = 0; r < MR; r++)
                    store_row(job, i + r, j, pop[r]);
            } else {
                int64_t tile[MR * NR];
                for (int r = 0; r < MR; r++)
                    _mm512_storeu_si512(tile + r * NR, pop[r]);
                beex_w1a1_store_tile(job, i, j, MR, NR, tile, NR);
            }
        }
    }
}

/* W1A32 as sum_k s_k x_k = sum_k x_k - 2 * sum_{k: bit set} x_k: one masked add
 * per 16 weights (the weight bits are the mask) instead of a sign flip and an
 * add, and the row sum is shared by every column. 4 rows x 4 columns of
 * accumulators plus 4 row sums. The sums are reordered, so results agree with
 * the sequential reference within the tolerance stated in
 * tests/kernels/test_bgemm.c. */
#define MADD(r, c) s##r##c = _mm512_mask_add_ps(s##r##c, m##c, s##r##c, x##r)
#define MROW(r)                                                                                    \
    do {                                                                                           \
        t##r = _mm512_add_ps(t##r, x##r);                                                          \
        MADD(r, 0);                                                                                \
        MADD(r, 1);                                                                                \
        MADD(r, 2);                                                                                \
        MADD(r, 3);                                                                                \
    } while (0)

static void w1a32_block(const beex_w1a32_job *job, size_t i0, size_t i1, size_t j0, size_t j1)
{
    const beex_bmatrix *w = job->w;
    size_t k = w->k, kw = w->kwords;
    for (size_t i = i0; i < i1; i += 4) {
        size_t rows = i1 - i < 4 ? i1 - i : 4;
        const float *xr[4];
        for (size_t r = 0; r < 4; r++) /* missing rows repeat the last one; never stored */
            xr[r] = job->x + (i + (r < rows ? r : rows - 1)) * job->ldx;
        for (size_t j = j0; j < j1; j += 4) {
            size_t cols = j1 - j < 4 ? j1 - j : 4;
            const uint64_t *wr[4];
            for (size_t c = 0; c < 4; c++)
                wr[c] = w->rows + (j + (c < cols ? c : 0)) * kw;
            __m512 z = _mm512_setzero_ps();
            __m512 s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
            __m512 s20 = z, s21 = z, s22 = z, s23 = z, s30 = z, s31 = z, s32 = z, s33 = z;
            __m512 t0 = z, t1 = z, t2 = z, t3 = z;
            for (size_t kk = 0; kk < k; kk += 16) {
                size_t q = kk / 64;
                unsigned sh = (unsigned)(kk % 64);
                __mmask16 lm =
                    k - kk >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - kk)) - 1u);
                __mmask16 m0 = (__mmask16)(wr[0][q] >> sh), m1 = (__mmask16)(wr[1][q] >> sh);
                __mmask16 m2 = (__mmask16)(wr[2][q] >> sh), m3 = (__mmask16)(wr[3][q] >> sh);
                __m512 x0 = _mm512_maskz_loadu_ps(lm, xr[0] + kk);
                __m512 x1 = _mm512_maskz_loadu_ps(lm, xr[1] + kk);
                __m512 x2 = _mm512_maskz_loadu_ps(lm, xr[2] + kk);
                __m512 x3 = _mm512_maskz_loadu_ps(lm, xr[3] + kk);
                MROW(0);
                MROW(1);
                MROW(2);
                MROW(3);
            }
            float tot[4] = {_mm512_reduce_add_ps(t0), _mm512_reduce_add_ps(t1),
                            _mm512_reduce_add_ps(t2), _mm512_reduce_add_ps(t3)};
            float neg[4][4] = {{_mm512_reduce_add_ps(s00), _mm512_reduce_add_ps(s01),
                                _mm512_reduce_add_ps(s02), _mm512_reduce_add_ps(s03)},
                               {_mm512_reduce_add_ps(s10), _mm512_reduce_add_ps(s11),
                                _mm512_reduce_add_ps(s12), _mm512_reduce_add_ps(s13)},
                               {_mm512_reduce_add_ps(s20), _mm512_reduce_add_ps(s21),
                                _mm512_reduce_add_ps(s22), _mm512_reduce_add_ps(s23)},
                               {_mm512_reduce_add_ps(s30), _mm512_reduce_add_ps(s31),
                                _mm512_reduce_add_ps(s32), _mm512_reduce_add_ps(s33)}};
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < cols; c++)
                    job->y[(i + r) * job->ldy + j + c] = beex_mul_then_add(
                        job->alpha ? job->alpha[j + c] : 1.0f, tot[r] - 2.0f * neg[r][c],
                        job->bias ? job->bias[j + c] : 0.0f);
        }
    }
}

const beex_bgemm_ops beex_bgemm_ops_avx512 = {MR, NR, CW, w1a1_block, w1a32_block};
