/* AVX-512 int8 GEMM with AVX512-VNNI (vpdpbusd on zmm), and the AVX-512 quantizers.
 *
 * vpdpbusd multiplies unsigned by signed bytes and adds each group of four products into an
 * int32 lane (the non-saturating form: the sums are exact for k <= BEEX_IGEMM_MAX_K). The
 * driver stores the activations as a + 128 (uint8) and the weights' 128 * sum_k w per column
 * (comp), which the shared write-back subtracts. Weights sit in the VNNI layout (kg = 4): a
 * zmm holds 4 k of 16 columns, and one broadcast dword holds 4 k of one activation row. The
 * tile is 6 rows x 64 columns: 24 zmm accumulators, 4 weight registers, 1 activation.
 *
 * The int8 functions are compiled for AVX512-VNNI by a target attribute (the folder's flags
 * stay those of the other avx512 files) and run only when missing() finds it; without it
 * the igemm family runs avx2's code (kernels/cpu.h's parent chain). The quantizers need only
 * AVX-512 F/BW/VL. */
#include <immintrin.h>

#include "kernels/igemm_variant.h"

#define VNNI __attribute__((target("avx512vnni")))

enum { MR = 6, NR = 64 };

static void layout(size_t k, beex_igemm_layout *out)
{
    (void)k;
    *out = (beex_igemm_layout){
        .mr = MR, .nr = NR, .kg = 4, .kalign = 4, .a_mode = BEEX_IGEMM_A_UINT8, .comp = 1};
}

static const char *missing(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vnni") ? NULL : "CPU lacks AVX512-VNNI";
}

static inline __m512i bcast32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
}

#define ROW(r)                                                                                     \
    do {                                                                                           \
        __m512i x = bcast32(a + (r)*as + 4 * g);                                                   \
        c##r##0 = _mm512_dpbusd_epi32(c##r##0, x, b0);                                             \
        c##r##1 = _mm512_dpbusd_epi32(c##r##1, x, b1);                                             \
        c##r##2 = _mm512_dpbusd_epi32(c##r##2, x, b2);                                             \
        c##r##3 = _mm512_dpbusd_epi32(c##r##3, x, b3);                                             \
    } while (0)
#define STORE_ROW(r)                                                                               \
    do {                                                                                           \
        _mm512_storeu_si512(acc + (r)*NR, c##r##0);                                                \
        _mm512_storeu_si512(acc + (r)*NR + 16, c##r##1);                                           \
        _mm512_storeu_si512(acc + (r)*NR + 32, c##r##2);                                           \
        _mm512_storeu_si512(acc + (r)*NR + 48, c##r##3);                                           \
    } while (0)

/* The 6 x 64 micro-kernel over kpad / 4 k-groups; acc[r * NR + c]. */
static inline __attribute__((always_inline)) VNNI void
tile(const uint8_t *a, size_t as, const int8_t *b, size_t groups, int32_t acc[MR * NR])
{
    __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00;
    __m512i c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00;
    __m512i c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00, c40 = c00, c41 = c00;
    __m512i c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
    for (size_t g = 0; g < groups; g++) {
        const int8_t *bg = b + g * 4 * NR;
        __m512i b0 = _mm512_load_si512(bg), b1 = _mm512_load_si512(bg + 64);
        __m512i b2 = _mm512_load_si512(bg + 128), b3 = _mm512_load_si512(bg + 192);
        ROW(0);
        ROW(1);
        ROW(2);
        ROW(3);
        ROW(4);
        ROW(5);
    }
    STORE_ROW(0);
    STORE_ROW(1);
    STORE_ROW(2);
    STORE_ROW(3);
    STORE_ROW(4);
    STORE_ROW(5);
}

static VNNI void block(const beex_igemm_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_imatrix *w = job->w;
    for (size_t p = p0; p < p1; p++) {
        const int8_t *b = beex_igemm_panel(w, p);
        for (size_t i = i0; i < i1; i += MR) {
            int32_t acc[MR * NR];
            tile(job->a + i * job->a_stride, job->a_stride, b, w->kpad / 4, acc);
            beex_igemm_store_tile(job, i, p * NR, MR, NR, acc, NR);
        }
    }
}

/* x * inv, NaN -> 0 (zero-masked by an ordered compare), clamp, round with the default MXCSR
 * mode (to nearest even), narrow with signed saturation; the tail through masks. */
static void quantize_row(const float *x, size_t k, float inv_scale, int8_t *q)
{
    const __m512 inv = _mm512_set1_ps(inv_scale), lo = _mm512_set1_ps(-127.0f),
                 hi = _mm512_set1_ps(127.0f);
    for (size_t kk = 0; kk < k; kk += 16) {
        __mmask16 live = k - kk >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - kk)) - 1u);
        __m512 p = _mm512_mul_ps(_mm512_maskz_loadu_ps(live, x + kk), inv);
        p = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(p, p, _CMP_ORD_Q), p);
        p = _mm512_min_ps(_mm512_max_ps(p, lo), hi);
        _mm_mask_storeu_epi8(q + kk, live, _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(p)));
    }
}

/* max |x| with NaN ignored: vmaxps returns its second operand when either is NaN. */
static float amax_row(const float *x, size_t k)
{
    __m512 m = _mm512_setzero_ps();
    for (size_t kk = 0; kk < k; kk += 16) {
        __mmask16 live = k - kk >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - kk)) - 1u);
        m = _mm512_max_ps(_mm512_abs_ps(_mm512_maskz_loadu_ps(live, x + kk)), m);
    }
    return _mm512_reduce_max_ps(m);
}

const beex_igemm_ops beex_igemm_ops_avx512 = {.layout = layout,
                                              .block = block,
                                              .missing = missing,
                                              .quantize_row = quantize_row,
                                              .amax_row = amax_row};
