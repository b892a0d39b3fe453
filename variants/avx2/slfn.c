/* SLFN steps with AVX2/FMA: 8 lanes, scalar tails (same algorithm, kernels/elementwise_math.h);
 * one movemask gives the 8 sign bits of one packed byte. */
#include <immintrin.h>
#include <string.h>

#include "kernels/canon_sum.h"
#include "kernels/elementwise_math.h"
#include "kernels/elementwise_vmath_avx2.h"
#include "kernels/pack.h"
#include "kernels/slfn.h"

static void avx2_gates(float *h1, float *h3, size_t rows, size_t dff, size_t ldh)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    for (size_t r = 0; r < rows; r++) {
        float *a = h1 + r * ldh, *b = h3 + r * ldh;
        size_t k = 0;
        for (; k + 8 <= dff; k += 8) {
            __m256 e = beex_exp_avx2(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_loadu_ps(a + k)));
            _mm256_storeu_ps(a + k, _mm256_div_ps(one, _mm256_add_ps(one, e)));
            _mm256_storeu_ps(b + k, beex_tanh_avx2(_mm256_loadu_ps(b + k)));
        }
        for (; k < dff; k++) {
            a[k] = beex_sigmoid_approx(a[k]);
            b[k] = beex_tanh_approx(b[k]);
        }
    }
}

static void avx2_gates_pack(const float *h1, const float *h3, size_t rows, size_t dff, size_t ldh,
                            uint8_t *gbits, uint8_t *ubits, size_t ldb, float *gbeta, float *ubeta)
{
    const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
    const __m256 zero = _mm256_setzero_ps(), signbit = _mm256_set1_ps(-0.0f);
    size_t nb = beex_packed_row_bytes(dff);
    for (size_t r = 0; r < rows; r++) {
        const float *a = h1 + r * ldh, *b = h3 + r * ldh;
        uint8_t *gb = gbits + r * ldb, *ub = ubits + r * ldb;
        memset(gb, 0, nb);
        memset(ub, 0, nb);
        /* kernels/canon_sum.h's sixteen lanes: g0/u0 hold lanes 0-7, g1/u1 lanes 8-15. */
        __m256 g0 = zero, g1 = zero, u0 = zero, u1 = zero;
        size_t k = 0, d16 = dff / 16 * 16;
        for (; k < d16; k += 8) {
            __m256 x = _mm256_loadu_ps(a + k), y = _mm256_loadu_ps(b + k);
            __m256 g =
                _mm256_div_ps(one, _mm256_add_ps(one, beex_exp_avx2(_mm256_sub_ps(zero, x))));
            __m256 ga = _mm256_andnot_ps(signbit, _mm256_sub_ps(g, half));
            __m256 ua = _mm256_andnot_ps(signbit, beex_tanh_avx2(y));
            if (k % 16 == 0) {
                g0 = _mm256_add_ps(g0, ga);
                u0 = _mm256_add_ps(u0, ua);
            } else {
                g1 = _mm256_add_ps(g1, ga);
                u1 = _mm256_add_ps(u1, ua);
            }
            gb[k / 8] = (uint8_t)_mm256_movemask_ps(_mm256_cmp_ps(x, zero, _CMP_LT_OQ));
            ub[k / 8] = (uint8_t)_mm256_movemask_ps(_mm256_cmp_ps(y, zero, _CMP_LT_OQ));
        }
        float gl[BEEX_SUM_LANES], ul[BEEX_SUM_LANES];
        _mm256_storeu_ps(gl, g0);
        _mm256_storeu_ps(gl + 8, g1);
        _mm256_storeu_ps(ul, u0);
        _mm256_storeu_ps(ul + 8, u1);
        for (; k < dff; k++) {
            float g = beex_sigmoid_approx(a[k]) - 0.5f, u = beex_tanh_approx(b[k]);
            gl[k - d16] += g < 0.0f ? -g : g;
            ul[k - d16] += u < 0.0f ? -u : u;
            gb[k / 8] |= (uint8_t)((a[k] < 0.0f) << (k % 8));
            ub[k / 8] |= (uint8_t)((b[k] < 0.0f) << (k % 8));
        }
        gbeta[r] = beex_sum16_fold(gl) / (float)dff;
        ubeta[r] = beex_sum16_fold(ul) / (float)dff;
    }
}

static void avx2_product_add(const float *y, const float *a, const float *b, float *out, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 p = _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_loadu_ps(y + i), p));
    }
    for (; i < n; i++)
        out[i] = y[i] + a[i] * b[i];
}

const beex_slfn_ops beex_slfn_ops_avx2 = {"avx2", avx2_gates, avx2_gates_pack, avx2_product_add};
