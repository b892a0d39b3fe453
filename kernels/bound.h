/* Bound loops: per variant, an in-register loop of exactly the instruction mix its binary GEMM
 * micro-kernel issues per chunk (no loads, no reductions). harness/bench/bound.h times them
 * beside the kernels, so that bound_ratio = kernel bMAC/s / loop bMAC/s. */
#ifndef BEEX_KERNELS_BOUND_H
#define BEEX_KERNELS_BOUND_H

#include <stdint.h>

/* One loop per variant (variants/<isa>/bound.c, compiled with that ISA's flags): runs `iters`
 * iterations and returns the bMACs they stand for; *sink receives a value that depends on
 * every accumulator so the loop cannot be removed. */
uint64_t beex_bound_loop_scalar(uint64_t iters, uint64_t *sink);
uint64_t beex_bound_loop_avx2(uint64_t iters, uint64_t *sink);
uint64_t beex_bound_loop_avx512(uint64_t iters, uint64_t *sink);
uint64_t beex_bound_loop_neon(uint64_t iters, uint64_t *sink);

#endif
