/* The Selective-Learn Forget Network's elementwise steps (docs/model.md section 2): the gates
 * g = sigmoid(h1), u = tanh(h3), their sign packing for the next binary GEMM (w1a1), and
 * s = a (.) b added to the residual. The GEMMs around them live in kernels/bgemm.h.
 *
 * Contract (slfn_ref.c defines it; variants in variants/<isa>/slfn.c, table in
 * kernels/elementwise_registry.c):
 * - gates: in place, h1[r*ldh + k] <- sigmoid(h1), h3[r*ldh + k] <- tanh(h3), k < dff.
 * - gates_pack (w1a1): no fp32 gate is written; g is packed against c = 0.5 (BL_2's input)
 *   and u against c = 0 (docs/model.md section 4 layout, bit 1 = negative). The bit is taken from
 *   the pre-activation: sigmoid(h) - 0.5 < 0 and tanh(h) < 0 exactly when h < 0, so the bits
 *   are exact and identical on every variant (a rounded gate could not flip them).
 *   gbeta[r] = mean_k |sigmoid(h1) - 0.5|, ubeta[r] = mean_k |tanh(h3)|. Bytes of a packed
 *   row past the last bit are zeroed up to ceil(dff/8).
 * - product_add: out[i] = y[i] + a[i] * b[i] (out may alias y).
 * Every variant gives the scalar variant's bits (no FMA, betas summed in kernels/canon_sum.h's
 * order; docs/determinism.md). Accuracy against the double-precision reference
 * (tests/kernels/test_slfn.c):
 *   gates |err| <= BEEX_SLFN_GATE_ATOL; beta relative error <= BEEX_SLFN_BETA_RTOL; bits exact;
 *   product_add |err| <= 1 ulp-scale BEEX_SLFN_PRODUCT_RTOL * (|y| + |a*b|) (product and sum
 * rounded apart). */
#ifndef BEEX_KERNELS_SLFN_H
#define BEEX_KERNELS_SLFN_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/cpu.h"

#define BEEX_SLFN_GATE_ATOL 2e-6f
#define BEEX_SLFN_BETA_RTOL 2e-5f
#define BEEX_SLFN_PRODUCT_RTOL 2.5e-7f

typedef struct {
    const char *name;
    void (*gates)(float *h1, float *h3, size_t rows, size_t dff, size_t ldh);
    void (*gates_pack)(const float *h1, const float *h3, size_t rows, size_t dff, size_t ldh,
                       uint8_t *gbits, uint8_t *ubits, size_t ldb, float *gbeta, float *ubeta);
    void (*product_add)(const float *y, const float *a, const float *b, float *out, size_t n);
} beex_slfn_ops;

/* The variant table entry for isa (-1 = forced or best available); NULL when this build or
 * CPU lacks it. */
const beex_slfn_ops *beex_slfn_get(int isa);
/* Name of the variant beex_slfn_get(-1) returns. */
const char *beex_slfn_variant(void);

/* Checked entry points on the active variant: BEEX_OK or BEEX_EINVAL. */
int beex_slfn_gates(float *h1, float *h3, size_t rows, size_t dff, size_t ldh);
int beex_slfn_gates_pack(const float *h1, const float *h3, size_t rows, size_t dff, size_t ldh,
                         uint8_t *gbits, uint8_t *ubits, size_t ldb, float *gbeta, float *ubeta);
int beex_slfn_product_add(const float *y, const float *a, const float *b, float *out, size_t n);

/* The reference (kernels/slfn_ref.c): libm in double precision, obviously correct. */
extern const beex_slfn_ops beex_slfn_ops_ref;

/* Per-variant tables (variants/<isa>/slfn.c), declared from kernels/slfn_list.h. */
#define BEEX_SLFN_VARIANT(E, ops) extern const beex_slfn_ops ops;
#include "kernels/slfn_list.h"
#undef BEEX_SLFN_VARIANT

#endif
