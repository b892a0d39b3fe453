/* Int8 bound loops: per variant, an in-register loop of exactly the instruction mix its int8
 * GEMM micro-kernel (variants/<isa>/igemm.c) issues per step (no loads, no reductions), so
 * that a benchmark can report an int8 kernel as a ratio to its own measured peak, as
 * kernels/bound.h does for the binary GEMM. */
#ifndef BEEX_KERNELS_IBOUND_H
#define BEEX_KERNELS_IBOUND_H

#include <stdint.h>

/* One loop per variant, declared from kernels/ibound_list.h (variants/<isa>/ibound.c, compiled
 * with that ISA's flags): runs `iters` iterations and returns the int8 multiply-accumulates
 * they stand for (iters * the list's macs per iteration); *sink receives a value that depends
 * on every accumulator so the loop cannot be removed. A loop runs only where its variant's
 * int8 code does: beex_isa_available and beex_igemm_missing (kernels/igemm.h) say so (avx512's
 * needs AVX512-VNNI, neon's SDOT; amx's needs the tile permission its detection asked for). */
#define BEEX_IBOUND_VARIANT(E, loop, macs, mix) uint64_t loop(uint64_t iters, uint64_t *sink);
#include "kernels/ibound_list.h"
#undef BEEX_IBOUND_VARIANT

#endif
