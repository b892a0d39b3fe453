/* The contract between the sign-packing dispatcher (kernels/pack.c) and its variants
 * (variants/<isa>/pack.c). Arguments are validated by the dispatcher; a variant packs
 * whole rows exactly as beex_pack_signs_rows_ref and may differ from it only in beta's
 * summation order (it sums in double, so beta agrees to within 1 ulp of fp32). */
#ifndef BEEX_KERNELS_PACK_VARIANT_H
#define BEEX_KERNELS_PACK_VARIANT_H

#include <stddef.h>
#include <stdint.h>

typedef void (*beex_pack_rows_fn)(const float *x, size_t rows, size_t cols, size_t ldx, float c,
                                  uint8_t *bits, size_t ldb, float *beta);

/* One row function per variant (variants/<isa>/pack.c), declared from kernels/pack_list.h. */
#define BEEX_PACK_VARIANT(E, fn)                                                                   \
    void fn(const float *x, size_t rows, size_t cols, size_t ldx, float c, uint8_t *bits,          \
            size_t ldb, float *beta);
#include "kernels/pack_list.h"
#undef BEEX_PACK_VARIANT

/* Stores the low `nbytes` bytes of a little-endian 64-bit word of sign bits. */
static inline void beex_pack_store_word(uint8_t *out, uint64_t word, size_t nbytes)
{
    for (size_t b = 0; b < nbytes; b++)
        out[b] = (uint8_t)(word >> (8 * b));
}

#endif
