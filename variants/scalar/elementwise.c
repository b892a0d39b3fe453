/* LayerNorm and softmax in portable C with the shared exp approximation. This file is the
 * canonical arithmetic of the family: row sums in the sixteen lanes of kernels/canon_sum.h,
 * every product and sum rounded on its own (no FMA), in the order written here; the vector
 * variants reproduce it bit for bit. */
#include <math.h>

#include "kernels/canon_sum.h"
#include "kernels/elementwise.h"
#include "kernels/elementwise_math.h"

static void scalar_add_layernorm(const float *x, const float *res, size_t rows, size_t d, size_t ld,
                                 const float *gamma, const float *beta, float eps, float *out)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ld;
        const float *rr = res ? res + r * ld : NULL;
        float *o = out + r * ld;
        for (size_t k = 0; k < d; k++)
            o[k] = rr ? xr[k] + rr[k] : xr[k];
        float mean = beex_sum16(o, d) / (float)d;
        /* Lanes in chunks of sixteen (a loop the compiler vectorises), then the tail. */
        float q[BEEX_SUM_LANES] = {0};
        size_t k = 0;
        for (; k + BEEX_SUM_LANES <= d; k += BEEX_SUM_LANES)
            for (size_t l = 0; l < BEEX_SUM_LANES; l++) {
                float v = o[k + l] - mean;
                q[l] += v * v;
            }
        for (size_t l = 0; k < d; k++, l++) {
            float v = o[k] - mean;
            q[l] += v * v;
        }
        float rstd = 1.0f / sqrtf(beex_sum16_fold(q) / (float)d + eps);
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
        for (size_t k = 0; k < n; k++)
            row[k] = beex_exp_approx(row[k] * scale - m);
        float inv = 1.0f / beex_sum16(row, n);
        for (size_t k = 0; k < n; k++)
            row[k] *= inv;
    }
}

const beex_elementwise_ops beex_elementwise_ops_scalar = {"scalar", scalar_add_layernorm,
                                                          scalar_softmax_rows};
