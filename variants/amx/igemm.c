/* AMX-INT8 GEMM (Sapphire Rapids and later): TDPBSSD, signed x signed bytes into int32 tiles.
 *
 * Every tile is 16 rows x 64 bytes (one static configuration, palette 1): A tiles are 16 rows
 * of 64 k of the driver's int8 rows (stride kpad), B tiles are 16 k-groups of 4 k of a
 * 16-column panel, which is exactly the VNNI layout (kg = 4, nr = 16: rows of 64 bytes), and
 * C tiles 16 x 16 int32. k is padded with zeros to a multiple of 64 in both operands, rows to a
 * multiple of 16 (the driver's scratch), columns to 16 (the panels): every tile is full and
 * the padding adds zeros. Up to 2 x 2 C tiles (32 rows x 32 columns) are in flight, tmm0-3,
 * fed by A in tmm4-5 and B in tmm6-7. The sums go through memory to the shared write-back.
 * The tiles are released at the end of each call. The quantizers are avx512's.
 *
 * GCC 12's _tile_loadd has no memory operand: it is only ever given memory that no code of
 * this function writes (the driver's packed A, the panels), and the configuration is a
 * constant, so no store can be reordered past a tile load. */
#include <immintrin.h>
#include <stddef.h>

#include "kernels/igemm_variant.h"

enum { MR = 16, NR = 16, KB = 64 };

static void layout(size_t k, beex_igemm_layout *out)
{
    (void)k;
    *out =
        (beex_igemm_layout){.mr = MR, .nr = NR, .kg = 4, .kalign = KB, .a_mode = BEEX_IGEMM_A_INT8};
}

/* The 64-byte LDTILECFG operand: palette 1, tiles 0-7 all 16 rows x 64 bytes. */
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;
_Static_assert(sizeof(tile_config) == 64 && offsetof(tile_config, colsb) == 16 &&
                   offsetof(tile_config, rows) == 48,
               "LDTILECFG's 64-byte layout");

static const _Alignas(64) tile_config config = {
    .palette = 1,
    .colsb = {64, 64, 64, 64, 64, 64, 64, 64},
    .rows = {16, 16, 16, 16, 16, 16, 16, 16},
};

/* Rows i.. (nm row tiles of 16) x panels p.. (np of 16 columns); c[t] holds C tile t as
 * 16 x 16 int32: t = 2 * row tile + panel. */
static void tiles(const beex_igemm_job *job, size_t i, size_t p, int nm, int np,
                  int32_t c[4][16 * 16])
{
    const beex_imatrix *w = job->w;
    size_t as = job->a_stride, kblocks = w->kpad / KB;
    const uint8_t *a0 = job->a + i * as, *a1 = a0 + 16 * as;
    const int8_t *b0 = beex_igemm_panel(w, p), *b1 = np > 1 ? beex_igemm_panel(w, p + 1) : b0;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (size_t kb = 0; kb < kblocks; kb++) {
        _tile_loadd(4, a0 + kb * KB, as);
        _tile_loadd(6, b0 + kb * 16 * 64, 64);
        _tile_dpbssd(0, 4, 6);
        if (np > 1) {
            _tile_loadd(7, b1 + kb * 16 * 64, 64);
            _tile_dpbssd(1, 4, 7);
        }
        if (nm > 1) {
            _tile_loadd(5, a1 + kb * KB, as);
            _tile_dpbssd(2, 5, 6);
            if (np > 1)
                _tile_dpbssd(3, 5, 7);
        }
    }
    _tile_stored(0, c[0], 64);
    if (np > 1)
        _tile_stored(1, c[1], 64);
    if (nm > 1)
        _tile_stored(2, c[2], 64);
    if (nm > 1 && np > 1)
        _tile_stored(3, c[3], 64);
}

static void block(const beex_igemm_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    _Alignas(64) int32_t c[4][16 * 16];
    _tile_loadconfig(&config);
    for (size_t p = p0; p < p1; p += 2) {
        int np = p1 - p >= 2 ? 2 : 1;
        for (size_t i = i0; i < i1; i += 2 * MR) {
            int nm = i1 - i > MR ? 2 : 1;
            tiles(job, i, p, nm, np, c);
            for (int t = 0; t < 4; t++)
                if (t / 2 < nm && t % 2 < np)
                    beex_igemm_store_tile(job, i + (size_t)(t / 2) * MR, (p + (size_t)(t % 2)) * NR,
                                          MR, NR, c[t], 16);
        }
    }
    _tile_release();
}

const beex_igemm_ops beex_igemm_ops_amx = {.layout = layout, .block = block};
