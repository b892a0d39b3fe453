/* The bound loops (kernels/bound.h), one line per variant: BEEX_BOUND_VARIANT(ISA enum suffix,
 * loop, the instruction mix it issues, for the report). Included with BEEX_BOUND_VARIANT
 * defined: it declares the loops and fills harness/bench/bound.c's table. */
BEEX_BOUND_VARIANT(SCALAR, beex_bound_loop_scalar,
                   "2x4 tile of 64-bit XOR + POPCNT + ADD on registers")
BEEX_BOUND_VARIANT(AVX2, beex_bound_loop_avx2,
                   "8 chains (the 4x8 tile: 4 rows x 2 B registers) of 256-bit XOR, 2 AND, "
                   "shift, 2 VPSHUFB, 2 byte ADD on registers")
BEEX_BOUND_VARIANT(AVX512, beex_bound_loop_avx512,
                   "24 chains (the 6x32 tile: 6 rows x 4 B registers) of 512-bit VPXORQ + "
                   "VPOPCNTQ + VPADDQ on registers")
BEEX_BOUND_VARIANT(AVXVNNI, beex_bound_loop_avxvnni,
                   "12 chains (the 6x16 tile: 6 rows x 2 B registers) of 256-bit VEX VPDPBUSD "
                   "on registers, 0/1 activation bytes x +-1 weight bytes: 1 bMAC per byte MAC")
BEEX_BOUND_VARIANT(AMX, beex_bound_loop_amx,
                   "4 TDPBSSD in flight (2x2 C tiles of 16x16 int32 from 2 A and 2 B tiles of "
                   "16x64 bytes) on tile registers, 0/1 x +-1 bytes: 1 bMAC per byte MAC")
BEEX_BOUND_VARIANT(NEON, beex_bound_loop_neon, "4x4 tile of 128-bit EOR + CNT + ADD on registers")
