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

const beex_bgemm_ops beex_bgemm_ops_avx2 = {MR, NR, CW, w1a1_block, w1a32_block, layout};
