/* Reference fp32 product: each output's fmaf chain written out on its own, the definition
 * the variants are tested against bit for bit (kernels/fgemm.h). */
#include <math.h>
#include <stddef.h>

#include "kernels/fgemm.h"

static void ref_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                     int trans_b, float *c, int ldc, int beta_one)
{
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            float *cij = c + (size_t)j * ldc + i;
            float acc = beta_one ? *cij : 0.0f;
            for (int p = 0; p < k; p++) {
                float bv = trans_b ? b[(size_t)p * ldb + j] : b[(size_t)j * ldb + p];
                acc = fmaf(a[(size_t)p * lda + i], bv, acc);
            }
            *cij = acc;
        }
}

const beex_fgemm_ops beex_fgemm_ops_ref = {"reference", ref_gemm};
