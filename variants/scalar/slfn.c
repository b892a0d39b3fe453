/* SLFN steps in portable C: the shared exp approximation, loops simple enough for the
 * compiler to vectorise with the baseline ISA. The canonical arithmetic of the family (no
 * FMA; row sums in kernels/canon_sum.h's order): the vector variants give the same bits. */
#include <math.h>
#include <string.h>

#include "kernels/canon_sum.h"
#include "kernels/elementwise_math.h"
#include "kernels/pack.h"
#include "kernels/slfn.h"

static void scalar_gates(float *h1, float *h3, size_t rows, size_t dff, size_t ldh)
{
    for (size_t r = 0; r < rows; r++) {
        float *a = h1 + r * ldh, *b = h3 + r * ldh;
        for (size_t k = 0; k < dff; k++)
            a[k] = beex_sigmoid_approx(a[k]);
        for (size_t k = 0; k < dff; k++)
            b[k] = beex_tanh_approx(b[k]);
    }
}

static void scalar_gates_pack(const float *h1, const float *h3, size_t rows, size_t dff, size_t ldh,
                              uint8_t *gbits, uint8_t *ubits, size_t ldb, float *gbeta,
                              float *ubeta)
{
    size_t nb = beex_packed_row_bytes(dff);
    for (size_t r = 0; r < rows; r++) {
        const float *a = h1 + r * ldh, *b = h3 + r * ldh;
        uint8_t *gb = gbits + r * ldb, *ub = ubits + r * ldb;
        memset(gb, 0, nb);
        memset(ub, 0, nb);
        /* The canonical sixteen lanes (kernels/canon_sum.h), the bits in a loop of their own. */
        float gl[BEEX_SUM_LANES] = {0}, ul[BEEX_SUM_LANES] = {0};
        for (size_t k = 0; k < dff; k++) {
            gl[k % BEEX_SUM_LANES] += fabsf(beex_sigmoid_approx(a[k]) - 0.5f);
            ul[k % BEEX_SUM_LANES] += fabsf(beex_tanh_approx(b[k]));
        }
        for (size_t k = 0; k < dff; k++) {
            gb[k / 8] |= (uint8_t)((a[k] < 0.0f) << (k % 8));
            ub[k / 8] |= (uint8_t)((b[k] < 0.0f) << (k % 8));
        }
        gbeta[r] = beex_sum16_fold(gl) / (float)dff;
        ubeta[r] = beex_sum16_fold(ul) / (float)dff;
    }
}

static void scalar_product_add(const float *y, const float *a, const float *b, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = y[i] + a[i] * b[i];
}

const beex_slfn_ops beex_slfn_ops_scalar = {"scalar", scalar_gates, scalar_gates_pack,
                                            scalar_product_add};
