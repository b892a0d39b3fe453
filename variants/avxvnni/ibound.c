/* The AVX-VNNI int8 bound: the 6 x 16 micro-kernel's 12 VEX VPDPBUSD chains (6 rows x 2 weight
 * registers) on registers only, written as one asm block: in C the compiler spilled
 * accumulators to the stack every iteration (16 ymm registers, and it held 20 values), which
 * made the loop slower than the kernel it bounds. */
#include <immintrin.h>

#include "kernels/ibound.h"

uint64_t beex_ibound_loop_avxvnni(uint64_t iters, uint64_t *sink)
{
    __m256i a = _mm256_set1_epi32(0x01020304);
    __m256i b0 = _mm256_set1_epi32(0x01ff02fe), b1 = _mm256_set1_epi32(0x03fd04fc);
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256i c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (uint64_t it = 0; it < iters; it++)
        __asm__ volatile("%{vex%} vpdpbusd %[b0], %[a], %[c00]\n\t"
                         "%{vex%} vpdpbusd %[b1], %[a], %[c01]\n\t"
                         "%{vex%} vpdpbusd %[b0], %[a], %[c10]\n\t"
                         "%{vex%} vpdpbusd %[b1], %[a], %[c11]\n\t"
                         "%{vex%} vpdpbusd %[b0], %[a], %[c20]\n\t"
                         "%{vex%} vpdpbusd %[b1], %[a], %[c21]\n\t"
                         "%{vex%} vpdpbusd %[b0], %[a], %[c30]\n\t"
                         "%{vex%} vpdpbusd %[b1], %[a], %[c31]\n\t"
                         "%{vex%} vpdpbusd %[b0], %[a], %[c40]\n\t"
                         "%{vex%} vpdpbusd %[b1], %[a], %[c41]\n\t"
                         "%{vex%} vpdpbusd %[b0], %[a], %[c50]\n\t"
                         "%{vex%} vpdpbusd %[b1], %[a], %[c51]\n\t"
                         : [c00] "+x"(c00), [c01] "+x"(c01), [c10] "+x"(c10), [c11] "+x"(c11),
                           [c20] "+x"(c20), [c21] "+x"(c21), [c30] "+x"(c30), [c31] "+x"(c31),
                           [c40] "+x"(c40), [c41] "+x"(c41), [c50] "+x"(c50), [c51] "+x"(c51)
                         : [a] "x"(a), [b0] "x"(b0), [b1] "x"(b1));
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
