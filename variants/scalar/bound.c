/* The scalar W1A1 bound: the 2 x 4 micro-kernel's XOR + POPCNT + ADD chains on registers
 * only (the empty asm makes the A words look new every iteration, adding no instruction). */
#include "kernels/bound.h"

#define XPA(acc, a, b) acc += (uint64_t)__builtin_popcountll((a) ^ (b))

uint64_t beex_bound_loop_scalar(uint64_t iters, uint64_t *sink)
{
    uint64_t a0 = 0x0123456789abcdefULL, a1 = 0xfedcba9876543210ULL;
    uint64_t b0 = 1, b1 = 2, b2 = 3, b3 = 4;
    uint64_t c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    for (uint64_t it = 0; it < iters; it++) {
#if defined(__GNUC__)
        __asm__ volatile("" : "+r"(a0), "+r"(a1));
#endif
        XPA(c00, a0, b0);
        XPA(c01, a0, b1);
        XPA(c02, a0, b2);
        XPA(c03, a0, b3);
        XPA(c10, a1, b0);
        XPA(c11, a1, b1);
        XPA(c12, a1, b2);
        XPA(c13, a1, b3);
    }
    *sink = c00 + c01 + c02 + c03 + c10 + c11 + c12 + c13;
    return iters * 8u * 64u;
}
