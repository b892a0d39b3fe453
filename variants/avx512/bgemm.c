/* AVX-512 VPOPCNTDQ binarized GEMMs.
 *
 * W1A1: the eight 64-bit lanes of a zmm hold the same word of eight panel rows (chunks of one
 * word, panels of 32 rows stored word-major), and each A word is broadcast to all lanes. So
 * every lane accumulates one output on its own: no horizontal reduction at all (the cost that
 * dominated at model sizes, k = 128..768), and k is padded to 64 bits only. The tile is 6 rows
 * x 4 B registers = 6 x 32 outputs (24 zmm accumulators + 4 B + 1 A + 1 temporary of the 32),
 * XOR + VPOPCNTQ + VPADDQ per register, fully unrolled so the accumulators stay in registers;
 * the first word initialises the accumulators instead of adding to zeros. The fused transform
 * then writes eight outputs per vector.
 */
#include <immintrin.h>

#include "kernels/bgemm_variant.h"
#include "kernels/canon_sum.h"

enum { MR = 6, NR = 32, CW = 1 };

#define XP(a, b) _mm512_popcnt_epi64(_mm512_xor_si512(a, b))
#define ROW_FIRST(r)                                                                               \
    do {                                                                                           \
        __m512i x = _mm512_set1_epi64((long long)ar[r][0]);                                        \
        c##r##0 = XP(x, b0);                                                                       \
        c##r##1 = XP(x, b1);                                                                       \
        c##r##2 = XP(x, b2);                                                                       \
        c##r##3 = XP(x, b3);                                                                       \
    } while (0)
#define ROW(r)                                                                                     \
    do {                                                                                           \
        __m512i x = _mm512_set1_epi64((long long)ar[r][c]);                                        \
        c##r##0 = _mm512_add_epi64(c##r##0, XP(x, b0));                                            \
        c##r##1 = _mm512_add_epi64(c##r##1, XP(x, b1));                                            \
        c##r##2 = _mm512_add_epi64(c##r##2, XP(x, b2));                                            \
        c##r##3 = _mm512_add_epi64(c##r##3, XP(x, b3));                                            \
    } while (0)
#define LOAD_B(p)                                                                                  \
    __m512i b0 = _mm512_load_si512(p), b1 = _mm512_load_si512((p) + 8);                            \
    __m512i b2 = _mm512_load_si512((p) + 16), b3 = _mm512_load_si512((p) + 24)

/* The 6 x 32 micro-kernel: pop[4 r + v] holds the XOR popcounts of A row r against panel
 * rows 8 v .. 8 v + 7. words >= 1. */
static inline __attribute__((always_inline)) void
w1a1_tile(const uint64_t *a, size_t as, const uint64_t *b, size_t words, __m512i pop[MR * 4])
{
    const uint64_t *ar[MR] = {a, a + as, a + 2 * as, a + 3 * as, a + 4 * as, a + 5 * as};
    __m512i c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
    __m512i c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
    {
        LOAD_B(b);
        ROW_FIRST(0);
        ROW_FIRST(1);
        ROW_FIRST(2);
        ROW_FIRST(3);
        ROW_FIRST(4);
        ROW_FIRST(5);
    }
    for (size_t c = 1; c < words; c++) {
        LOAD_B(b + c * NR);
        ROW(0);
        ROW(1);
        ROW(2);
        ROW(3);
        ROW(4);
        ROW(5);
    }
    pop[0] = c00, pop[1] = c01, pop[2] = c02, pop[3] = c03;
    pop[4] = c10, pop[5] = c11, pop[6] = c12, pop[7] = c13;
    pop[8] = c20, pop[9] = c21, pop[10] = c22, pop[11] = c23;
    pop[12] = c30, pop[13] = c31, pop[14] = c32, pop[15] = c33;
    pop[16] = c40, pop[17] = c41, pop[18] = c42, pop[19] = c43;
    pop[20] = c50, pop[21] = c51, pop[22] = c52, pop[23] = c53;
}

/* The fused write-back of one tile row's 32 sums (four vectors of eight columns): dot =
 * k - 2 * pop, then (scale_a * scale_w) * dot + bias with the product rounded before the
 * add, exactly as the reference (which adds +0.0 for a NULL bias too, turning -0.0 into
 * +0.0). sw and bias are the panel's 32 column values, padded. For k <= 2^24 the dot is
 * formed in fp32 by one FMA: every term is an integer below 2^24, so it is exact and equals
 * (float)dot. nv = valid columns from j on (maybe > 32). */
static inline __m256 dot_ps(__m512i pop, __m256 kf, size_t k, int big_k)
{
    if (!big_k)
        return _mm256_fnmadd_ps(_mm256_set1_ps(2.0f), _mm512_cvtepi64_ps(pop), kf);
    __m256i p32 = _mm512_cvtepi64_epi32(pop);
    __m256i k32 = _mm256_set1_epi32((int)k);
    return _mm256_cvtepi32_ps(_mm256_sub_epi32(k32, _mm256_add_epi32(p32, p32)));
}

static inline __attribute__((always_inline)) void store_vec(float *out, __m256 sa, const float *sw,
                                                            const float *bias, __m512i pop,
                                                            __m256 kf, size_t k, int big_k,
                                                            size_t nv)
{
    __m256 p = _mm256_mul_ps(_mm256_mul_ps(sa, _mm256_load_ps(sw)), dot_ps(pop, kf, k, big_k));
    __asm__("" : "+v"(p)); /* no FMA contraction: see beex_mul_then_add */
    __m256 y = _mm256_add_ps(p, _mm256_load_ps(bias));
    if (nv >= 8)
        _mm256_storeu_ps(out, y);
    else
        _mm256_mask_storeu_ps(out, (__mmask8)((1u << nv) - 1u), y);
}

static inline __attribute__((always_inline)) void
store_row(const beex_w1a1_job *job, size_t i, size_t j, const float *sw, const float *bias,
          __m512i p0, __m512i p1, __m512i p2, __m512i p3, __m256 kf, size_t k, int big_k, size_t nv)
{
    float *out = job->y + i * job->ldy + j;
    __m256 sa = _mm256_set1_ps(job->scale_a ? job->scale_a[i] : 1.0f);
    store_vec(out, sa, sw, bias, p0, kf, k, big_k, nv);
    if (nv <= 8)
        return;
    store_vec(out + 8, sa, sw + 8, bias + 8, p1, kf, k, big_k, nv - 8);
    if (nv <= 16)
        return;
    store_vec(out + 16, sa, sw + 16, bias + 16, p2, kf, k, big_k, nv - 16);
    if (nv <= 24)
        return;
    store_vec(out + 24, sa, sw + 24, bias + 24, p3, kf, k, big_k, nv - 24);
}

/* The integer dots (exactness tests), through memory: not on a hot path. */
static void store_dots(const beex_w1a1_job *job, size_t i, size_t j, const __m512i *pop,
                       size_t rows, size_t nv)
{
    int32_t k = (int32_t)job->w->k;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < nv && c < NR; c++) {
            int64_t v[8];
            _mm512_storeu_si512(v, pop[4 * r + c / 8]);
            job->dot[(i + r) * job->ldd + j + c] = k - 2 * (int32_t)v[c % 8];
        }
}

static void w1a1_block(const beex_w1a1_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_bmatrix *w = job->w;
    size_t words = w->chunks, panel_words = words * NR;
    __m256 kf = _mm256_set1_ps((float)w->k);
    size_t k = w->k;
    int big_k = k > ((size_t)1 << 24);
    float sw[NR] __attribute__((aligned(32))), bias[NR] __attribute__((aligned(32)));
    for (size_t p = p0; p < p1; p++) {
        const uint64_t *b = w->panels + p * panel_words;
        size_t j = p * NR, nv = w->n - j;     /* valid columns from j on, maybe > NR */
        for (size_t v = 0; v < NR / 8; v++) { /* columns past n: scale 1, bias 0 */
            size_t left = nv > 8 * v ? nv - 8 * v : 0;
            __mmask8 mk = left >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << left) - 1u);
            __m256 s = _mm256_set1_ps(1.0f), c = _mm256_setzero_ps();
            if (job->scale_w != NULL)
                s = _mm256_mask_loadu_ps(s, mk, job->scale_w + j + 8 * v);
            if (job->bias != NULL)
                c = _mm256_mask_loadu_ps(c, mk, job->bias + j + 8 * v);
            _mm256_store_ps(sw + 8 * v, s);
            _mm256_store_ps(bias + 8 * v, c);
        }
        for (size_t i = i0; i < i1; i += MR) {
            __m512i pop[MR * 4];
            w1a1_tile(job->a + i * job->a_stride, job->a_stride, b, words, pop);
            size_t rows = job->m - i < MR ? job->m - i : MR;
            if (job->dot != NULL) {
                store_dots(job, i, j, pop, rows, nv);
            } else if (rows == MR) {
                store_row(job, i, j, sw, bias, pop[0], pop[1], pop[2], pop[3], kf, k, big_k, nv);
                store_row(job, i + 1, j, sw, bias, pop[4], pop[5], pop[6], pop[7], kf, k, big_k,
                          nv);
                store_row(job, i + 2, j, sw, bias, pop[8], pop[9], pop[10], pop[11], kf, k, big_k,
                          nv);
                store_row(job, i + 3, j, sw, bias, pop[12], pop[13], pop[14], pop[15], kf, k, big_k,
                          nv);
                store_row(job, i + 4, j, sw, bias, pop[16], pop[17], pop[18], pop[19], kf, k, big_k,
                          nv);
                store_row(job, i + 5, j, sw, bias, pop[20], pop[21], pop[22], pop[23], kf, k, big_k,
                          nv);
            } else {
                for (size_t r = 0; r < rows; r++)
                    store_row(job, i + r, j, sw, bias, pop[4 * r], pop[4 * r + 1], pop[4 * r + 2],
                              pop[4 * r + 3], kf, k, big_k, nv);
            }
        }
    }
}

/* W1A32: 4 rows x 4 columns of 16-lane accumulators (kernels/canon_sum.h's lanes, one
 * register each). Each row's negation is made once per 16 weights and the weight bits pick,
 * per column, the row or its negation (a blend, then an add); masked-off tail lanes add
 * +-0.0, which changes no lane. The same bits as the reference and every variant. */
#define MADD(r, c) s##r##c = _mm512_add_ps(s##r##c, _mm512_mask_blend_ps(m##c, x##r, n##r))
#define MROW(r)                                                                                    \
    do {                                                                                           \
        __m512 n##r = _mm512_xor_ps(x##r, sign);                                                   \
        MADD(r, 0);                                                                                \
        MADD(r, 1);                                                                                \
        MADD(r, 2);                                                                                \
        MADD(r, 3);                                                                                \
    } while (0)

static inline float fold(__m512 v)
{
    float l[BEEX_SUM_LANES];
    _mm512_storeu_ps(l, v);
    return beex_sum16_fold(l);
}

static void w1a32_block(const beex_w1a32_job *job, size_t i0, size_t i1, size_t j0, size_t j1)
{
    const beex_bmatrix *w = job->w;
    size_t k = w->k, kw = w->kwords;
    const __m512 sign = _mm512_set1_ps(-0.0f);
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
            __m512 acc[4][4] = {{s00, s01, s02, s03},
                                {s10, s11, s12, s13},
                                {s20, s21, s22, s23},
                                {s30, s31, s32, s33}};
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < cols; c++)
                    job->y[(i + r) * job->ldy + j + c] =
                        beex_mul_then_add(job->alpha ? job->alpha[j + c] : 1.0f, fold(acc[r][c]),
                                          job->bias ? job->bias[j + c] : 0.0f);
        }
    }
}

const beex_bgemm_ops beex_bgemm_ops_avx512 = {MR, NR, CW, w1a1_block, w1a32_block, NULL};
