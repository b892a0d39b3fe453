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
        float l[BEEX_SUM_LANES] = {0};
        for (size_t k = 0; k < d; k++) {
            float v = rr ? xr[k] + rr[k] : xr[k];
            o[k] = v;
            l[k % BEEX_SUM_LANES] += v;
        }
        float mean = beex_sum16_fold(l) / (float)d;
        float q[BEEX_SUM_LANES] = {0};
        for (size_t k = 0; k < d; k++) {
            float v = o[k] - mean;
            q[k % BEEX_SUM_LANES] += v * v;
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
        float l[BEEX_SUM_LANES] = {0};
        for (size_t k = 0; k < n; k++) {
            row[k] = beex_exp_approx(row[k] * scale - m);
            l[k % BEEX_SUM_LANES] += row[k];
        }
        float inv = 1.0f / beex_sum16_fold(l);
        for (size_t k = 0; k < n; k++)
            row[k] *= inv;
    }
}

const beex_elementwise_ops beex_elementwise_ops_scalar = {"scalar", scalar_add_layernorm,
                                                          scalar_softmax_rows};
