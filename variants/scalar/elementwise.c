/* LayerNorm and softmax in portable C with the shared exp approximation. */
#include <math.h>

#include "kernels/elementwise.h"
#include "kernels/elementwise_math.h"

static void scalar_add_layernorm(const float *x, const float *res, size_t rows, size_t d, size_t ld,
                                 const float *gamma, const float *beta, float eps, float *out)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ld;
        const float *rr = res ? res + r * ld : NULL;
        float *o = out + r * ld;
        float sum = 0.0f;
        for (size_t k = 0; k < d; k++) {
            float v = xr[k] + (rr ? rr[k] : 0.0f);
            o[k] = v;
            sum += v;
        }
        float mean = sum / (float)d, var = 0.0f;
        for (size_t k = 0; k < d; k++) {
            float v = o[k] - mean;
            var += v * v;
        }
        float rstd = 1.0f / sqrtf(var / (float)d + eps);
        for (size_t k = 0; k < d; k++)
            o[k] = (o[k] - mean) * rstd * gamma[k] + beta[k];
    }
}

static void scalar_softmax_rows(float *s, size_t rows, size_t n, size_t ld, float scale)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = s + r * ld;
        float m = -INFINITY;
        for (size_t k = 0; k < n; k++)
            m = fmaxf(m, row[k] * scale);
        float sum = 0.0f;
        for (size_t k = 0; k < n; k++) {
            row[k] = beex_exp_approx(row[k] * scale - m);
            sum += row[k];
        }
        float inv = 1.0f / sum;
        for (size_t k = 0; k < n; k++)
            row[k] *= inv;
    }
}

const beex_elementwise_ops beex_elementwise_ops_scalar = {"scalar", scalar_add_layernorm,
                                                          scalar_softmax_rows};
