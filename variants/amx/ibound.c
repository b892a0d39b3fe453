/* The AMX int8 bound: 4 TDPBSSD in flight, the 2 x 2 C tiles (tmm0-3) of igemm.c's micro-kernel
 * fed by 2 A tiles (tmm4-5) and 2 B tiles (tmm6-7), all 16 rows x 64 bytes, on tile registers
 * only (zeroed once; TDPBSSD's speed does not depend on the values). Each TDPBSSD is
 * 16 x 16 x 64 int8 multiply-accumulates. */
#include <immintrin.h>
#include <stddef.h>

#include "kernels/ibound.h"

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

uint64_t beex_ibound_loop_amx(uint64_t iters, uint64_t *sink)
{
    _Alignas(64) int32_t c[16 * 16];
    _tile_loadconfig(&config);
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    _tile_zero(4);
    _tile_zero(5);
    _tile_zero(6);
    _tile_zero(7);
    for (uint64_t it = 0; it < iters; it++) {
        _tile_dpbssd(0, 4, 6);
        _tile_dpbssd(1, 4, 7);
        _tile_dpbssd(2, 5, 6);
        _tile_dpbssd(3, 5, 7);
    }
    _tile_stored(0, c, 64);
    _tile_release();
    uint64_t t = 0;
    for (int i = 0; i < 16 * 16; i++)
        t += (uint32_t)c[i];
    *sink = t;
    return iters * 4u * 16u * 16u * 64u;
}
