/* The NEON W1A1 bound: the 4 x 4 micro-kernel's EOR + CNT + ADD chains on registers only
 * (not measurable under qemu; built so that real AArch64 hardware can report it). */
#include <arm_neon.h>

#include "kernels/bound.h"

#define XPA(acc, a, b) acc = vaddq_u8(acc, vcntq_u8(veorq_u8(a, b)))
#define ROW(r, a)                                                                                  \
    XPA(c##r##0, a, b0);                                                                           \
    XPA(c##r##1, a, b1);                                                                           \
    XPA(c##r##2, a, b2);                                                                           \
    XPA(c##r##3, a, b3)

uint64_t beex_bound_loop_neon(uint64_t iters, uint64_t *sink)
{
    uint8x16_t a0 = vdupq_n_u8(0x12), a1 = vdupq_n_u8(0x34), a2 = vdupq_n_u8(0x56),
               a3 = vdupq_n_u8(0x78);
    uint8x16_t b0 = vdupq_n_u8(1), b1 = vdupq_n_u8(2), b2 = vdupq_n_u8(3), b3 = vdupq_n_u8(4);
    uint8x16_t c00 = vdupq_n_u8(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00,
               c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00,
               c31 = c00, c32 = c00, c33 = c00;
    uint64_t total = 0;
    for (uint64_t it = 0; it < iters; it++) {
        __asm__ volatile("" : "+w"(a0), "+w"(a1), "+w"(a2), "+w"(a3));
        ROW(0, a0);
        ROW(1, a1);
        ROW(2, a2);
        ROW(3, a3);
        if ((it & 15) == 15) { /* keep the byte lanes from saturating the checksum */
            total += vaddlvq_u8(vaddq_u8(vaddq_u8(c00, c11), vaddq_u8(c22, c33)));
            c00 = c11 = c22 = c33 = vdupq_n_u8(0);
        }
    }
    uint8x16_t s = vaddq_u8(vaddq_u8(vaddq_u8(c01, c02), vaddq_u8(c03, c10)),
                            vaddq_u8(vaddq_u8(c12, c13), vaddq_u8(c20, c21)));
    s = vaddq_u8(s, vaddq_u8(vaddq_u8(c23, c30), vaddq_u8(c31, c32)));
    *sink = total + vaddlvq_u8(s);
    return iters * 16u * 128u;
}
