/* Residual + LayerNorm and scaled softmax on 4 fp32 lanes (AArch64), scalar tails. */
#include <arm_neon.h>
#include <math.h>

#include "kernels/elementwise.h"
#include "kernels/elementwise_math.h"
#include "kernels/elementwise_vmath_neon.h"

static void neon_add_layernorm(const float *x, const float *res, size_t rows, size_t d, size_t ld,
                               const float *gamma, const float *beta, float eps, float *out)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ld;
        const float *rr = res ? res + r * ld : NULL;
        float *o = out + r * ld;
        float32x4_t s = vdupq_n_f32(0.0f);
        float tail = 0.0f;
        size_t k = 0;
        for (; k + 4 <= d; k += 4) {
            float32x4_t v = vld1q_f32(xr + k);
            if (rr)
                v = vaddq_f32(v, vld1q_f32(rr + k));
            vst1q_f32(o + k, v);
            s = vaddq_f32(s, v);
        }
        for (; k < d; k++) {
            o[k] = xr[k] + (rr ? rr[k] : 0.0f);
            tail += o[k];
        }
        float mean_s = (vaddvq_f32(s) + tail) / (float)d;
        float32x4_t mean = vdupq_n_f32(mean_s), q = vdupq_n_f32(0.0f);
        float qt = 0.0f;
        for (k = 0; k + 4 <= d; k += 4) {
            float32x4_t v = vsubq_f32(vld1q_f32(o + k), mean);
            q = vfmaq_f32(q, v, v);
        }
        for (; k < d; k++)
            qt += (o[k] - mean_s) * (o[k] - mean_s);
        float rstd_s = 1.0f / sqrtf((vaddvq_f32(q) + qt) / (float)d + eps);
        float32x4_t rstd = vdupq_n_f32(rstd_s);
        for (k = 0; k + 4 <= d; k += 4) {
            float32x4_t v = vmulq_f32(vsubq_f32(vld1q_f32(o + k), mean), rstd);
            vst1q_f32(o + k, vfmaq_f32(vld1q_f32(beta + k), v, vld1q_f32(gamma + k)));
        }
        for (; k < d; k++)
            o[k] = (o[k] - mean_s) * rstd_s * gamma[k] + beta[k];
    }
}

static void neon_softmax_rows(float *s, size_t rows, size_t n, size_t ld, float scale)
{
    const float32x4_t vs = vdupq_n_f32(scale);
    for (size_t r = 0; r < rows; r++) {
        float *row = s + r * ld;
        float32x4_t mx = vdupq_n_f32(-INFINITY);
        size_t k = 0;
        for (; k + 4 <= n; k += 4)
            mx = vmaxq_f32(mx, vmulq_f32(vld1q_f32(row + k), vs));
        float m = vmaxvq_f32(mx);
        for (; k < n; k++)
            m = fmaxf(m, row[k] * scale);
        float32x4_t vm = vdupq_n_f32(m), sum = vdupq_n_f32(0.0f);
        float st = 0.0f;
        for (k = 0; k + 4 <= n; k += 4) {
            float32x4_t e = beex_exp_neon(vsubq_f32(vmulq_f32(vld1q_f32(row + k), vs), vm));
            vst1q_f32(row + k, e);
            sum = vaddq_f32(sum, e);
        }
        for (; k < n; k++) {
            row[k] = beex_exp_approx(row[k] * scale - m);
            st += row[k];
        }
        float inv_s = 1.0f / (vaddvq_f32(sum) + st);
        float32x4_t inv = vdupq_n_f32(inv_s);
        for (k = 0; k + 4 <= n; k += 4)
            vst1q_f32(row + k, vmulq_f32(vld1q_f32(row + k), inv));
        for (; k < n; k++)
            row[k] *= inv_s;
    }
}

const beex_elementwise_ops beex_elementwise_ops_neon = {"neon", neon_add_layernorm,
                                                        neon_softmax_rows};
