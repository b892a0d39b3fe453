/* The AVX2 W1A1 bound: the 4 x 8 micro-kernel's eight accumulator chains (4 rows x 2 B
 * registers there, 2 A x 4 B registers here) with its per-chunk mix (XOR, two ANDs, a shift,
 * two VPSHUFB lookups, two byte adds) on registers only; the VPSADBW flush every 31 chunks is
 * left out, as the bound in docs/kernels.md does. */
#include <immintrin.h>

#include "kernels/bound.h"

#define XPA(acc, a, b)                                                                             \
    do {                                                                                           \
        __m256i x_ = _mm256_xor_si256(a, b);                                                       \
        __m256i lo_ = _mm256_and_si256(x_, nib);                                                   \
        __m256i hi_ = _mm256_and_si256(_mm256_srli_epi16(x_, 4), nib);                             \
        acc = _mm256_add_epi8(                                                                     \
            acc, _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo_), _mm256_shuffle_epi8(lut, hi_)));   \
    } while (0)

uint64_t beex_bound_loop_avx2(uint64_t iters, uint64_t *sink)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                         1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i nib = _mm256_set1_epi8(0x0F);
    __m256i a0 = _mm256_set1_epi64x(0x1234), a1 = _mm256_set1_epi64x(0x5678);
    __m256i b0 = _mm256_set1_epi64x(1), b1 = _mm256_set1_epi64x(2), b2 = _mm256_set1_epi64x(3),
            b3 = _mm256_set1_epi64x(4);
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c02 = c00, c03 = c00;
    __m256i c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    for (uint64_t it = 0; it < iters; it++) {
        __asm__ volatile("" : "+x"(a0), "+x"(a1));
        XPA(c00, a0, b0);
        XPA(c10, a1, b0);
        XPA(c01, a0, b1);
        XPA(c11, a1, b1);
        XPA(c02, a0, b2);
        XPA(c12, a1, b2);
        XPA(c03, a0, b3);
        XPA(c13, a1, b3);
    }
    __m256i s =
        _mm256_add_epi8(_mm256_add_epi8(_mm256_add_epi8(c00, c01), _mm256_add_epi8(c02, c03)),
                        _mm256_add_epi8(_mm256_add_epi8(c10, c11), _mm256_add_epi8(c12, c13)));
    s = _mm256_sad_epu8(s, _mm256_setzero_si256());
    *sink = (uint64_t)(_mm256_extract_epi64(s, 0) + _mm256_extract_epi64(s, 1) +
                       _mm256_extract_epi64(s, 2) + _mm256_extract_epi64(s, 3));
    return iters * 8u * 256u;
}
