/* The shared exp approximation (kernels/elementwise_math.h) on 16 fp32 lanes; included only
 * by files compiled with the AVX-512 flags (variants/avx512/). */
#ifndef BEEX_KERNELS_ELEMENTWISE_VMATH_AVX512_H
#define BEEX_KERNELS_ELEMENTWISE_VMATH_AVX512_H

#include <immintrin.h>

#include "kernels/elementwise_math.h"

static inline __m512 beex_exp_avx512(__m512 x)
{
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(BEEX_EXP_LO)), _mm512_set1_ps(BEEX_EXP_HI));
    const __m512 rnd = _mm512_set1_ps(BEEX_EXP_ROUND);
    __m512 n =
        _mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(BEEX_EXP_LOG2E)), rnd), rnd);
    __m512 r = _mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(BEEX_EXP_LN2_HI)));
    r = _mm512_sub_ps(r, _mm512_mul_ps(n, _mm512_set1_ps(BEEX_EXP_LN2_LO)));
    __m512 p = _mm512_set1_ps(BEEX_EXP_P0);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(BEEX_EXP_P1));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(BEEX_EXP_P2));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(BEEX_EXP_P3));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(BEEX_EXP_P4));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(BEEX_EXP_P5));
    p = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(p, _mm512_mul_ps(r, r)), r),
                      _mm512_set1_ps(1.0f));
    __m512i e =
        _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

static inline __m512 beex_sigmoid_avx512(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(
        one, _mm512_add_ps(one, beex_exp_avx512(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

static inline __m512 beex_tanh_avx512(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 ax = _mm512_abs_ps(x);
    __m512 t = beex_exp_avx512(_mm512_mul_ps(ax, _mm512_set1_ps(-2.0f)));
    __m512 m = _mm512_div_ps(_mm512_sub_ps(one, t), _mm512_add_ps(one, t));
    /* Copy x's sign bit onto the magnitude (tanh is odd). */
    __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(m), sign));
}

#endif
