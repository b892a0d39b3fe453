/* The sign-packing family's registry and dispatcher: validates arguments once, then hands
 * whole rows to the picked variant (variants/<isa>/pack.c). */
#include "kernels/pack.h"
#include "kernels/cpu.h"
#include "kernels/pack_variant.h"
#include "kernels/registry.h"

/* The dispatch table, from kernels/pack_list.h. */
static const beex_pack_rows_fn pack_table[BEEX_ISA_COUNT] = {
#define BEEX_PACK_VARIANT(E, fn) BEEX_IF_BUILT(E, [BEEX_ISA_##E] = fn, )
#include "kernels/pack_list.h"
#undef BEEX_PACK_VARIANT
};

static int pack_has(beex_isa isa)
{
    return (int)isa >= 0 && isa < BEEX_ISA_COUNT && pack_table[isa] != NULL;
}

static int pack_pick(void)
{
    return beex_isa_pick(pack_has, -1);
}

const char *beex_pack_variant(void)
{
    int isa = pack_pick();
    return isa < 0 ? "none" : beex_isa_name((beex_isa)isa);
}

const beex_op_family beex_family_pack = {
    "pack", "sign packing of fp32 rows with centring c and per-row beta", pack_has,
    beex_pack_variant};

int beex_pack_signs_rows_isa(int isa, const float *x, size_t rows, size_t cols, size_t ldx, float c,
                             uint8_t *bits, size_t ldb, float *beta)
{
    if (x == NULL || bits == NULL || rows == 0 || cols == 0 || ldx < cols ||
        ldb < beex_packed_row_bytes(cols) || isa < -1 || isa >= BEEX_ISA_COUNT)
        return BEEX_EINVAL;
    /* An isa this family lacks (avxvnni, amx) runs its nearest ancestor (kernels/cpu.h). */
    isa = beex_isa_pick(pack_has, isa);
    if (isa < 0)
        return BEEX_EUNSUPPORTED;
    pack_table[isa](x, rows, cols, ldx, c, bits, ldb, beta);
    return BEEX_OK;
}

int beex_pack_signs_rows(const float *x, size_t rows, size_t cols, size_t ldx, float c,
                         uint8_t *bits, size_t ldb, float *beta)
{
    return beex_pack_signs_rows_isa(-1, x, rows, cols, ldx, c, bits, ldb, beta);
}
