/* AVX2 binarized GEMMs. W1A1 has no vector popcount: each byte of A XOR B is counted with two
 * VPSHUFB nibble lookups into byte accumulators (8 operations per 256 bits), which VPSADBW
 * widens into 64-bit totals every 31 chunks, before a byte could overflow (31 * 8 < 256).
 * The 2 x 4 tile keeps its eight byte accumulators, two A rows, the table and the nibble mask
 * in the sixteen ymm registers. */
#include <immintrin.h>

#include "kernels/bgemm_variant.h"

enum { MR = 2, NR = 4, CW = 4, FLUSH = 31 };

#define XPA(acc, a, b)                                                                             \
    do {                                                                                           \
        __m256i x_ = _mm256_xor_si256(a, b);                                                       \
        __m256i lo_ = _mm256_and_si256(x_, nib);                                                   \
        __m256i hi_ = _mm256_and_si256(_mm256_srli_epi16(x_, 4), nib);                             \
        acc = _mm256_add_epi8(                                                                     \
            acc, _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo_), _mm256_shuffle_epi8(lut, hi_)));   \
    } while (0)

static inline int64_t hsum64(__m256i v)
{
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return _mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1);
}

static void w1a1_tile(const uint64_t *a, size_t as, const uint64_t *b, size_t chunks,
                      int64_t pop[MR * NR])
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                         1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i nib = _mm256_set1_epi8(0x0F);
    const __m256i zero = _mm256_setzero_si256();
    __m256i tot[MR * NR];
    for (int t = 0; t < MR * NR; t++)
        tot[t] = zero;
    const uint64_t *a0p = a, *a1p = a + as;
    for (size_t c0 = 0; c0 < chunks; c0 += FLUSH) {
        size_t c1 = chunks - c0 < FLUSH ? chunks : c0 + FLUSH;
        __m256i c00 = zero, c01 = zero, c02 = zero, c03 = zero;
        __m256i c10 = zero, c11 = zero, c12 = zero, c13 = zero;
        const uint64_t *bp = b + c0 * NR * CW;
        for (size_t c = c0; c < c1; c++, bp += NR * CW) {
            __m256i a0 = _mm256_load_si256((const __m256i *)(a0p + c * CW));
            __m256i a1 = _mm256_load_si256((const __m256i *)(a1p + c * CW));
            __m256i b0 = _mm256_load_si256((const __m256i *)(bp + 0 * CW));
            XPA(c00, a0, b0);
            XPA(c10, a1, b0);
            __m256i b1 = _mm256_load_si256((const __m256i *)(bp + 1 * CW));
            XPA(c01, a0, b1);
            XPA(c11, a1, b1);
            __m256i b2 = _mm256_load_si256((const __m256i *)(bp + 2 * CW));
            XPA(c02, a0, b2);
            XPA(c12, a1, b2);
            __m256i b3 = _mm256_load_si256((const __m256i *)(bp + 3 * CW));
            XPA(c03, a0, b3);
            XPA(c13, a1, b3);
        }
        tot[0] = _mm256_add_epi64(tot[0], _mm256_sad_epu8(c00, zero));
        tot[1] = _mm256_add_epi64(tot[1], _mm256_sad_epu8(c01, zero));
        tot[2] = _mm256_add_epi64(tot[2], _mm256_sad_epu8(c02, zero));
        tot[3] = _mm256_add_epi64(tot[3], _mm256_sad_epu8(c03, zero));
        tot[4] = _mm256_add_epi64(tot[4], _mm256_sad_epu8(c10, zero));
        tot[5] = _mm256_add_epi64(tot[5], _mm256_sad_epu8(c11, zero));
        tot[6] = _mm256_add_epi64(tot[6], _mm256_sad_epu8(c12, zero));
        tot[7] = _mm256_add_epi64(tot[7], _mm256_sad_epu8(c13, zero));
    }
    for (int t = 0; t < MR * NR; t++)
        pop[t] = hsum64(tot[t]);
}

static void w1a1_block(const beex_w1a1_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_bmatrix *w = job->w;
    size_t panel_words = w->chunks * NR * CW;
    for (size_t p = p0; p < p1; p++) {
        const uint64_t *b = w->panels + p * panel_words;
        for (size_t i = i0; i < i1; i += MR) {
            int64_t pop[MR * NR];
            w1a1_tile(job->a + i * job->a_stride, job->a_stride, b, w->chunks, pop);
            beex_w1a1_store_tile(job, i, p * NR, MR, NR, pop, NR);
        }
    }
}

/* Sign bits of 8 consecutive weights -> a lane mask holding each bit in its lane's sign bit. */
static inline __m256 sign_mask8(unsigned bits)
{
    const __m256i shifts = _mm256_setr_epi32(31, 30, 29, 28, 27, 26, 25, 24);
    __m256i v = _mm256_sllv_epi32(_mm256_set1_epi32((int)bits), shifts);
    return _mm256_castsi256_ps(_mm256_and_si256(v, _mm256_set1_epi32((int)0x80000000u)));
}

static inline float hsum_ps(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* W1A32: 2 rows x 4 columns of 8-lane fp32 accumulators, sign applied by XOR; the last
 * (K mod 8) elements are added in scalar. Reordered sums: checked within a tolerance. */
static void w1a32_block(const beex_w1a32_job *job, size_t i0, size_t i1, size_t j0, size_t j1)
{
    const beex_bmatrix *w = job->w;
    size_t k = w->k, kw = w->kwords, kv = k / 8 * 8;
    for (size_t i = i0; i < i1; i += 2) {
        size_t rows = i + 2 <= i1 ? 2 : 1;
        const float *x[2] = {job->x + i * job->ldx, job->x + (i + rows - 1) * job->ldx};
        for (size_t j = j0; j < j1; j += 4) {
            size_t cols = j1 - j < 4 ? j1 - j : 4;
            const uint64_t *r[4];
            for (size_t c = 0; c < 4; c++)
                r[c] = w->rows + (j + (c < cols ? c : 0)) * kw;
            __m256 s00 = _mm256_setzero_ps(), s01 = s00, s02 = s00, s03 = s00;
            __m256 s10 = s00, s11 = s00, s12 = s00, s13 = s00;
            for (size_t kk = 0; kk < kv; kk += 8) {
                size_t q = kk / 64;
                unsigned sh = (unsigned)(kk % 64);
                __m256 m0 = sign_mask8((unsigned)(r[0][q] >> sh) & 0xFFu);
                __m256 m1 = sign_mask8((unsigned)(r[1][q] >> sh) & 0xFFu);
                __m256 m2 = sign_mask8((unsigned)(r[2][q] >> sh) & 0xFFu);
                __m256 m3 = sign_mask8((unsigned)(r[3][q] >> sh) & 0xFFu);
                __m256 xa = _mm256_loadu_ps(x[0] + kk), xb = _mm256_loadu_ps(x[1] + kk);
                s00 = _mm256_add_ps(s00, _mm256_xor_ps(xa, m0));
                s01 = _mm256_add_ps(s01, _mm256_xor_ps(xa, m1));
                s02 = _mm256_add_ps(s02, _mm256_xor_ps(xa, m2));
                s03 = _mm256_add_ps(s03, _mm256_xor_ps(xa, m3));
                s10 = _mm256_add_ps(s10, _mm256_xor_ps(xb, m0));
                s11 = _mm256_add_ps(s11, _mm256_xor_ps(xb, m1));
                s12 = _mm256_add_ps(s12, _mm256_xor_ps(xb, m2));
                s13 = _mm256_add_ps(s13, _mm256_xor_ps(xb, m3));
            }
            float sums[2][4] = {{hsum_ps(s00), hsum_ps(s01), hsum_ps(s02), hsum_ps(s03)},
                                {hsum_ps(s10), hsum_ps(s11), hsum_ps(s12), hsum_ps(s13)}};
            for (size_t rr = 0; rr < rows; rr++)
                for (size_t c = 0; c < cols; c++) {
                    float s = sums[rr][c];
                    for (size_t kk = kv; kk < k; kk++) {
                        float v = x[rr][kk];
                        s += ((r[c][kk / 64] >> (kk % 64)) & 1u) ? -v : v;
                    }
                    job->y[(i + rr) * job->ldy + j + c] =
                        beex_mul_then_add(job->alpha ? job->alpha[j + c] : 1.0f, s,
                                          job->bias ? job->bias[j + c] : 0.0f);
                }
        }
    }
}

const beex_bgemm_ops beex_bgemm_ops_avx2 = {MR, NR, CW, w1a1_block, w1a32_block};
