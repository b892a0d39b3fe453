/* The NEON int8 bound: the 4 x 16 SDOT micro-kernel's 16 SDOT-by-element chains (4 rows x 4
 * weight registers) on registers only; the dot product extension by a target attribute, as
 * in igemm.c (not measurable under qemu; built so that real AArch64 hardware can report it). */
#include <arm_neon.h>

#include "kernels/ibound.h"

#define DOT(c, b, x) c = vdotq_laneq_s32(c, b, x, 0)
#define ROW(r, x)                                                                                  \
    DOT(c##r##0, b0, x);                                                                           \
    DOT(c##r##1, b1, x);                                                                           \
    DOT(c##r##2, b2, x);                                                                           \
    DOT(c##r##3, b3, x)

__attribute__((target("arch=armv8.2-a+dotprod"))) uint64_t beex_ibound_loop_neon(uint64_t iters,
                                                                                 uint64_t *sink)
{
    int8x16_t a0 = vdupq_n_s8(3), a1 = vdupq_n_s8(-5), a2 = vdupq_n_s8(7), a3 = vdupq_n_s8(-11);
    int8x16_t b0 = vdupq_n_s8(1), b1 = vdupq_n_s8(-2), b2 = vdupq_n_s8(3), b3 = vdupq_n_s8(-4);
    int32x4_t c00 = vdupq_n_s32(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00;
    int32x4_t c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00;
    int32x4_t c31 = c00, c32 = c00, c33 = c00;
    for (uint64_t it = 0; it < iters; it++) {
        __asm__ volatile("" : "+w"(a0), "+w"(a1), "+w"(a2), "+w"(a3));
        ROW(0, a0);
        ROW(1, a1);
        ROW(2, a2);
        ROW(3, a3);
    }
    int32x4_t s = vaddq_s32(vaddq_s32(vaddq_s32(c00, c01), vaddq_s32(c02, c03)),
                            vaddq_s32(vaddq_s32(c10, c11), vaddq_s32(c12, c13)));
    s = vaddq_s32(s, vaddq_s32(vaddq_s32(vaddq_s32(c20, c21), vaddq_s32(c22, c23)),
                               vaddq_s32(vaddq_s32(c30, c31), vaddq_s32(c32, c33))));
    *sink = (uint32_t)vaddvq_s32(s);
    return iters * 16u * 16u;
}
