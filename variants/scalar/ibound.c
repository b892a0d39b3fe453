/* The scalar int8 bound: the 2 x 4 micro-kernel's multiply-add chains on registers only (the
 * empty asm makes the operands look new every iteration, adding no instruction). */
#include "kernels/ibound.h"

#define MA(acc, a, b) acc += (a) * (b)

uint64_t beex_ibound_loop_scalar(uint64_t iters, uint64_t *sink)
{
    int32_t a0 = 3, a1 = -5, b0 = 7, b1 = -11, b2 = 13, b3 = -17;
    uint32_t c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    for (uint64_t it = 0; it < iters; it++) {
#if defined(__GNUC__)
        __asm__ volatile("" : "+r"(a0), "+r"(a1));
#endif
        /* unsigned sums: wrapping is defined, and the loop is the same instructions */
        MA(c00, (uint32_t)a0, (uint32_t)b0);
        MA(c01, (uint32_t)a0, (uint32_t)b1);
        MA(c02, (uint32_t)a0, (uint32_t)b2);
        MA(c03, (uint32_t)a0, (uint32_t)b3);
        MA(c10, (uint32_t)a1, (uint32_t)b0);
        MA(c11, (uint32_t)a1, (uint32_t)b1);
        MA(c12, (uint32_t)a1, (uint32_t)b2);
        MA(c13, (uint32_t)a1, (uint32_t)b3);
    }
    *sink = (uint64_t)c00 + c01 + c02 + c03 + c10 + c11 + c12 + c13;
    return iters * 8u;
}
