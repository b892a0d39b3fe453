/* Variant tables of the SLFN and elementwise families, indexed by beex_isa, and their
 * checked entry points. Adding an ISA = one line per family here plus its variant files. */
#include <stddef.h>

#include "kernels/cpu.h"
#include "kernels/elementwise.h"
#include "kernels/pack.h"
#include "kernels/registry.h"
#include "kernels/slfn.h"

static const beex_slfn_ops *const slfn_table[BEEX_ISA_COUNT] = {
#ifdef BEEX_HAVE_SCALAR
    [BEEX_ISA_SCALAR] = &beex_slfn_ops_scalar,
#endif
#ifdef BEEX_HAVE_AVX2
    [BEEX_ISA_AVX2] = &beex_slfn_ops_avx2,
#endif
#ifdef BEEX_HAVE_AVX512
    [BEEX_ISA_AVX512] = &beex_slfn_ops_avx512,
#endif
#ifdef BEEX_HAVE_NEON
    [BEEX_ISA_NEON] = &beex_slfn_ops_neon,
#endif
};

static const beex_elementwise_ops *const ew_table[BEEX_ISA_COUNT] = {
#ifdef BEEX_HAVE_SCALAR
    [BEEX_ISA_SCALAR] = &beex_elementwise_ops_scalar,
#endif
#ifdef BEEX_HAVE_AVX2
    [BEEX_ISA_AVX2] = &beex_elementwise_ops_avx2,
#endif
#ifdef BEEX_HAVE_AVX512
    [BEEX_ISA_AVX512] = &beex_elementwise_ops_avx512,
#endif
#ifdef BEEX_HAVE_NEON
    [BEEX_ISA_NEON] = &beex_elementwise_ops_neon,
#endif
};

/* Shared lookup: a forced or explicit isa must be in the table and runnable here. */
static int pick(const void *const *table, int isa)
{
    int has[BEEX_ISA_COUNT];
    for (int i = 0; i < BEEX_ISA_COUNT; i++)
        has[i] = table[i] != NULL;
    if (isa < 0)
        return beex_isa_pick(has);
    if (isa >= BEEX_ISA_COUNT || !has[isa] || !beex_isa_available((beex_isa)isa, NULL))
        return -1;
    return isa;
}

const beex_slfn_ops *beex_slfn_get(int isa)
{
    int i = pick((const void *const *)slfn_table, isa);
    return i < 0 ? NULL : slfn_table[i];
}

const char *beex_slfn_variant(void)
{
    const beex_slfn_ops *ops = beex_slfn_get(-1);
    return ops ? ops->name : "none";
}

const beex_elementwise_ops *beex_elementwise_get(int isa)
{
    int i = pick((const void *const *)ew_table, isa);
    return i < 0 ? NULL : ew_table[i];
}

const char *beex_elementwise_variant(void)
{
    const beex_elementwise_ops *ops = beex_elementwise_get(-1);
    return ops ? ops->name : "none";
}

int beex_slfn_gates(float *h1, float *h3, size_t rows, size_t dff, size_t ldh)
{
    const beex_slfn_ops *ops = beex_slfn_get(-1);
    if (ops == NULL)
        return BEEX_EUNSUPPORTED;
    if (h1 == NULL || h3 == NULL || rows == 0 || dff == 0 || ldh < dff)
        return BEEX_EINVAL;
    ops->gates(h1, h3, rows, dff, ldh);
    return BEEX_OK;
}

int beex_slfn_gates_pack(const float *h1, const float *h3, size_t rows, size_t dff, size_t ldh,
                         uint8_t *gbits, uint8_t *ubits, size_t ldb, float *gbeta, float *ubeta)
{
    const beex_slfn_ops *ops = beex_slfn_get(-1);
    if (ops == NULL)
        return BEEX_EUNSUPPORTED;
    if (h1 == NULL || h3 == NULL || gbits == NULL || ubits == NULL || gbeta == NULL ||
        ubeta == NULL || rows == 0 || dff == 0 || ldh < dff || ldb < beex_packed_row_bytes(dff))
        return BEEX_EINVAL;
    ops->gates_pack(h1, h3, rows, dff, ldh, gbits, ubits, ldb, gbeta, ubeta);
    return BEEX_OK;
}

int beex_slfn_product_add(const float *y, const float *a, const float *b, float *out, size_t n)
{
    const beex_slfn_ops *ops = beex_slfn_get(-1);
    if (ops == NULL)
        return BEEX_EUNSUPPORTED;
    if (y == NULL || a == NULL || b == NULL || out == NULL || n == 0)
        return BEEX_EINVAL;
    ops->product_add(y, a, b, out, n);
    return BEEX_OK;
}

/* What `beex variants` lists (kernels/registry.h). */
static int slfn_has(beex_isa isa)
{
    return (int)isa >= 0 && isa < BEEX_ISA_COUNT && slfn_table[isa] != NULL;
}

const beex_op_family beex_family_slfn = {
    "slfn", "SLFN gates sigmoid/tanh, their sign packing for w1a1 (fused), product + residual",
    slfn_has, beex_slfn_variant};
