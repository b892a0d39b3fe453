/* Reference LayerNorm and softmax in double precision: the definitions the variants of
 * kernels/elementwise.h are tested against. */
#include <math.h>

#include "kernels/elementwise.h"

static void ref_add_layernorm(const float *x, const float *res, size_t rows, size_t d, size_t ld,
                              const float *gamma, const float *beta, float eps, float *out)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ld;
        const float *rr = res ? res + r * ld : NULL;
        float *o = out + r * ld;
        double mean = 0.0, var = 0.0;
        for (size_t k = 0; k < d; k++)
            mean += (double)xr[k] + (rr ? (double)rr[k] : 0.0);
        mean /= (double)d;
        for (size_t k = 0; k < d; k++) {
            double v = (double)xr[k] + (rr ? (double)rr[k] : 0.0) - mean;
            var += v * v;
        }
        double rstd = 1.0 / sqrt(var / (double)d + (double)eps);
        for (size_t k = 0; k < d; k++) {
            double v = (double)xr[k] + (rr ? (double)rr[k] : 0.0) - mean;
            o[k] = (float)(v * rstd * (double)gamma[k] + (double)beta[k]);
        }
    }
}

static void ref_softmax_rows(float *s, size_t rows, size_t n, size_t ld, float scale)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = s + r * ld;
        double m = -INFINITY, sum = 0.0;
        /* A plain compare, not fmax: GCC 12 for aarch64 crashes vectorising an fmax
         * reduction in double (internal compiler error in vect_transform_reduction). */
        for (size_t k = 0; k < n; k++) {
            double v = (double)scale * row[k];
            if (v > m)
                m = v;
        }
        for (size_t k = 0; k < n; k++)
            sum += exp((double)scale * row[k] - m);
        for (size_t k = 0; k < n; k++)
            row[k] = (float)(exp((double)scale * row[k] - m) / sum);
    }
}

const beex_elementwise_ops beex_elementwise_ops_ref = {"reference", ref_add_layernorm,
                                                       ref_softmax_rows};
