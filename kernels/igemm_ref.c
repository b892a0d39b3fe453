/* Reference int8 GEMMs and quantizer: plain loops, obviously correct, slow. They define the
 * results every variant must give bit for bit (kernels/igemm.h). */
#include <math.h>

#include "kernels/igemm.h"

static int args_ok(size_t m, size_t n, size_t k, const int8_t *a, size_t lda, const int8_t *w,
                   size_t ldw)
{
    return a != NULL && w != NULL && m != 0 && n != 0 && k != 0 && k <= BEEX_IGEMM_MAX_K &&
           lda >= k && ldw >= k;
}

static int32_t dot_row(const int8_t *a, const int8_t *w, size_t k)
{
    int32_t s = 0;
    for (size_t kk = 0; kk < k; kk++)
        s += (int32_t)a[kk] * (int32_t)w[kk];
    return s;
}

int beex_igemm_dot_ref(size_t m, size_t n, size_t k, const int8_t *a, size_t lda, const int8_t *w,
                       size_t ldw, int32_t *dot, size_t ldd)
{
    if (!args_ok(m, n, k, a, lda, w, ldw) || dot == NULL || ldd < n)
        return BEEX_EINVAL;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            dot[i * ldd + j] = dot_row(a + i * lda, w + j * ldw, k);
    return BEEX_OK;
}

int beex_igemm_w8a8_ref(size_t m, size_t n, size_t k, const int8_t *a, size_t lda, const int8_t *w,
                        size_t ldw, const float *scale_a, const float *scale_w, const float *bias,
                        float *y, size_t ldy)
{
    if (!args_ok(m, n, k, a, lda, w, ldw) || y == NULL || ldy < n)
        return BEEX_EINVAL;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            int32_t dot = dot_row(a + i * lda, w + j * ldw, k);
            /* The write-back's rounding order is part of the contract: three fp32 roundings,
             * never an FMA (-ffp-contract=off; each is its own statement as well). */
            float t = (float)dot * (scale_w != NULL ? scale_w[j] : 1.0f);
            if (scale_a != NULL)
                t = t * scale_a[i];
            y[i * ldy + j] = t + (bias != NULL ? bias[j] : 0.0f);
        }
    return BEEX_OK;
}

/* Round half to even without the FPU's rounding mode: |p| < 127 here, so floorf(p) and the
 * fraction p - floorf(p) are exact. (The vector variants round with the default mode, which
 * is to nearest even: nothing in the suite changes it.) */
int8_t beex_i8_quantize_one(float x, float inv_scale)
{
    float p = x * inv_scale;
    if (isnan(p))
        return 0;
    if (p >= 127.0f)
        return 127;
    if (p <= -127.0f)
        return -127;
    float f = floorf(p), frac = p - f;
    int r = (int)f;
    if (frac > 0.5f || (frac == 0.5f && (r & 1) != 0))
        r++;
    return (int8_t)r;
}
