/* The AVX2 int8 bound: the 4 x 16 micro-kernel's 8 VPMADDWD + VPADDD chains (4 rows x 2 weight
 * registers) on registers only. The empty asm makes the activations look new every
 * iteration, so the compiler can neither hoist nor fold the work, and adds no instruction. */
#include <immintrin.h>

#include "kernels/ibound.h"

#define MAC(c, x, b) c = _mm256_add_epi32(c, _mm256_madd_epi16(x, b))
#define ROW(r, x)                                                                                  \
    MAC(c##r##0, x, b0);                                                                           \
    MAC(c##r##1, x, b1)

uint64_t beex_ibound_loop_avx2(uint64_t iters, uint64_t *sink)
{
    __m256i a0 = _mm256_set1_epi32(0x00030001), a1 = _mm256_set1_epi32(0x00050002),
            a2 = _mm256_set1_epi32(0x00070003), a3 = _mm256_set1_epi32(0x000b0004);
    __m256i b0 = _mm256_set1_epi16(3), b1 = _mm256_set1_epi16(-5);
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
            c30 = c00, c31 = c00;
    for (uint64_t it = 0; it < iters; it++) {
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3));
        ROW(0, a0);
        ROW(1, a1);
        ROW(2, a2);
        ROW(3, a3);
    }
    __m256i s =
        _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c00, c01), _mm256_add_epi32(c10, c11)),
                         _mm256_add_epi32(_mm256_add_epi32(c20, c21), _mm256_add_epi32(c30, c31)));
    int32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, s);
    uint64_t t = 0;
    for (int l = 0; l < 8; l++)
        t += (uint32_t)lanes[l];
    *sink = t;
    return iters * 8u * 16u;
}
