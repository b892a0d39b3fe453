/* SLFN steps with AArch64 Advanced SIMD: 4 lanes, scalar tails (same algorithm). Two
 * 4-lane compares make one packed byte (bit i = lane i). */
#include <arm_neon.h>
#include <string.h>

#include "kernels/canon_sum.h"
#include "kernels/elementwise_math.h"
#include "kernels/elementwise_vmath_neon.h"
#include "kernels/pack.h"
#include "kernels/slfn.h"

static void neon_gates(float *h1, float *h3, size_t rows, size_t dff, size_t ldh)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    for (size_t r = 0; r < rows; r++) {
        float *a = h1 + r * ldh, *b = h3 + r * ldh;
        size_t k = 0;
        for (; k + 4 <= dff; k += 4) {
            float32x4_t e = beex_exp_neon(vnegq_f32(vld1q_f32(a + k)));
            vst1q_f32(a + k, vdivq_f32(one, vaddq_f32(one, e)));
            vst1q_f32(b + k, beex_tanh_neon(vld1q_f32(b + k)));
        }
        for (; k < dff; k++) {
            a[k] = beex_sigmoid_approx(a[k]);
            b[k] = beex_tanh_approx(b[k]);
        }
    }
}

/* Bit i of the result = (v[i] < 0) for 8 values. */
static inline uint8_t neg_bits8(float32x4_t lo, float32x4_t hi)
{
    static const uint32_t w_lo[4] = {1, 2, 4, 8}, w_hi[4] = {16, 32, 64, 128};
    uint32x4_t z = vandq_u32(vcltzq_f32(lo), vld1q_u32(w_lo));
    z = vorrq_u32(z, vandq_u32(vcltzq_f32(hi), vld1q_u32(w_hi)));
    return (uint8_t)vaddvq_u32(z);
}

static void neon_gates_pack(const float *h1, const float *h3, size_t rows, size_t dff, size_t ldh,
                            uint8_t *gbits, uint8_t *ubits, size_t ldb, float *gbeta, float *ubeta)
{
    const float32x4_t one = vdupq_n_f32(1.0f), half = vdupq_n_f32(0.5f);
    size_t nb = beex_packed_row_bytes(dff);
    for (size_t r = 0; r < rows; r++) {
        const float *a = h1 + r * ldh, *b = h3 + r * ldh;
        uint8_t *gb = gbits + r * ldb, *ub = ubits + r * ldb;
        memset(gb, 0, nb);
        memset(ub, 0, nb);
        /* kernels/canon_sum.h's sixteen lanes in four registers per sum. */
        float32x4_t gs[4], us[4];
        for (int i = 0; i < 4; i++)
            gs[i] = us[i] = vdupq_n_f32(0.0f);
        size_t k = 0, d16 = dff / 16 * 16;
        for (; k < d16; k += 8) {
            float32x4_t x0 = vld1q_f32(a + k), x1 = vld1q_f32(a + k + 4);
            float32x4_t y0 = vld1q_f32(b + k), y1 = vld1q_f32(b + k + 4);
            float32x4_t g0 = vdivq_f32(one, vaddq_f32(one, beex_exp_neon(vnegq_f32(x0))));
            float32x4_t g1 = vdivq_f32(one, vaddq_f32(one, beex_exp_neon(vnegq_f32(x1))));
            int h = k % 16 == 0 ? 0 : 2;
            gs[h] = vaddq_f32(gs[h], vabsq_f32(vsubq_f32(g0, half)));
            gs[h + 1] = vaddq_f32(gs[h + 1], vabsq_f32(vsubq_f32(g1, half)));
            us[h] = vaddq_f32(us[h], vabsq_f32(beex_tanh_neon(y0)));
            us[h + 1] = vaddq_f32(us[h + 1], vabsq_f32(beex_tanh_neon(y1)));
            gb[k / 8] = neg_bits8(x0, x1);
            ub[k / 8] = neg_bits8(y0, y1);
        }
        float gl[BEEX_SUM_LANES], ul[BEEX_SUM_LANES];
        for (int i = 0; i < 4; i++) {
            vst1q_f32(gl + 4 * i, gs[i]);
            vst1q_f32(ul + 4 * i, us[i]);
        }
        for (; k < dff; k++) {
            float g = beex_sigmoid_approx(a[k]) - 0.5f, u = beex_tanh_approx(b[k]);
            gl[k - d16] += g < 0.0f ? -g : g;
            ul[k - d16] += u < 0.0f ? -u : u;
            gb[k / 8] |= (uint8_t)((a[k] < 0.0f) << (k % 8));
            ub[k / 8] |= (uint8_t)((b[k] < 0.0f) << (k % 8));
        }
        gbeta[r] = beex_sum16_fold(gl) / (float)dff;
        ubeta[r] = beex_sum16_fold(ul) / (float)dff;
    }
}

static void neon_product_add(const float *y, const float *a, const float *b, float *out, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t p = vmulq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
        vst1q_f32(out + i, vaddq_f32(vld1q_f32(y + i), p));
    }
    for (; i < n; i++)
        out[i] = y[i] + a[i] * b[i];
}

const beex_slfn_ops beex_slfn_ops_neon = {"neon", neon_gates, neon_gates_pack, neon_product_add};
