/* fp32 product in portable C: column by column, k outer and the rows inner, so that A and C
 * are read along their contiguous columns. Each output still receives its terms in increasing
 * k, one fmaf each: the chain of kernels/fgemm.h. Without -mfma (x86) fmaf is a libm call:
 * slow, but the portable definition; the vector variants are the fast ones. */
#include <math.h>
#include <stddef.h>

#include "kernels/fgemm.h"

static void scalar_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                        int trans_b, float *c, int ldc, int beta_one)
{
    for (int j = 0; j < n; j++) {
        float *cj = c + (size_t)j * ldc;
        if (!beta_one)
            for (int i = 0; i < m; i++)
                cj[i] = 0.0f;
        for (int p = 0; p < k; p++) {
            float bv = trans_b ? b[(size_t)p * ldb + j] : b[(size_t)j * ldb + p];
            const float *ap = a + (size_t)p * lda;
            for (int i = 0; i < m; i++)
                cj[i] = fmaf(ap[i], bv, cj[i]);
        }
    }
}

const beex_fgemm_ops beex_fgemm_ops_scalar = {"scalar", scalar_gemm};
