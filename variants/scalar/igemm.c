/* Scalar int8 GEMM: a 2 x 4 tile of int32 accumulators (eight, with the pointers, fit the
 * sixteen x86-64 / thirty-one AArch64 general registers), weights k-major in panels of four
 * columns (kg = 1), so each k step loads 2 activations and 4 weights for 8 multiply-adds.
 * The quantizers are the reference's steps, one value at a time. */
#include "kernels/igemm_variant.h"

enum { MR = 2, NR = 4 };

static void layout(size_t k, beex_igemm_layout *out)
{
    (void)k;
    *out =
        (beex_igemm_layout){.mr = MR, .nr = NR, .kg = 1, .kalign = 1, .a_mode = BEEX_IGEMM_A_INT8};
}

static void tile(const int8_t *a0, const int8_t *a1, const int8_t *b, size_t k,
                 int32_t acc[MR * NR])
{
    int32_t c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    for (size_t kk = 0; kk < k; kk++, b += NR) {
        int32_t x0 = a0[kk], x1 = a1[kk];
        int32_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
        c00 += x0 * b0;
        c01 += x0 * b1;
        c02 += x0 * b2;
        c03 += x0 * b3;
        c10 += x1 * b0;
        c11 += x1 * b1;
        c12 += x1 * b2;
        c13 += x1 * b3;
    }
    acc[0] = c00, acc[1] = c01, acc[2] = c02, acc[3] = c03;
    acc[4] = c10, acc[5] = c11, acc[6] = c12, acc[7] = c13;
}

static void block(const beex_igemm_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_imatrix *w = job->w;
    for (size_t p = p0; p < p1; p++) {
        const int8_t *b = beex_igemm_panel(w, p);
        for (size_t i = i0; i < i1; i += MR) {
            const int8_t *a0 = (const int8_t *)(job->a + i * job->a_stride);
            int32_t acc[MR * NR];
            tile(a0, a0 + job->a_stride, b, w->kpad, acc);
            beex_igemm_store_tile(job, i, p * NR, MR, NR, acc, NR);
        }
    }
}

static void quantize_row(const float *x, size_t k, float inv_scale, int8_t *q)
{
    for (size_t kk = 0; kk < k; kk++)
        q[kk] = beex_i8_quantize_one(x[kk], inv_scale);
}

static float amax_row(const float *x, size_t k)
{
    float amax = 0.0f;
    for (size_t kk = 0; kk < k; kk++)
        amax = beex_i8_amax_one(amax, x[kk]);
    return amax;
}

const beex_igemm_ops beex_igemm_ops_scalar = {
    .layout = layout, .block = block, .quantize_row = quantize_row, .amax_row = amax_row};
