/* Residual + LayerNorm and scaled softmax on 8 fp32 lanes: the scalar variant's arithmetic
 * (kernels/canon_sum.h's sixteen lanes held in two registers, no FMA), scalar tails. */
#include <immintrin.h>
#include <math.h>

#include "kernels/canon_sum.h"
#include "kernels/elementwise.h"
#include "kernels/elementwise_math.h"
#include "kernels/elementwise_vmath_avx2.h"

static inline void store_lanes(float l[BEEX_SUM_LANES], __m256 lo, __m256 hi)
{
    _mm256_storeu_ps(l, lo);
    _mm256_storeu_ps(l + 8, hi);
}

static void avx2_add_layernorm(const float *x, const float *res, size_t rows, size_t d, size_t ld,
                               const float *gamma, const float *beta, float eps, float *out)
{
    size_t d16 = d / 16 * 16;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ld;
        const float *rr = res ? res + r * ld : NULL;
        float *o = out + r * ld;
        __m256 lo = _mm256_setzero_ps(), hi = lo;
        float l[BEEX_SUM_LANES];
        size_t k = 0;
        for (; k < d16; k += 16) {
            __m256 v0 = _mm256_loadu_ps(xr + k), v1 = _mm256_loadu_ps(xr + k + 8);
            if (rr) {
                v0 = _mm256_add_ps(v0, _mm256_loadu_ps(rr + k));
                v1 = _mm256_add_ps(v1, _mm256_loadu_ps(rr + k + 8));
            }
            _mm256_storeu_ps(o + k, v0);
            _mm256_storeu_ps(o + k + 8, v1);
            lo = _mm256_add_ps(lo, v0);
            hi = _mm256_add_ps(hi, v1);
        }
        store_lanes(l, lo, hi);
        for (; k < d; k++) {
            o[k] = rr ? xr[k] + rr[k] : xr[k];
            l[k - d16] += o[k];
        }
        float mean_s = beex_sum16_fold(l) / (float)d;
        __m256 mean = _mm256_set1_ps(mean_s);
        lo = _mm256_setzero_ps(), hi = lo;
        for (k = 0; k < d16; k += 16) {
            __m256 v0 = _mm256_sub_ps(_mm256_loadu_ps(o + k), mean);
            __m256 v1 = _mm256_sub_ps(_mm256_loadu_ps(o + k + 8), mean);
            lo = _mm256_add_ps(lo, _mm256_mul_ps(v0, v0));
            hi = _mm256_add_ps(hi, _mm256_mul_ps(v1, v1));
        }
        store_lanes(l, lo, hi);
        for (; k < d; k++) {
            float v = o[k] - mean_s;
            l[k - d16] += v * v;
        }
        float rstd_s = 1.0f / sqrtf(beex_sum16_fold(l) / (float)d + eps);
        __m256 rstd = _mm256_set1_ps(rstd_s);
        for (k = 0; k + 8 <= d; k += 8) {
            __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(o + k), mean), rstd);
            v = _mm256_mul_ps(v, _mm256_loadu_ps(gamma + k));
            _mm256_storeu_ps(o + k, _mm256_add_ps(v, _mm256_loadu_ps(beta + k)));
        }
        for (; k < d; k++)
            o[k] = (o[k] - mean_s) * rstd_s * gamma[k] + beta[k];
    }
}

static void avx2_softmax_rows(float *s, size_t rows, size_t n, size_t ld, float scale)
{
    const __m256 vs = _mm256_set1_ps(scale);
    size_t n16 = n / 16 * 16;
    for (size_t r = 0; r < rows; r++) {
        float *row = s + r * ld;
        __m256 mx = _mm256_set1_ps(-INFINITY);
        size_t k = 0;
        for (; k + 8 <= n; k += 8)
            mx = _mm256_max_ps(mx, _mm256_mul_ps(_mm256_loadu_ps(row + k), vs));
        float m = beex_hmax_avx2(mx);
        for (; k < n; k++)
            m = fmaxf(m, row[k] * scale);
        __m256 vm = _mm256_set1_ps(m), lo = _mm256_setzero_ps(), hi = lo;
        for (k = 0; k < n16; k += 16) {
            __m256 e0 =
                beex_exp_avx2(_mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(row + k), vs), vm));
            __m256 e1 =
                beex_exp_avx2(_mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(row + k + 8), vs), vm));
            _mm256_storeu_ps(row + k, e0);
            _mm256_storeu_ps(row + k + 8, e1);
            lo = _mm256_add_ps(lo, e0);
            hi = _mm256_add_ps(hi, e1);
        }
        if (k + 8 <= n) { /* a tail of 8 to 15: its first eight are lanes 0-7 */
            __m256 e0 =
                beex_exp_avx2(_mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(row + k), vs), vm));
            _mm256_storeu_ps(row + k, e0);
            lo = _mm256_add_ps(lo, e0);
            k += 8;
        }
        float l[BEEX_SUM_LANES];
        store_lanes(l, lo, hi);
        for (; k < n; k++) {
            row[k] = beex_exp_approx(row[k] * scale - m);
            l[k - n16] += row[k];
        }
        float inv_s = 1.0f / beex_sum16_fold(l);
        __m256 inv = _mm256_set1_ps(inv_s);
        for (k = 0; k + 8 <= n; k += 8)
            _mm256_storeu_ps(row + k, _mm256_mul_ps(_mm256_loadu_ps(row + k), inv));
        for (; k < n; k++)
            row[k] *= inv_s;
    }
}

const beex_elementwise_ops beex_elementwise_ops_avx2 = {"avx2", avx2_add_layernorm,
                                                        avx2_softmax_rows};
