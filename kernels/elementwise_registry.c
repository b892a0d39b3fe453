/* Variant tables of the SLFN and elementwise families, indexed by beex_isa, and their
 * checked entry points. The variants come from each family's list (kernels/<family>_list.h). */
#include <stddef.h>

#include "kernels/cpu.h"
#include "kernels/elementwise.h"
#include "kernels/pack.h"
#include "kernels/registry.h"
#include "kernels/slfn.h"

/* The dispatch tables, from kernels/slfn_list.h and kernels/elementwise_list.h. */
static const beex_slfn_ops *const slfn_table[BEEX_ISA_COUNT] = {
#define BEEX_SLFN_VARIANT(E, ops) BEEX_IF_BUILT(E, [BEEX_ISA_##E] = &ops, )
#include "kernels/slfn_list.h"
#undef BEEX_SLFN_VARIANT
};

static const beex_elementwise_ops *const ew_table[BEEX_ISA_COUNT] = {
#define BEEX_ELEMENTWISE_VARIANT(E, ops) BEEX_IF_BUILT(E, [BEEX_ISA_##E] = &ops, )
#include "kernels/elementwise_list.h"
#undef BEEX_ELEMENTWISE_VARIANT
};

static int slfn_has(beex_isa isa)
{
    return (int)isa >= 0 && isa < BEEX_ISA_COUNT && slfn_table[isa] != NULL;
}

static int ew_has(beex_isa isa)
{
    return (int)isa >= 0 && isa < BEEX_ISA_COUNT && ew_table[isa] != NULL;
}

/* isa -1 = forced or best available; an explicit isa must be in the table and run here. */
const beex_slfn_ops *beex_slfn_get(int isa)
{
    int i = beex_isa_pick(slfn_has, isa);
    return i < 0 ? NULL : slfn_table[i];
}

const char *beex_slfn_variant(void)
{
    const beex_slfn_ops *ops = beex_slfn_get(-1);
    return ops ? ops->name : "none";
}

const beex_elementwise_ops *beex_elementwise_get(int isa)
{
    int i = beex_isa_pick(ew_has, isa);
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
const beex_op_family beex_family_slfn = {
    "slfn", "SLFN gates sigmoid/tanh, their sign packing for w1a1 (fused), product + residual",
    slfn_has, beex_slfn_variant};

const beex_op_family beex_family_elementwise = {"elementwise",
                                                "residual add + post-LayerNorm, scaled row softmax",
                                                ew_has, beex_elementwise_variant};
