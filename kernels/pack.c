/* The sign-packing family's registry and dispatcher: validates arguments once, then hands
 * whole rows to the picked variant (variants/<isa>/pack.c). */
#include "kernels/pack.h"
#include "kernels/cpu.h"
#include "kernels/pack_variant.h"
#include "kernels/registry.h"

/* One line per variant. */
static const beex_pack_rows_fn pack_table[BEEX_ISA_COUNT] = {
    [BEEX_ISA_SCALAR] = beex_pack_rows_scalar,
#if defined(BEEX_HAVE_AVX2)
    [BEEX_ISA_AVX2] = beex_pack_rows_avx2,
#endif
#if defined(BEEX_HAVE_AVX512)
    [BEEX_ISA_AVX512] = beex_pack_rows_avx512,
#endif
#if defined(BEEX_HAVE_NEON)
    [BEEX_ISA_NEON] = beex_pack_rows_neon,
#endif
};

static int pack_pick(void)
{
    int has[BEEX_ISA_COUNT];
    for (int i = 0; i < BEEX_ISA_COUNT; i++)
        has[i] = pack_table[i] != NULL;
    return beex_isa_pick(has);
}

const char *beex_pack_variant(void)
{
    int isa = pack_pick();
    return isa < 0 ? "none" : beex_isa_name((beex_isa)isa);
}

static int pack_has(beex_isa isa)
{
    return (int)isa >= 0 && isa < BEEX_ISA_COUNT && pack_table[isa] != NULL;
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
    if (isa == -1)
        isa = pack_pick();
    if (isa < 0 || pack_table[isa] == NULL || !beex_isa_available((beex_isa)isa, NULL))
        return BEEX_EUNSUPPORTED;
    pack_table[isa](x, rows, cols, ldx, c, bits, ldb, beta);
    return BEEX_OK;
}

int beex_pack_signs_rows(const float *x, size_t rows, size_t cols, size_t ldx, float c,
                         uint8_t *bits, size_t ldb, float *beta)
{
    return beex_pack_signs_rows_isa(-1, x, rows, cols, ldx, c, bits, ldb, beta);
}
