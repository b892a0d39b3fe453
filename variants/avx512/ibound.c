/* The AVX-512 int8 bound: the 6 x 64 micro-kernel's 24 VPDPBUSD chains (6 rows x 4 weight
 * registers) on registers only; AVX512-VNNI by a target attribute, as in igemm.c. The empty
 * asm makes the activations look new every iteration and adds no instruction. */
#include <immintrin.h>

#include "kernels/ibound.h"

#define DP(c, x, b) c = _mm512_dpbusd_epi32(c, x, b)
#define ROW(r, x)                                                                                  \
    DP(c##r##0, x, b0);                                                                            \
    DP(c##r##1, x, b1);                                                                            \
    DP(c##r##2, x, b2);                                                                            \
    DP(c##r##3, x, b3)

__attribute__((target("avx512vnni"))) uint64_t beex_ibound_loop_avx512(uint64_t iters,
                                                                       uint64_t *sink)
{
    __m512i a0 = _mm512_set1_epi32(0x01020304), a1 = _mm512_set1_epi32(0x05060708),
            a2 = _mm512_set1_epi32(0x090a0b0c), a3 = _mm512_set1_epi32(0x0d0e0f10),
            a4 = _mm512_set1_epi32(0x11121314), a5 = _mm512_set1_epi32(0x15161718);
    __m512i b0 = _mm512_set1_epi32(0x01ff02fe), b1 = _mm512_set1_epi32(0x03fd04fc),
            b2 = _mm512_set1_epi32(0x05fb06fa), b3 = _mm512_set1_epi32(0x07f908f8);
    __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00;
    __m512i c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00;
    __m512i c31 = c00, c32 = c00, c33 = c00, c40 = c00, c41 = c00, c42 = c00, c43 = c00;
    __m512i c50 = c00, c51 = c00, c52 = c00, c53 = c00;
    for (uint64_t it = 0; it < iters; it++) {
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5));
        ROW(0, a0);
        ROW(1, a1);
        ROW(2, a2);
        ROW(3, a3);
        ROW(4, a4);
        ROW(5, a5);
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
    *sink = (uint32_t)_mm512_reduce_add_epi32(s);
    return iters * 24u * 64u;
}
