/* fp32 matrix products as one fused multiply-add chain per output (docs/determinism.md, rule
 * 4): the fp32 twin's GEMMs, attention's Q K^T and P V, and the trainer's products
 * (harness/model/forward_fp32.c and harness/train/tgemm.c pick between these and libxsmm).
 *
 * Contract (fgemm_ref.c defines it; variants in variants/<isa>/fgemm.c, table in
 * kernels/fgemm.c): column-major C (m x n, ldc) = or += A (m x k, column-major, lda) * B.
 * B is column-major k x n (ldb; element (p, j) at b[j*ldb + p]) or, with trans_b, stored
 * n x k (element (p, j) at b[p*ldb + j]). Each output is
 *     c = beta_one ? C[i, j] : +0.0;  c = fmaf(a[i, p], b[p, j], c) for p = 0 .. k-1
 * in that order and nothing else: every variant gives the reference's bits, on every CPU
 * (a vector FMA lane is fmaf; only the lanes are parallel, never the k chain). m, n >= 1,
 * k >= 0; lda, ldc >= m; ldb >= k (n with trans_b). C's stride gaps (rows m .. ldc-1 of a
 * column) are never written, and A and C are read only in rows below m: neighbouring tiles of
 * one matrix may be computed by other threads at the same time. */
#ifndef BEEX_KERNELS_FGEMM_H
#define BEEX_KERNELS_FGEMM_H

#include "kernels/cpu.h"

typedef struct {
    const char *name;
    void (*gemm)(int m, int n, int k, const float *a, int lda, const float *b, int ldb, int trans_b,
                 float *c, int ldc, int beta_one);
} beex_fgemm_ops;

/* The variant table entry for isa (-1 = forced or best available); NULL when this build or
 * CPU lacks it. */
const beex_fgemm_ops *beex_fgemm_get(int isa);
/* Name of the variant beex_fgemm_get(-1) returns. */
const char *beex_fgemm_variant(void);

/* Checked entry point on the active variant: BEEX_OK, BEEX_EINVAL or BEEX_EUNSUPPORTED. */
int beex_fgemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, int trans_b,
               float *c, int ldc, int beta_one);

/* The reference (kernels/fgemm_ref.c): fmaf, one output at a time. */
extern const beex_fgemm_ops beex_fgemm_ops_ref;

/* Per-variant tables (variants/<isa>/fgemm.c), declared from kernels/fgemm_list.h. */
#define BEEX_FGEMM_VARIANT(E, ops) extern const beex_fgemm_ops ops;
#include "kernels/fgemm_list.h"
#undef BEEX_FGEMM_VARIANT

#endif
