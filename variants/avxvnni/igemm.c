/* AVX-VNNI int8 GEMM: the VEX-encoded vpdpbusd on ymm (_mm256_dpbusd_avx_epi32), for CPUs with
 * AVX-VNNI but no AVX-512 (Alder Lake and later client cores, Zen 5 in its 256-bit mode, or
 * any AVX-VNNI CPU when BEEX_ISA=avxvnni). As avx512's: activations as a + 128 (uint8),
 * weights in the VNNI layout (kg = 4), 128 * sum_k w subtracted at the write-back. The tile
 * is 6 rows x 16 columns: 12 ymm accumulators, 2 weight registers, 1 activation (15 of 16).
 * The quantizers are avx2's (quantize_row NULL: the parent's). */
#include <immintrin.h>

#include "kernels/igemm_variant.h"

enum { MR = 6, NR = 16 };

static void layout(size_t k, beex_igemm_layout *out)
{
    (void)k;
    *out = (beex_igemm_layout){
        .mr = MR, .nr = NR, .kg = 4, .kalign = 4, .a_mode = BEEX_IGEMM_A_UINT8, .comp = 1};
}

static inline __m256i bcast32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

#define ROW(r)                                                                                     \
    do {                                                                                           \
        __m256i x = bcast32(a + (r)*as + 4 * g);                                                   \
        c##r##0 = _mm256_dpbusd_avx_epi32(c##r##0, x, b0);                                         \
        c##r##1 = _mm256_dpbusd_avx_epi32(c##r##1, x, b1);                                         \
    } while (0)
#define STORE_ROW(r)                                                                               \
    do {                                                                                           \
        _mm256_storeu_si256((__m256i *)(acc + (r)*NR), c##r##0);                                   \
        _mm256_storeu_si256((__m256i *)(acc + (r)*NR + 8), c##r##1);                               \
    } while (0)

/* The 6 x 16 micro-kernel over kpad / 4 k-groups; acc[r * NR + c]. */
static inline __attribute__((always_inline)) void tile(const uint8_t *a, size_t as, const int8_t *b,
                                                       size_t groups, int32_t acc[MR * NR])
{
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256i c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (size_t g = 0; g < groups; g++) {
        const int8_t *bg = b + g * 4 * NR;
        __m256i b0 = _mm256_load_si256((const __m256i *)bg);
        __m256i b1 = _mm256_load_si256((const __m256i *)(bg + 32));
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

static void block(const beex_igemm_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
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

const beex_igemm_ops beex_igemm_ops_avxvnni = {.layout = layout, .block = block};
