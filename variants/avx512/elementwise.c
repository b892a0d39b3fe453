/* Residual + LayerNorm and scaled softmax on 16 fp32 lanes with masked tails: the scalar
 * variant's arithmetic (one register is kernels/canon_sum.h's sixteen lanes; masked-off
 * lanes add +0.0, which changes no lane; no FMA). */
#include <immintrin.h>
#include <math.h>

#include "kernels/canon_sum.h"
#include "kernels/elementwise.h"
#include "kernels/elementwise_vmath_avx512.h"

static inline __mmask16 tail_mask(size_t k, size_t n)
{
    return k + 16 <= n ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - k)) - 1);
}

static inline float fold(__m512 v)
{
    float l[BEEX_SUM_LANES];
    _mm512_storeu_ps(l, v);
    return beex_sum16_fold(l);
}

static void avx512_add_layernorm(const float *x, const float *res, size_t rows, size_t d, size_t ld,
                                 const float *gamma, const float *beta, float eps, float *out)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ld;
        const float *rr = res ? res + r * ld : NULL;
        float *o = out + r * ld;
        __m512 s = _mm512_setzero_ps();
        for (size_t k = 0; k < d; k += 16) {
            __mmask16 m = tail_mask(k, d);
            __m512 v = _mm512_maskz_loadu_ps(m, xr + k);
            if (rr)
                v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, rr + k));
            _mm512_mask_storeu_ps(o + k, m, v);
            s = _mm512_add_ps(s, v);
        }
        __m512 mean = _mm512_set1_ps(fold(s) / (float)d);
        __m512 q = _mm512_setzero_ps();
        for (size_t k = 0; k < d; k += 16) {
            __mmask16 m = tail_mask(k, d);
            __m512 v = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, o + k), mean);
            q = _mm512_add_ps(q, _mm512_mul_ps(v, v));
        }
        __m512 rstd = _mm512_set1_ps(1.0f / sqrtf(fold(q) / (float)d + eps));
        for (size_t k = 0; k < d; k += 16) {
            __mmask16 m = tail_mask(k, d);
            __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, o + k), mean), rstd);
            v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, gamma + k));
            _mm512_mask_storeu_ps(o + k, m, _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, beta + k)));
        }
    }
}

static void avx512_softmax_rows(float *s, size_t rows, size_t n, size_t ld, float scale)
{
    const __m512 vs = _mm512_set1_ps(scale);
    for (size_t r = 0; r < rows; r++) {
        float *row = s + r * ld;
        __m512 mx = _mm512_set1_ps(-INFINITY);
        for (size_t k = 0; k < n; k += 16) {
            __mmask16 m = tail_mask(k, n);
            mx =
                _mm512_mask_max_ps(mx, m, mx, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + k), vs));
        }
        __m512 vm = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
        __m512 sum = _mm512_setzero_ps();
        for (size_t k = 0; k < n; k += 16) {
            __mmask16 m = tail_mask(k, n);
            __m512 e = beex_exp_avx512(
                _mm512_sub_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + k), vs), vm));
            e = _mm512_maskz_mov_ps(m, e);
            _mm512_mask_storeu_ps(row + k, m, e);
            sum = _mm512_add_ps(sum, e);
        }
        __m512 inv = _mm512_set1_ps(1.0f / fold(sum));
        for (size_t k = 0; k < n; k += 16) {
            __mmask16 m = tail_mask(k, n);
            _mm512_mask_storeu_ps(row + k, m,
                                  _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + k), inv));
        }
    }
}

const beex_elementwise_ops beex_elementwise_ops_avx512 = {"avx512", avx512_add_layernorm,
                                                          avx512_softmax_rows};
