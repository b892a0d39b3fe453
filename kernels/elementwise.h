/* Elementwise steps of the forward pass that are neither GEMMs nor the SLFN: the residual
 * add fused with post-LayerNorm, and the scaled row softmax of attention (docs/model.md
 * section 2). Same shape as the SLFN family: reference in elementwise_ref.c, variants in
 * variants/<isa>/elementwise.c, table in kernels/elementwise_registry.c.
 *
 * - add_layernorm: out[r] = LN(x[r] + res[r]) over d features, gamma/beta per feature,
 *   eps inside the square root, population variance (two passes); rows of stride ld;
 *   res may be NULL; out may alias x or res.
 * - softmax_rows: s[r] <- softmax(scale * s[r]) over n columns, rows of stride ld.
 * Every variant gives the scalar variant's bits (variants/scalar/elementwise.c: row sums in
 * kernels/canon_sum.h's order, no FMA; docs/determinism.md). The double-precision reference
 * checks accuracy: |err| <= BEEX_EW_LN_ATOL (LayerNorm outputs are O(1) after normalisation;
 * gamma = 1 scale) and BEEX_EW_SOFTMAX_ATOL for probabilities. */
#ifndef BEEX_KERNELS_ELEMENTWISE_H
#define BEEX_KERNELS_ELEMENTWISE_H

#include <stddef.h>

#include "kernels/cpu.h"

#define BEEX_EW_LN_ATOL 2e-5f
#define BEEX_EW_SOFTMAX_ATOL 1e-6f

typedef struct {
    const char *name;
    void (*add_layernorm)(const float *x, const float *res, size_t rows, size_t d, size_t ld,
                          const float *gamma, const float *beta, float eps, float *out);
    void (*softmax_rows)(float *s, size_t rows, size_t n, size_t ld, float scale);
} beex_elementwise_ops;

/* Variant table entry for isa (-1 = forced or best available); NULL if unavailable. */
const beex_elementwise_ops *beex_elementwise_get(int isa);
const char *beex_elementwise_variant(void);

extern const beex_elementwise_ops beex_elementwise_ops_ref;
/* Per-variant tables (variants/<isa>/elementwise.c), declared from kernels/elementwise_list.h. */
#define BEEX_ELEMENTWISE_VARIANT(E, ops) extern const beex_elementwise_ops ops;
#include "kernels/elementwise_list.h"
#undef BEEX_ELEMENTWISE_VARIANT

#endif
