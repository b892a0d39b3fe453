/* The AVX-VNNI W1A1 bound. The W1A1 micro-kernel (bgemm.c) issues igemm's: 12 VEX VPDPBUSD
 * chains of the 6 x 16 tile, on 0/1 activation bytes and +-1 weight bytes, so its bound is
 * the int8 bound loop itself (variants/avxvnni/ibound.c, written in asm so that no
 * accumulator spills), and each of its byte multiply-accumulates stands for one bMAC. */
#include "kernels/bound.h"
#include "kernels/ibound.h"

uint64_t beex_bound_loop_avxvnni(uint64_t iters, uint64_t *sink)
{
    return beex_ibound_loop_avxvnni(iters, sink);
}
