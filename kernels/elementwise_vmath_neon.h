/* The shared exp approximation (kernels/elementwise_math.h) on 4 fp32 lanes of AArch64
 * Advanced SIMD; included only by variants/neon/. */
#ifndef BEEX_KERNELS_ELEMENTWISE_VMATH_NEON_H
#define BEEX_KERNELS_ELEMENTWISE_VMATH_NEON_H

#include <arm_neon.h>

#include "kernels/elementwise_math.h"

static inline float32x4_t beex_exp_neon(float32x4_t x)
{
    /* maxnm: a NaN becomes LO, as in the scalar clamp */
    x = vminnmq_f32(vmaxnmq_f32(x, vdupq_n_f32(BEEX_EXP_LO)), vdupq_n_f32(BEEX_EXP_HI));
    const float32x4_t rnd = vdupq_n_f32(BEEX_EXP_ROUND);
    float32x4_t n = vsubq_f32(vaddq_f32(vmulq_f32(x, vdupq_n_f32(BEEX_EXP_LOG2E)), rnd), rnd);
    float32x4_t r = vsubq_f32(x, vmulq_f32(n, vdupq_n_f32(BEEX_EXP_LN2_HI)));
    r = vsubq_f32(r, vmulq_f32(n, vdupq_n_f32(BEEX_EXP_LN2_LO)));
    float32x4_t p = vdupq_n_f32(BEEX_EXP_P0);
    p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(BEEX_EXP_P1));
    p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(BEEX_EXP_P2));
    p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(BEEX_EXP_P3));
    p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(BEEX_EXP_P4));
    p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(BEEX_EXP_P5));
    p = vaddq_f32(vaddq_f32(vmulq_f32(p, vmulq_f32(r, r)), r), vdupq_n_f32(1.0f));
    int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(e));
}

static inline float32x4_t beex_tanh_neon(float32x4_t x)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    float32x4_t t = beex_exp_neon(vmulq_f32(vabsq_f32(x), vdupq_n_f32(-2.0f)));
    float32x4_t m = vdivq_f32(vsubq_f32(one, t), vaddq_f32(one, t));
    uint32x4_t sign = vandq_u32(vreinterpretq_u32_f32(x), vdupq_n_u32(0x80000000u));
    return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(m), sign));
}

#endif
