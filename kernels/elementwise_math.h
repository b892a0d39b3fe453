/* The exp approximation every SLFN / elementwise variant uses (private to kernels/ and
 * variants/), and the trainer too. One algorithm and one rounding in every ISA: each
 * operation below is one IEEE operation, no fused multiply-add (the build disables
 * contraction; the vector versions use separate multiplies and adds in this order), so
 * every variant returns the same bits:
 * clamp x to [BEEX_EXP_LO, BEEX_EXP_HI], n = nearest(x * log2 e), r = x - n ln2 (two-part
 * ln2), e^r by the Cephes degree-6 polynomial, times 2^n built in the exponent bits.
 * Relative error about 2 ulp over the clamped range. */
#ifndef BEEX_KERNELS_ELEMENTWISE_MATH_H
#define BEEX_KERNELS_ELEMENTWISE_MATH_H

#include <stdint.h>
#include <string.h>

#define BEEX_EXP_LO -87.0f
#define BEEX_EXP_HI 88.0f
#define BEEX_EXP_LOG2E 1.44269504088896341f
#define BEEX_EXP_ROUND 12582912.0f /* 1.5 * 2^23: adding and subtracting rounds to integer */
#define BEEX_EXP_LN2_HI 0.693359375f
#define BEEX_EXP_LN2_LO -2.12194440e-4f
#define BEEX_EXP_P0 1.9875691500e-4f
#define BEEX_EXP_P1 1.3981999507e-3f
#define BEEX_EXP_P2 8.3334519073e-3f
#define BEEX_EXP_P3 4.1665795894e-2f
#define BEEX_EXP_P4 1.6666665459e-1f
#define BEEX_EXP_P5 5.0000001201e-1f

static inline float beex_exp_approx(float x)
{
    /* !(x >= LO) also catches NaN: every input then gives a defined exponent below. */
    x = !(x >= BEEX_EXP_LO) ? BEEX_EXP_LO : (x > BEEX_EXP_HI ? BEEX_EXP_HI : x);
    float n = (x * BEEX_EXP_LOG2E + BEEX_EXP_ROUND) - BEEX_EXP_ROUND;
    float r = x - n * BEEX_EXP_LN2_HI;
    r = r - n * BEEX_EXP_LN2_LO;
    float p = BEEX_EXP_P0;
    p = p * r + BEEX_EXP_P1;
    p = p * r + BEEX_EXP_P2;
    p = p * r + BEEX_EXP_P3;
    p = p * r + BEEX_EXP_P4;
    p = p * r + BEEX_EXP_P5;
    p = p * (r * r) + r + 1.0f;
    uint32_t bits = (uint32_t)((int32_t)n + 127) << 23; /* n in [-126, 127]: a normal float */
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float beex_sigmoid_approx(float x)
{
    return 1.0f / (1.0f + beex_exp_approx(-x));
}

/* tanh through e^{-2|x|}: no overflow, absolute error ~1e-7 near 0. The sign is x's sign
 * bit copied (tanh(-0) = -0), as the vector versions do. */
static inline float beex_tanh_approx(float x)
{
    uint32_t xb, mb;
    memcpy(&xb, &x, sizeof xb);
    uint32_t ab = xb & 0x7FFFFFFFu;
    float ax;
    memcpy(&ax, &ab, sizeof ax);
    float t = beex_exp_approx(ax * -2.0f);
    float m = (1.0f - t) / (1.0f + t);
    memcpy(&mb, &m, sizeof mb);
    mb |= xb & 0x80000000u;
    memcpy(&m, &mb, sizeof m);
    return m;
}

#endif
