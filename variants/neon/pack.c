/* NEON sign packing: four comparisons, weighted by their lane bits and added across, give
 * four bits; |x - c| is summed in double lanes (beta within 1 ulp of the reference). */
#include <arm_neon.h>
#include <math.h>

#include "kernels/pack.h"
#include "kernels/pack_variant.h"

void beex_pack_rows_neon(const float *x, size_t rows, size_t cols, size_t ldx, float c,
                         uint8_t *bits, size_t ldb, float *beta)
{
    size_t kb = beex_packed_row_bytes(cols);
    const uint32_t lane_bit[4] = {1, 2, 4, 8};
    const uint32x4_t weights = vld1q_u32(lane_bit);
    const float32x4_t cv = vdupq_n_f32(c), zero = vdupq_n_f32(0.0f);
    for (size_t i = 0; i < rows; i++) {
        const float *row = x + i * ldx;
        uint8_t *out = bits + i * ldb;
        float64x2_t acc0 = vdupq_n_f64(0.0), acc1 = vdupq_n_f64(0.0);
        double tail = 0.0;
        for (size_t k0 = 0; k0 < cols; k0 += 64) {
            size_t len = cols - k0 < 64 ? cols - k0 : 64, k = 0;
            uint64_t word = 0;
            for (; k + 4 <= len; k += 4) {
                float32x4_t v = vsubq_f32(vld1q_f32(row + k0 + k), cv);
                uint32x4_t lt = vcltq_f32(v, zero);
                word |= (uint64_t)vaddvq_u32(vandq_u32(lt, weights)) << k;
                float32x4_t a = vabsq_f32(v);
                acc0 = vaddq_f64(acc0, vcvt_f64_f32(vget_low_f32(a)));
                acc1 = vaddq_f64(acc1, vcvt_high_f64_f32(a));
            }
            for (; k < len; k++) {
                float v = row[k0 + k] - c;
                word |= (uint64_t)(v < 0.0f) << k;
                tail += fabsf(v);
            }
            size_t nbytes = kb - k0 / 8 < 8 ? kb - k0 / 8 : 8;
            beex_pack_store_word(out + k0 / 8, word, nbytes);
        }
        if (beta != NULL)
            beta[i] = (float)((vaddvq_f64(vaddq_f64(acc0, acc1)) + tail) / (double)cols);
    }
}
