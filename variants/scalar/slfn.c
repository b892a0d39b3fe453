/* SLFN steps in portable C: the shared exp approximation, loops simple enough for the
 * compiler to vectorise with the baseline ISA. */
#include <math.h>
#include <string.h>

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
        /* Eight partial sums in fixed lanes (independent dependency chains), the bits in a
         * loop of their own. */
        float gl[8] = {0}, ul[8] = {0}, gs = 0.0f, us = 0.0f;
        size_t k8 = dff / 8 * 8;
        for (size_t k = 0; k < k8; k += 8)
            for (size_t l = 0; l < 8; l++) {
                gl[l] += fabsf(beex_sigmoid_approx(a[k + l]) - 0.5f);
                ul[l] += fabsf(beex_tanh_approx(b[k + l]));
            }
        for (size_t k = k8; k < dff; k++) {
            gs += fabsf(beex_sigmoid_approx(a[k]) - 0.5f);
            us += fabsf(beex_tanh_approx(b[k]));
        }
        for (size_t l = 0; l < 8; l++) {
            gs += gl[l];
            us += ul[l];
        }
        for (size_t k = 0; k < dff; k++) {
            gb[k / 8] |= (uint8_t)((a[k] < 0.0f) << (k % 8));
            ub[k / 8] |= (uint8_t)((b[k] < 0.0f) << (k % 8));
        }
        gbeta[r] = gs / (float)dff;
        ubeta[r] = us / (float)dff;
    }
}

static void scalar_product_add(const float *y, const float *a, const float *b, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = y[i] + a[i] * b[i];
}

const beex_slfn_ops beex_slfn_ops_scalar = {"scalar", scalar_gates, scalar_gates_pack,
                                            scalar_product_add};
