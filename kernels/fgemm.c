/* The fgemm family's registry and checked entry point: the variant table from
 * kernels/fgemm_list.h, picked through beex_isa_pick like every family. */
#include <stddef.h>

#include "kernels/cpu.h"
#include "kernels/fgemm.h"
#include "kernels/registry.h"

/* The dispatch table, from kernels/fgemm_list.h. */
static const beex_fgemm_ops *const fgemm_table[BEEX_ISA_COUNT] = {
#define BEEX_FGEMM_VARIANT(E, ops) BEEX_IF_BUILT(E, [BEEX_ISA_##E] = &ops, )
#include "kernels/fgemm_list.h"
#undef BEEX_FGEMM_VARIANT
};

static int fgemm_has(beex_isa isa)
{
    return (int)isa >= 0 && isa < BEEX_ISA_COUNT && fgemm_table[isa] != NULL;
}

/* isa -1 = forced or best available; an explicit isa must be in the table and run here. */
const beex_fgemm_ops *beex_fgemm_get(int isa)
{
    int i = beex_isa_pick(fgemm_has, isa);
    return i < 0 ? NULL : fgemm_table[i];
}

const char *beex_fgemm_variant(void)
{
    const beex_fgemm_ops *ops = beex_fgemm_get(-1);
    return ops ? ops->name : "none";
}

int beex_fgemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, int trans_b,
               float *c, int ldc, int beta_one)
{
    const beex_fgemm_ops *ops = beex_fgemm_get(-1);
    if (ops == NULL)
        return BEEX_EUNSUPPORTED;
    if (a == NULL || b == NULL || c == NULL || m < 1 || n < 1 || k < 0 || lda < m || ldc < m ||
        ldb < (trans_b ? n : k) || ldb < 1)
        return BEEX_EINVAL;
    ops->gemm(m, n, k, a, lda, b, ldb, trans_b != 0, c, ldc, beta_one != 0);
    return BEEX_OK;
}

/* What `beex variants` lists (kernels/registry.h). */
const beex_op_family beex_family_fgemm = {
    "fgemm", "fp32 product C (+)= A B, one fmaf chain over k per output (exact on every CPU)",
    fgemm_has, beex_fgemm_variant};
