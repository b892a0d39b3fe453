/* AVX2 int8 GEMM, exact on every int8 value. vpmaddubsw would be the short way, but it adds
 * two u8 x s8 products into a saturating int16 (255 * 127 * 2 > 32767); here both operands
 * are sign-extended to int16 and vpmaddwd adds two int16 products into an int32 lane, which
 * never saturates for |values| <= 128. Weights are stored as int8 in k-pairs (kg = 2: one
 * 32-bit lane per column after vpmovsxbw), activations as int16 by the driver, so one
 * broadcast dword is a k-pair of one row. The tile is 4 rows x 16 columns: 8 ymm
 * accumulators, 2 weight registers, 1 activation.
 * The quantizer: x * inv, NaN -> 0 (an ordered-compare mask), clamp to [-127, 127], round
 * with cvtps2dq in the default MXCSR mode (to nearest even), pack with signed saturation. */
#include <immintrin.h>

#include "kernels/igemm_variant.h"

enum { MR = 4, NR = 16 };

static void layout(size_t k, beex_igemm_layout *out)
{
    (void)k;
    *out =
        (beex_igemm_layout){.mr = MR, .nr = NR, .kg = 2, .kalign = 2, .a_mode = BEEX_IGEMM_A_INT16};
}

static inline __m256i bcast32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

#define MAC(c, x, b) c = _mm256_add_epi32(c, _mm256_madd_epi16(x, b))
#define ROW(r)                                                                                     \
    do {                                                                                           \
        __m256i x = bcast32(a + (r)*as + 4 * g);                                                   \
        MAC(c##r##0, x, b0);                                                                       \
        MAC(c##r##1, x, b1);                                                                       \
    } while (0)

/* The 4 x 16 micro-kernel over kpad / 2 k-pairs; acc[r * NR + c]. */
static inline __attribute__((always_inline)) void tile(const uint8_t *a, size_t as, const int8_t *b,
                                                       size_t pairs, int32_t acc[MR * NR])
{
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00;
    __m256i c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (size_t g = 0; g < pairs; g++) {
        const int8_t *bg = b + g * 2 * NR;
        __m256i b0 = _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)bg));
        __m256i b1 = _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)(bg + 16)));
        ROW(0);
        ROW(1);
        ROW(2);
        ROW(3);
    }
    __m256i *o = (__m256i *)acc;
    _mm256_storeu_si256(o + 0, c00), _mm256_storeu_si256(o + 1, c01);
    _mm256_storeu_si256(o + 2, c10), _mm256_storeu_si256(o + 3, c11);
    _mm256_storeu_si256(o + 4, c20), _mm256_storeu_si256(o + 5, c21);
    _mm256_storeu_si256(o + 6, c30), _mm256_storeu_si256(o + 7, c31);
}

static void block(const beex_igemm_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_imatrix *w = job->w;
    for (size_t p = p0; p < p1; p++) {
        const int8_t *b = beex_igemm_panel(w, p);
        for (size_t i = i0; i < i1; i += MR) {
            int32_t acc[MR * NR];
            tile(job->a + i * job->a_stride, job->a_stride, b, w->kpad / 2, acc);
            beex_igemm_store_tile(job, i, p * NR, MR, NR, acc, NR);
        }
    }
}

static void quantize_row(const float *x, size_t k, float inv_scale, int8_t *q)
{
    const __m256 inv = _mm256_set1_ps(inv_scale), lo = _mm256_set1_ps(-127.0f),
                 hi = _mm256_set1_ps(127.0f);
    size_t kk = 0;
    for (; kk + 8 <= k; kk += 8) {
        __m256 p = _mm256_mul_ps(_mm256_loadu_ps(x + kk), inv);
        p = _mm256_and_ps(p, _mm256_cmp_ps(p, p, _CMP_ORD_Q)); /* NaN -> +0 */
        p = _mm256_min_ps(_mm256_max_ps(p, lo), hi);
        __m256i i32 = _mm256_cvtps_epi32(p);
        __m128i i16 =
            _mm_packs_epi32(_mm256_castsi256_si128(i32), _mm256_extracti128_si256(i32, 1));
        _mm_storel_epi64((__m128i *)(void *)(q + kk), _mm_packs_epi16(i16, i16));
    }
    for (; kk < k; kk++)
        q[kk] = beex_i8_quantize_one(x[kk], inv_scale);
}

/* max |x| with NaN ignored: vmaxps returns its second operand when either is NaN, so the
 * running maximum goes second. */
static float amax_row(const float *x, size_t k)
{
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 m = _mm256_setzero_ps();
    size_t kk = 0;
    for (; kk + 8 <= k; kk += 8)
        m = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + kk), abs_mask), m);
    float lanes[8], amax = 0.0f;
    _mm256_storeu_ps(lanes, m);
    for (int l = 0; l < 8; l++)
        amax = beex_i8_amax_one(amax, lanes[l]);
    for (; kk < k; kk++)
        amax = beex_i8_amax_one(amax, x[kk]);
    return amax;
}

const beex_igemm_ops beex_igemm_ops_avx2 = {
    .layout = layout, .block = block, .quantize_row = quantize_row, .amax_row = amax_row};
