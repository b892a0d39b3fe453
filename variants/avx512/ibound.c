/* The AVX-512 int8 bound: the 6 x 64 micro-kernel's 24 VPDPBUSD chains (6 rows x 4 weight
 * registers) on registers only. The 24 instructions are written as one asm block: in C the
 * compiler kept spilling accumulators to the stack every iteration (32 registers, and it held
 * 34 values), which made the loop slower than the kernel it bounds. */
#include <immintrin.h>

#include "kernels/ibound.h"

__attribute__((target("avx512vnni"))) uint64_t beex_ibound_loop_avx512(uint64_t iters,
                                                                       uint64_t *sink)
{
    __m512i a = _mm512_set1_epi32(0x01020304);
    __m512i b0 = _mm512_set1_epi32(0x01ff02fe), b1 = _mm512_set1_epi32(0x03fd04fc),
            b2 = _mm512_set1_epi32(0x05fb06fa), b3 = _mm512_set1_epi32(0x07f908f8);
    __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00;
    __m512i c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00;
    __m512i c31 = c00, c32 = c00, c33 = c00, c40 = c00, c41 = c00, c42 = c00, c43 = c00;
    __m512i c50 = c00, c51 = c00, c52 = c00, c53 = c00;
    /* Two blocks of three rows: an asm takes at most 30 operands, an in-out one counting 2. */
    for (uint64_t it = 0; it < iters; it++) {
        __asm__ volatile("vpdpbusd %[b0], %[a], %[c00]\n\t"
                         "vpdpbusd %[b1], %[a], %[c01]\n\t"
                         "vpdpbusd %[b2], %[a], %[c02]\n\t"
                         "vpdpbusd %[b3], %[a], %[c03]\n\t"
                         "vpdpbusd %[b0], %[a], %[c10]\n\t"
                         "vpdpbusd %[b1], %[a], %[c11]\n\t"
                         "vpdpbusd %[b2], %[a], %[c12]\n\t"
                         "vpdpbusd %[b3], %[a], %[c13]\n\t"
                         "vpdpbusd %[b0], %[a], %[c20]\n\t"
                         "vpdpbusd %[b1], %[a], %[c21]\n\t"
                         "vpdpbusd %[b2], %[a], %[c22]\n\t"
                         "vpdpbusd %[b3], %[a], %[c23]\n\t"
                         : [c00] "+v"(c00), [c01] "+v"(c01), [c02] "+v"(c02), [c03] "+v"(c03),
                           [c10] "+v"(c10), [c11] "+v"(c11), [c12] "+v"(c12), [c13] "+v"(c13),
                           [c20] "+v"(c20), [c21] "+v"(c21), [c22] "+v"(c22), [c23] "+v"(c23)
                         : [a] "v"(a), [b0] "v"(b0), [b1] "v"(b1), [b2] "v"(b2), [b3] "v"(b3));
        __asm__ volatile("vpdpbusd %[b0], %[a], %[c30]\n\t"
                         "vpdpbusd %[b1], %[a], %[c31]\n\t"
                         "vpdpbusd %[b2], %[a], %[c32]\n\t"
                         "vpdpbusd %[b3], %[a], %[c33]\n\t"
                         "vpdpbusd %[b0], %[a], %[c40]\n\t"
                         "vpdpbusd %[b1], %[a], %[c41]\n\t"
                         "vpdpbusd %[b2], %[a], %[c42]\n\t"
                         "vpdpbusd %[b3], %[a], %[c43]\n\t"
                         "vpdpbusd %[b0], %[a], %[c50]\n\t"
                         "vpdpbusd %[b1], %[a], %[c51]\n\t"
                         "vpdpbusd %[b2], %[a], %[c52]\n\t"
                         "vpdpbusd %[b3], %[a], %[c53]\n\t"
                         : [c30] "+v"(c30), [c31] "+v"(c31), [c32] "+v"(c32), [c33] "+v"(c33),
                           [c40] "+v"(c40), [c41] "+v"(c41), [c42] "+v"(c42), [c43] "+v"(c43),
                           [c50] "+v"(c50), [c51] "+v"(c51), [c52] "+v"(c52), [c53] "+v"(c53)
                         : [a] "v"(a), [b0] "v"(b0), [b1] "v"(b1), [b2] "v"(b2), [b3] "v"(b3));
    }
    __m512i s = _mm512_add_epi32(_mm512_add_epi32(c00, c01), _mm512_add_epi32(c02, c03));
    s = _mm512_add_epi32(s,
                         _mm512_add_epi32(_mm512_add_epi32(c10, c11), _mm512_add_epi32(c12, c13)));
    s = _mm512_add_epi32(s,
                         _mm512_add_epi32(_mm512_add_epi32(c20, c21), _mm512_add_epi32(c22, c23)));
    s = _mm512_add_epi32(s,
                         _mm512_add_epi32(_mm512_add_epi32(c30, c31), _mm512_add_epi32(c32, c33)));
    s = _mm512_add_epi32(s,
                         _mm512_add_epi32(_mm512_add_epi32(c40, c41), _mm512_add_epi32(c42, c43)));
    s = _mm512_add_epi32(s,
                         _mm512_add_epi32(_mm512_add_epi32(c50, c51), _mm512_add_epi32(c52, c53)));
    /* Lanes summed as unsigned: GCC's _mm512_reduce_add_epi32 adds signed ints, and the
     * accumulators wrap (UBSan: signed overflow in the header). */
    uint32_t lanes[16];
    _mm512_storeu_si512(lanes, s);
    uint64_t t = 0;
    for (int l = 0; l < 16; l++)
        t += lanes[l];
    *sink = t;
    return iters * 24u * 64u;
}
