/* Reference SLFN steps: libm in double precision, one element at a time. Defines the
 * results the variants are tested against (tolerances in kernels/slfn.h). */
#include <math.h>
#include <string.h>

#include "kernels/pack.h"
#include "kernels/slfn.h"

static void ref_gates(float *h1, float *h3, size_t rows, size_t dff, size_t ldh)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < dff; k++) {
            h1[r * ldh + k] = (float)(1.0 / (1.0 + exp(-(double)h1[r * ldh + k])));
            h3[r * ldh + k] = (float)tanh((double)h3[r * ldh + k]);
        }
}

static void ref_gates_pack(const float *h1, const float *h3, size_t rows, size_t dff, size_t ldh,
                           uint8_t *gbits, uint8_t *ubits, size_t ldb, float *gbeta, float *ubeta)
{
    size_t nb = beex_packed_row_bytes(dff);
    for (size_t r = 0; r < rows; r++) {
        uint8_t *gb = gbits + r * ldb, *ub = ubits + r * ldb;
        memset(gb, 0, nb);
        memset(ub, 0, nb);
        double gs = 0.0, us = 0.0;
        for (size_t k = 0; k < dff; k++) {
            double a = h1[r * ldh + k], b = h3[r * ldh + k];
            if (a < 0.0)
                gb[k / 8] |= (uint8_t)(1u << (k % 8));
            if (b < 0.0)
                ub[k / 8] |= (uint8_t)(1u << (k % 8));
            gs += fabs(1.0 / (1.0 + exp(-a)) - 0.5);
            us += fabs(tanh(b));
        }
        gbeta[r] = (float)(gs / (double)dff);
        ubeta[r] = (float)(us / (double)dff);
    }
}

static void ref_product_add(const float *y, const float *a, const float *b, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)((double)y[i] + (double)a[i] * (double)b[i]);
}

const beex_slfn_ops beex_slfn_ops_ref = {"reference", ref_gates, ref_gates_pack, ref_product_add};
