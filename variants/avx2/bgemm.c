/* AVX2 binarized GEMMs.
 *
 * W1A1 has no vector popcount: each byte of A XOR B is counted with two VPSHUFB nibble
 * lookups into byte accumulators (8 operations per 256 bits), which VPSADBW widens into 64-bit
 * totals every 31 words, before a byte could overflow (31 * 8 < 256). The four 64-bit lanes
 * of a ymm hold the same word of four panel rows and each A word is broadcast, so VPSADBW
 * leaves one column's total per lane: no horizontal reduction, and k is padded to 64 bits
 * only. The 4 x 8 tile keeps its eight byte accumulators, two B registers, the A word and the
 * lookup temporaries in the sixteen ymm registers; the nibble mask comes from memory. */
#include <immintrin.h>

#include "kernels/bgemm_variant.h"
#include "kernels/canon_sum.h"

enum { MR = 4, NR = 8, CW = 1, FLUSH = 31 };

/* Panel rows are stored in slots (0, 1, 4, 5, 2, 3, 6, 7) so that combining the two B
 * registers' 32-bit lane halves (store_row) yields columns 0..7 in order. */
static void layout(size_t k, beex_bgemm_layout *out)
{
    static const unsigned char slot[NR] = {0, 1, 4, 5, 2, 3, 6, 7};
    (void)k;
    out->mr = MR, out->nr = NR, out->cw = CW;
    for (unsigned c = 0; c < NR; c++)
        out->slot[c] = slot[c];
}

#define XPA(acc, a, b)                                                                             \
    do {                                                                                           \
        __m256i x_ = _mm256_xor_si256(a, b);                                                       \
        __m256i lo_ = _mm256_and_si256(x_, nib);                                                   \
        __m256i hi_ = _mm256_and_si256(_mm256_srli_epi16(x_, 4), nib);                             \
        acc = _mm256_add_epi8(                                                                     \
            acc, _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo_), _mm256_shuffle_epi8(lut, hi_)));   \
    } while (0)
#define ROW(r)                                                                                     \
    do {                                                                                           \
        __m256i x = _mm256_set1_epi64x((long long)ar[r][c]);                                       \
        XPA(c##r##0, x, b0);                                                                       \
        XPA(c##r##1, x, b1);                                                                       \
    } while (0)
#define FLUSH_ROW(r)                                                                               \
    do {                                                                                           \
        tot[2 * (r)] = _mm256_add_epi64(tot[2 * (r)], _mm256_sad_epu8(c##r##0, zero));             \
        tot[2 * (r) + 1] = _mm256_add_epi64(tot[2 * (r) + 1], _mm256_sad_epu8(c##r##1, zero));     \
    } while (0)

/* tot[2 r + v]: XOR popcounts of A row r against the panel rows in slots 4 v .. 4 v + 3. */
static inline void w1a1_tile(const uint64_t *a, size_t as, const uint64_t *b, size_t words,
                             __m256i tot[2 * MR])
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                         1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i nib = _mm256_set1_epi8(0x0F);
    const __m256i zero = _mm256_setzero_si256();
    const uint64_t *ar[MR] = {a, a + as, a + 2 * as, a + 3 * as};
    for (int t = 0; t < 2 * MR; t++)
        tot[t] = zero;
    for (size_t c0 = 0; c0 < words; c0 += FLUSH) {
        size_t c1 = words - c0 < FLUSH ? words : c0 + FLUSH;
        __m256i c00 = zero, c01 = zero, c10 = zero, c11 = zero;
        __m256i c20 = zero, c21 = zero, c30 = zero, c31 = zero;
        for (size_t c = c0; c < c1; c++) {
            __m256i b0 = _mm256_load_si256((const __m256i *)(b + c * NR));
            __m256i b1 = _mm256_load_si256((const __m256i *)(b + c * NR + 4));
            ROW(0);
            ROW(1);
            ROW(2);
            ROW(3);
        }
        FLUSH_ROW(0);
        FLUSH_ROW(1);
        FLUSH_ROW(2);
        FLUSH_ROW(3);
    }
}

/* Writes row i, columns j .. j + nv - 1 (nv <= 8): the pops of slots 0..3 (t0) and 4..7 (t1)
 * interleave into columns 0..7, then dot = k - 2 * pop and (scale_a * scale_w) * dot + bias
 * with the product rounded before the add, exactly as the reference. */
static void store_row(const beex_w1a1_job *job, size_t i, size_t j, __m256i t0, __m256i t1,
                      size_t nv)
{
    __m256i pop = _mm256_castps_si256(
        _mm256_shuffle_ps(_mm256_castsi256_ps(t0), _mm256_castsi256_ps(t1), 0x88));
    __m256i dot = _mm256_sub_epi32(_mm256_set1_epi32((int)job->w->k), _mm256_add_epi32(pop, pop));
    if (job->dot != NULL) {
        int32_t tmp[NR];
        _mm256_storeu_si256((__m256i *)tmp, dot);
        for (size_t c = 0; c < nv && c < NR; c++)
            job->dot[i * job->ldd + j + c] = tmp[c];
        return;
    }
    float *out = job->y + i * job->ldy + j;
    __m256 s = _mm256_set1_ps(job->scale_a ? job->scale_a[i] : 1.0f);
    if (nv >= NR) {
        if (job->scale_w != NULL)
            s = _mm256_mul_ps(s, _mm256_loadu_ps(job->scale_w + j));
        __m256 p = _mm256_mul_ps(s, _mm256_cvtepi32_ps(dot));
        __asm__("" : "+x"(p)); /* no FMA contraction: see beex_mul_then_add */
        __m256 bias = job->bias ? _mm256_loadu_ps(job->bias + j) : _mm256_setzero_ps();
        _mm256_storeu_ps(out, _mm256_add_ps(p, bias));
        return;
    }
    int32_t d[NR];
    _mm256_storeu_si256((__m256i *)d, dot);
    float sa = job->scale_a ? job->scale_a[i] : 1.0f;
    for (size_t c = 0; c < nv; c++)
        out[c] = beex_mul_then_add(sa * (job->scale_w ? job->scale_w[j + c] : 1.0f), (float)d[c],
                                   job->bias ? job->bias[j + c] : 0.0f);
}

static void w1a1_block(const beex_w1a1_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_bmatrix *w = job->w;
    size_t panel_words = w->chunks * NR;
    for (size_t p = p0; p < p1; p++) {
        const uint64_t *b = w->panels + p * panel_words;
        size_t j = p * NR, nv = w->n - j;
        for (size_t i = i0; i < i1; i += MR) {
            __m256i tot[2 * MR];
            w1a1_tile(job->a + i * job->a_stride, job->a_stride, b, w->chunks, tot);
            size_t rows = job->m - i < MR ? job->m - i : MR;
            for (size_t r = 0; r < rows; r++)
                store_row(job, i + r, j, tot[2 * r], tot[2 * r + 1], nv);
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

/* W1A32: one row x 4 columns, each column's sum in kernels/canon_sum.h's sixteen lanes (two
 * registers: lanes 0-7 and 8-15), sign applied by XOR; the last (K mod 16) elements go to
 * their lanes in scalar. The same bits as the reference and every variant. */
static void w1a32_block(const beex_w1a32_job *job, size_t i0, size_t i1, size_t j0, size_t j1)
{
    const beex_bmatrix *w = job->w;
    size_t k = w->k, kw = w->kwords, k16 = k / 16 * 16;
    for (size_t i = i0; i < i1; i++) {
        const float *x = job->x + i * job->ldx;
        for (size_t j = j0; j < j1; j += 4) {
            size_t cols = j1 - j < 4 ? j1 - j : 4;
            const uint64_t *r[4];
            for (size_t c = 0; c < 4; c++) /* missing columns repeat the first; never stored */
                r[c] = w->rows + (j + (c < cols ? c : 0)) * kw;
            __m256 lo0 = _mm256_setzero_ps(), lo1 = lo0, lo2 = lo0, lo3 = lo0;
            __m256 hi0 = lo0, hi1 = lo0, hi2 = lo0, hi3 = lo0;
            for (size_t kk = 0; kk < k16; kk += 16) {
                size_t q = kk / 64;
                unsigned sh = (unsigned)(kk % 64);
                unsigned b0 = (unsigned)(r[0][q] >> sh), b1 = (unsigned)(r[1][q] >> sh);
                unsigned b2 = (unsigned)(r[2][q] >> sh), b3 = (unsigned)(r[3][q] >> sh);
                __m256 xa = _mm256_loadu_ps(x + kk), xb = _mm256_loadu_ps(x + kk + 8);
                lo0 = _mm256_add_ps(lo0, _mm256_xor_ps(xa, sign_mask8(b0 & 0xFFu)));
                hi0 = _mm256_add_ps(hi0, _mm256_xor_ps(xb, sign_mask8((b0 >> 8) & 0xFFu)));
                lo1 = _mm256_add_ps(lo1, _mm256_xor_ps(xa, sign_mask8(b1 & 0xFFu)));
                hi1 = _mm256_add_ps(hi1, _mm256_xor_ps(xb, sign_mask8((b1 >> 8) & 0xFFu)));
                lo2 = _mm256_add_ps(lo2, _mm256_xor_ps(xa, sign_mask8(b2 & 0xFFu)));
                hi2 = _mm256_add_ps(hi2, _mm256_xor_ps(xb, sign_mask8((b2 >> 8) & 0xFFu)));
                lo3 = _mm256_add_ps(lo3, _mm256_xor_ps(xa, sign_mask8(b3 & 0xFFu)));
                hi3 = _mm256_add_ps(hi3, _mm256_xor_ps(xb, sign_mask8((b3 >> 8) & 0xFFu)));
            }
            float l[4][BEEX_SUM_LANES];
            __m256 lo[4] = {lo0, lo1, lo2, lo3}, hi[4] = {hi0, hi1, hi2, hi3};
            for (size_t c = 0; c < cols; c++) {
                _mm256_storeu_ps(l[c], lo[c]);
                _mm256_storeu_ps(l[c] + 8, hi[c]);
                for (size_t kk = k16; kk < k; kk++) {
                    float v = x[kk];
                    l[c][kk - k16] += ((r[c][kk / 64] >> (kk % 64)) & 1u) ? -v : v;
                }
                job->y[i * job->ldy + j + c] =
                    beex_mul_then_add(job->alpha ? job->alpha[j + c] : 1.0f, beex_sum16_fold(l[c]),
                                      job->bias ? job->bias[j + c] : 0.0f);
            }
        }
    }
}

const beex_bgemm_ops beex_bgemm_ops_avx2 = {MR, NR, CW, w1a1_block, w1a32_block, layout};
