/* Bound loops: per variant, an in-register loop of exactly the instruction mix its binary GEMM
 * micro-kernel issues per chunk (no loads, no reductions). harness/bench/bound.h times them
 * beside the kernels, so that bound_ratio = kernel bMAC/s / loop bMAC/s. */
#ifndef BEEX_KERNELS_BOUND_H
#define BEEX_KERNELS_BOUND_H

#include <stdint.h>

/* One loop per variant, declared from kernels/bound_list.h (variants/<isa>/bound.c, compiled with
 * that ISA's flags): runs `iters` iterations and returns the bMACs they stand for; *sink receives a
 * value that depends on every accumulator so the loop cannot be removed. */
#define BEEX_BOUND_VARIANT(E, loop, mix) uint64_t loop(uint64_t iters, uint64_t *sink);
#include "kernels/bound_list.h"
#undef BEEX_BOUND_VARIANT

#endif
