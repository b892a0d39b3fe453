/* The AVX-512 W1A1 bound: the 6 x 32 micro-kernel's 24 independent VPXORQ + VPOPCNTQ + VPADDQ
 * chains (6 rows x 4 B registers there, 3 A x 8 B registers here) on registers only. The
 * empty asm makes the operands look new every iteration, so the compiler can neither hoist
 * nor fold the work, and adds no instruction. */
#include <immintrin.h>

#include "kernels/bound.h"

#define XPA(acc, a, b) acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(a, b)))
#define ROW(r, a)                                                                                  \
    XPA(c##r##0, a, b0);                                                                           \
    XPA(c##r##1, a, b1);                                                                           \
    XPA(c##r##2, a, b2);                                                                           \
    XPA(c##r##3, a, b3);                                                                           \
    XPA(c##r##4, a, b4);                                                                           \
    XPA(c##r##5, a, b5);                                                                           \
    XPA(c##r##6, a, b6);                                                                           \
    XPA(c##r##7, a, b7)

uint64_t beex_bound_loop_avx512(uint64_t iters, uint64_t *sink)
{
    __m512i a0 = _mm512_set1_epi64(0x1234), a1 = _mm512_set1_epi64(0x5678),
            a2 = _mm512_set1_epi64(0x9abc);
    __m512i b0 = _mm512_set1_epi64(1), b1 = _mm512_set1_epi64(2), b2 = _mm512_set1_epi64(3),
            b3 = _mm512_set1_epi64(4), b4 = _mm512_set1_epi64(5), b5 = _mm512_set1_epi64(6),
            b6 = _mm512_set1_epi64(7), b7 = _mm512_set1_epi64(8);
    __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00, c04 = c00, c05 = c00,
            c06 = c00, c07 = c00;
    __m512i c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00, c15 = c00, c16 = c00, c17 = c00;
    __m512i c20 = c00, c21 = c00, c22 = c00, c23 = c00, c24 = c00, c25 = c00, c26 = c00, c27 = c00;
    for (uint64_t it = 0; it < iters; it++) {
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2));
        ROW(0, a0);
        ROW(1, a1);
        ROW(2, a2);
    }
    __m512i s =
        _mm512_add_epi64(_mm512_add_epi64(_mm512_add_epi64(c00, c01), _mm512_add_epi64(c02, c03)),
                         _mm512_add_epi64(_mm512_add_epi64(c04, c05), _mm512_add_epi64(c06, c07)));
    s = _mm512_add_epi64(
        s,
        _mm512_add_epi64(_mm512_add_epi64(_mm512_add_epi64(c10, c11), _mm512_add_epi64(c12, c13)),
                         _mm512_add_epi64(_mm512_add_epi64(c14, c15), _mm512_add_epi64(c16, c17))));
    s = _mm512_add_epi64(
        s,
        _mm512_add_epi64(_mm512_add_epi64(_mm512_add_epi64(c20, c21), _mm512_add_epi64(c22, c23)),
                         _mm512_add_epi64(_mm512_add_epi64(c24, c25), _mm512_add_epi64(c26, c27))));
    *sink = (uint64_t)_mm512_reduce_add_epi64(s);
    return iters * 24u * 512u;
}
