/* NEON sign packing: four comparisons, weighted by their lane bits and added across, give
 * four bits; |x - c| is summed in kernels/canon_sum.h's sixteen lanes (four registers), so
 * beta equals the reference's bit for bit. */
#include <arm_neon.h>
#include <math.h>

#include "kernels/canon_sum.h"
#include "kernels/pack.h"
#include "kernels/pack_variant.h"

static inline void store_lanes(float l[BEEX_SUM_LANES], const float32x4_t acc[4])
{
    for (int q = 0; q < 4; q++)
        vst1q_f32(l + 4 * q, acc[q]);
}

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
        float32x4_t acc[4] = {zero, zero, zero, zero};
        float l[BEEX_SUM_LANES];
        int stored = 0;
        for (size_t k0 = 0; k0 < cols; k0 += 64) {
            size_t len = cols - k0 < 64 ? cols - k0 : 64, k = 0;
            uint64_t word = 0;
            for (; k + 4 <= len; k += 4) {
                float32x4_t v = vsubq_f32(vld1q_f32(row + k0 + k), cv);
                uint32x4_t lt = vcltq_f32(v, zero);
                word |= (uint64_t)vaddvq_u32(vandq_u32(lt, weights)) << k;
                acc[(k / 4) % 4] = vaddq_f32(acc[(k / 4) % 4], vabsq_f32(v));
            }
            if (k < len) { /* the row's last word: at most 3 elements left */
                store_lanes(l, acc);
                stored = 1;
                for (; k < len; k++) {
                    float v = row[k0 + k] - c;
                    word |= (uint64_t)(v < 0.0f) << k;
                    l[(k0 + k) % BEEX_SUM_LANES] += fabsf(v);
                }
            }
            size_t nbytes = kb - k0 / 8 < 8 ? kb - k0 / 8 : 8;
            beex_pack_store_word(out + k0 / 8, word, nbytes);
        }
        if (beta != NULL) {
            if (!stored)
                store_lanes(l, acc);
            beta[i] = beex_sum16_fold(l) / (float)cols;
        }
    }
}
