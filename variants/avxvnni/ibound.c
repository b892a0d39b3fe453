/* The AVX-VNNI int8 bound: the 6 x 16 micro-kernel's 12 VEX VPDPBUSD chains (6 rows x 2 weight
 * registers) on registers only. The empty asm makes the activations look new every
 * iteration and adds no instruction. */
#include <immintrin.h>

#include "kernels/ibound.h"

#define DP(c, x, b) c = _mm256_dpbusd_avx_epi32(c, x, b)
#define ROW(r, x)                                                                                  \
    DP(c##r##0, x, b0);                                                                            \
    DP(c##r##1, x, b1)

uint64_t beex_ibound_loop_avxvnni(uint64_t iters, uint64_t *sink)
{
    __m256i a0 = _mm256_set1_epi32(0x01020304), a1 = _mm256_set1_epi32(0x05060708),
            a2 = _mm256_set1_epi32(0x090a0b0c), a3 = _mm256_set1_epi32(0x0d0e0f10),
            a4 = _mm256_set1_epi32(0x11121314), a5 = _mm256_set1_epi32(0x15161718);
    __m256i b0 = _mm256_set1_epi32(0x01ff02fe), b1 = _mm256_set1_epi32(0x03fd04fc);
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256i c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (uint64_t it = 0; it < iters; it++) {
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
        ROW(0, a0);
        ROW(1, a1);
        ROW(2, a2);
        ROW(3, a3);
        ROW(4, a4);
        ROW(5, a5);
    }
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(c00, c01), _mm256_add_epi32(c10, c11));
    s = _mm256_add_epi32(s,
                         _mm256_add_epi32(_mm256_add_epi32(c20, c21), _mm256_add_epi32(c30, c31)));
    s = _mm256_add_epi32(s,
                         _mm256_add_epi32(_mm256_add_epi32(c40, c41), _mm256_add_epi32(c50, c51)));
    int32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, s);
    uint64_t t = 0;
    for (int l = 0; l < 8; l++)
        t += (uint32_t)lanes[l];
    *sink = t;
    return iters * 12u * 32u;
}
