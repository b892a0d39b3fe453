/* Sign packing: fp32 rows -> packed sign bits (docs/model.md section 4).
 * Element k of a row lives in byte k/8, bit k%8; the bit is 1 when (x_k - c) < 0; bits past
 * `cols` in the last byte are 0. beta (optional) is the per-row scale mean_k |x_k - c|: the sum in
 * kernels/canon_sum.h's order divided in fp32, the same bits in every variant. */
#ifndef BEEX_KERNELS_PACK_H
#define BEEX_KERNELS_PACK_H

#include <stddef.h>
#include <stdint.h>

/* Bytes needed for one packed row of `cols` signs. */
static inline size_t beex_packed_row_bytes(size_t cols)
{
    return (cols + 7) / 8;
}

/* x: rows x cols, row stride ldx floats (>= cols). bits: row stride ldb bytes (>= packed
 * bytes). beta may be NULL. Returns BEEX_OK or BEEX_EINVAL. Dispatches to the active variant. */
int beex_pack_signs_rows(const float *x, size_t rows, size_t cols, size_t ldx, float c,
                         uint8_t *bits, size_t ldb, float *beta);

/* The reference that defines the result (kernels/pack_ref.c). */
int beex_pack_signs_rows_ref(const float *x, size_t rows, size_t cols, size_t ldx, float c,
                             uint8_t *bits, size_t ldb, float *beta);

/* The same on one named variant (isa = -1: the active one); BEEX_EUNSUPPORTED if the CPU or
 * the build lacks it. Tests and benchmarks use this to compare variants. */
int beex_pack_signs_rows_isa(int isa, const float *x, size_t rows, size_t cols, size_t ldx, float c,
                             uint8_t *bits, size_t ldb, float *beta);

/* Name of the variant beex_pack_signs_rows currently dispatches to. */
const char *beex_pack_variant(void);

#endif
