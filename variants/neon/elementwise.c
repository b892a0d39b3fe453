/* Residual + LayerNorm and scaled softmax on 4 fp32 lanes (AArch64): the scalar variant's
 * arithmetic (kernels/canon_sum.h's sixteen lanes held in four registers, no FMA), scalar
 * tails. */
#include <arm_neon.h>
#include <math.h>

#include "kernels/canon_sum.h"
#include "kernels/elementwise.h"
#include "kernels/elementwise_math.h"
#include "kernels/elementwise_vmath_neon.h"

static inline void store_lanes(float l[BEEX_SUM_LANES], const float32x4_t q[4])
{
    for (int i = 0; i < 4; i++)
        vst1q_f32(l + 4 * i, q[i]);
}

static void neon_add_layernorm(const float *x, const float *res, size_t rows, size_t d, size_t ld,
                               const float *gamma, const float *beta, float eps, float *out)
{
    size_t d16 = d / 16 * 16;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ld;
        const float *rr = res ? res + r * ld : NULL;
        float *o = out + r * ld;
        float32x4_t s[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f),
                            vdupq_n_f32(0.0f)};
        float l[BEEX_SUM_LANES];
        size_t k = 0;
        for (; k < d16; k += 16)
            for (int i = 0; i < 4; i++) {
                float32x4_t v = vld1q_f32(xr + k + 4 * i);
                if (rr)
                    v = vaddq_f32(v, vld1q_f32(rr + k + 4 * i));
                vst1q_f32(o + k + 4 * i, v);
                s[i] = vaddq_f32(s[i], v);
            }
        store_lanes(l, s);
        for (; k < d; k++) {
            o[k] = rr ? xr[k] + rr[k] : xr[k];
            l[k - d16] += o[k];
        }
        float mean_s = beex_sum16_fold(l) / (float)d;
        float32x4_t mean = vdupq_n_f32(mean_s);
        for (int i = 0; i < 4; i++)
            s[i] = vdupq_n_f32(0.0f);
        for (k = 0; k < d16; k += 16)
            for (int i = 0; i < 4; i++) {
                float32x4_t v = vsubq_f32(vld1q_f32(o + k + 4 * i), mean);
                s[i] = vaddq_f32(s[i], vmulq_f32(v, v));
            }
        store_lanes(l, s);
        for (; k < d; k++) {
            float v = o[k] - mean_s;
            l[k - d16] += v * v;
        }
        float rstd_s = 1.0f / sqrtf(beex_sum16_fold(l) / (float)d + eps);
        float32x4_t rstd = vdupq_n_f32(rstd_s);
        for (k = 0; k + 4 <= d; k += 4) {
            float32x4_t v = vmulq_f32(vsubq_f32(vld1q_f32(o + k), mean), rstd);
            v = vmulq_f32(v, vld1q_f32(gamma + k));
            vst1q_f32(o + k, vaddq_f32(v, vld1q_f32(beta + k)));
        }
        for (; k < d; k++)
            o[k] = (o[k] - mean_s) * rstd_s * gamma[k] + beta[k];
    }
}

static void neon_softmax_rows(float *s, size_t rows, size_t n, size_t ld, float scale)
{
    const float32x4_t vs = vdupq_n_f32(scale);
    size_t n16 = n / 16 * 16;
    for (size_t r = 0; r < rows; r++) {
        float *row = s + r * ld;
        float32x4_t mx = vdupq_n_f32(-INFINITY);
        size_t k = 0;
        for (; k + 4 <= n; k += 4)
            mx = vmaxq_f32(mx, vmulq_f32(vld1q_f32(row + k), vs));
        float m = vmaxvq_f32(mx);
        for (; k < n; k++)
            m = fmaxf(m, row[k] * scale);
        float32x4_t vm = vdupq_n_f32(m);
        float32x4_t sum[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f),
                              vdupq_n_f32(0.0f)};
        for (k = 0; k < n16; k += 16)
            for (int i = 0; i < 4; i++) {
                float32x4_t e =
                    beex_exp_neon(vsubq_f32(vmulq_f32(vld1q_f32(row + k + 4 * i), vs), vm));
                vst1q_f32(row + k + 4 * i, e);
                sum[i] = vaddq_f32(sum[i], e);
            }
        float l[BEEX_SUM_LANES];
        store_lanes(l, sum);
        for (; k < n; k++) {
            row[k] = beex_exp_approx(row[k] * scale - m);
            l[k - n16] += row[k];
        }
        float inv_s = 1.0f / beex_sum16_fold(l);
        float32x4_t inv = vdupq_n_f32(inv_s);
        for (k = 0; k + 4 <= n; k += 4)
            vst1q_f32(row + k, vmulq_f32(vld1q_f32(row + k), inv));
        for (; k < n; k++)
            row[k] *= inv_s;
    }
}

const beex_elementwise_ops beex_elementwise_ops_neon = {"neon", neon_add_layernorm,
                                                        neon_softmax_rows};
