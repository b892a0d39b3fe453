/* The AMX W1A1 bound. The W1A1 micro-kernel (bgemm.c) issues igemm's: 4 TDPBSSD in flight on
 * the 2 x 2 C tiles, on 0/1 activation bytes and +-1 weight bytes, so its bound is the int8
 * bound loop itself (variants/amx/ibound.c), and each of its byte multiply-accumulates stands
 * for one bMAC. It runs only where the amx variant does (its detection asked the OS for tile
 * data). */
#include "kernels/bound.h"
#include "kernels/ibound.h"

uint64_t beex_bound_loop_amx(uint64_t iters, uint64_t *sink)
{
    return beex_ibound_loop_amx(iters, sink);
}
