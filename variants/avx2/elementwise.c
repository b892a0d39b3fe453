/* Residual + LayerNorm and scaled softmax on 8 fp32 lanes, scalar tails. */
#include <immintrin.h>
#include <math.h>

#include "kernels/elementwise.h"
#include "kernels/elementwise_math.h"
#include "kernels/elementwise_vmath_avx2.h"

static void avx2_add_layernorm(const float *x, const float *res, size_t rows, size_t d, size_t ld,
                               const float *gamma, const float *beta, float eps, float *out)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ld;
        const float *rr = res ? res + r * ld : NULL;
        float *o = out + r * ld;
        __m256 s = _mm256_setzero_ps();
        size_t k = 0;
        float tail = 0.0f;
        for (; k + 8 <= d; k += 8) {
            __m256 v = _mm256_loadu_ps(xr + k);
            if (rr)
                v = _mm256_add_ps(v, _mm256_loadu_ps(rr + k));
            _mm256_storeu_ps(o + k, v);
            s = _mm256_add_ps(s, v);
        }
        for (; k < d; k++) {
            o[k] = xr[k] + (rr ? rr[k] : 0.0f);
            tail += o[k];
        }
        float mean_s = (beex_hsum_avx2(s) + tail) / (float)d;
        __m256 mean = _mm256_set1_ps(mean_s);
        __m256 q = _mm256_setzero_ps();
        float qt = 0.0f;
        for (k = 0; k + 8 <= d; k += 8) {
            __m256 v = _mm256_sub_ps(_mm256_loadu_ps(o + k), mean);
            q = _mm256_fmadd_ps(v, v, q);
        }
        for (; k < d; k++)
            qt += (o[k] - mean_s) * (o[k] - mean_s);
        float rstd_s = 1.0f / sqrtf((beex_hsum_avx2(q) + qt) / (float)d + eps);
        __m256 rstd = _mm256_set1_ps(rstd_s);
        for (k = 0; k + 8 <= d; k += 8) {
            __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(o + k), mean), rstd);
            _mm256_storeu_ps(
                o + k, _mm256_fmadd_ps(v, _mm256_loadu_ps(gamma + k), _mm256_loadu_ps(beta + k)));
        }
        for (; k < d; k++)
            o[k] = (o[k] - mean_s) * rstd_s * gamma[k] + beta[k];
    }
}

static void avx2_softmax_rows(float *s, size_t rows, size_t n, size_t ld, float scale)
{
    const __m256 vs = _mm256_set1_ps(scale);
    for (size_t r = 0; r < rows; r++) {
        float *row = s + r * ld;
        __m256 mx = _mm256_set1_ps(-INFINITY);
        size_t k = 0;
        for (; k + 8 <= n; k += 8)
            mx = _mm256_max_ps(mx, _mm256_mul_ps(_mm256_loadu_ps(row + k), vs));
        float m = beex_hmax_avx2(mx);
        for (; k < n; k++)
            m = fmaxf(m, row[k] * scale);
        __m256 vm = _mm256_set1_ps(m), sum = _mm256_setzero_ps();
        float st = 0.0f;
        for (k = 0; k + 8 <= n; k += 8) {
            __m256 e = beex_exp_avx2(_mm256_fmsub_ps(_mm256_loadu_ps(row + k), vs, vm));
            _mm256_storeu_ps(row + k, e);
            sum = _mm256_add_ps(sum, e);
        }
        for (; k < n; k++) {
            row[k] = beex_exp_approx(row[k] * scale - m);
            st += row[k];
        }
        float inv_s = 1.0f / (beex_hsum_avx2(sum) + st);
        __m256 inv = _mm256_set1_ps(inv_s);
        for (k = 0; k + 8 <= n; k += 8)
            _mm256_storeu_ps(row + k, _mm256_mul_ps(_mm256_loadu_ps(row + k), inv));
        for (; k < n; k++)
            row[k] *= inv_s;
    }
}

const beex_elementwise_ops beex_elementwise_ops_avx2 = {"avx2", avx2_add_layernorm,
                                                        avx2_softmax_rows};
