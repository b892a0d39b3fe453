/* The shared exp approximation (kernels/elementwise_math.h) on 8 fp32 lanes; included only
 * by files compiled with the AVX2/FMA flags (variants/avx2/). */
#ifndef BEEX_KERNELS_ELEMENTWISE_VMATH_AVX2_H
#define BEEX_KERNELS_ELEMENTWISE_VMATH_AVX2_H

#include <immintrin.h>

#include "kernels/elementwise_math.h"

static inline __m256 beex_exp_avx2(__m256 x)
{
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(BEEX_EXP_LO)), _mm256_set1_ps(BEEX_EXP_HI));
    const __m256 rnd = _mm256_set1_ps(BEEX_EXP_ROUND);
    __m256 n =
        _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(BEEX_EXP_LOG2E)), rnd), rnd);
    __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(BEEX_EXP_LN2_HI)));
    r = _mm256_sub_ps(r, _mm256_mul_ps(n, _mm256_set1_ps(BEEX_EXP_LN2_LO)));
    __m256 p = _mm256_set1_ps(BEEX_EXP_P0);
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(BEEX_EXP_P1));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(BEEX_EXP_P2));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(BEEX_EXP_P3));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(BEEX_EXP_P4));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(BEEX_EXP_P5));
    p = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p, _mm256_mul_ps(r, r)), r),
                      _mm256_set1_ps(1.0f));
    __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

static inline __m256 beex_tanh_avx2(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 signbit = _mm256_set1_ps(-0.0f);
    __m256 ax = _mm256_andnot_ps(signbit, x);
    __m256 t = beex_exp_avx2(_mm256_mul_ps(ax, _mm256_set1_ps(-2.0f)));
    __m256 m = _mm256_div_ps(_mm256_sub_ps(one, t), _mm256_add_ps(one, t));
    return _mm256_or_ps(m, _mm256_and_ps(x, signbit));
}

static inline float beex_hsum_avx2(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

static inline float beex_hmax_avx2(__m256 v)
{
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

#endif
