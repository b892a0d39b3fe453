/* The int8 bound loops (kernels/ibound.h), one line per variant: BEEX_IBOUND_VARIANT(ISA enum
 * suffix, loop, int8 MACs per iteration, the instruction mix it issues, for the report).
 * Included with BEEX_IBOUND_VARIANT defined: it declares the loops and fills their tables. */
BEEX_IBOUND_VARIANT(SCALAR, beex_ibound_loop_scalar, 8,
                    "2x4 tile of 32-bit integer multiply + add on registers")
BEEX_IBOUND_VARIANT(AVX2, beex_ibound_loop_avx2, 8 * 16,
                    "8 chains (the 4x16 tile: 4 rows x 2 B registers) of 256-bit VPMADDWD + "
                    "VPADDD on registers")
BEEX_IBOUND_VARIANT(AVX512, beex_ibound_loop_avx512, 24 * 64,
                    "24 chains (the 6x64 tile: 6 rows x 4 B registers) of 512-bit VPDPBUSD on "
                    "registers")
BEEX_IBOUND_VARIANT(AVXVNNI, beex_ibound_loop_avxvnni, 12 * 32,
                    "12 chains (the 6x16 tile: 6 rows x 2 B registers) of 256-bit VEX VPDPBUSD "
                    "on registers")
BEEX_IBOUND_VARIANT(AMX, beex_ibound_loop_amx, 4 * 16 * 16 * 64,
                    "4 TDPBSSD in flight (2x2 C tiles of 16x16 int32 from 2 A and 2 B tiles of "
                    "16x64 bytes) on tile registers")
BEEX_IBOUND_VARIANT(NEON, beex_ibound_loop_neon, 16 * 16,
                    "16 chains (the 4x16 SDOT tile: 4 rows x 4 B registers) of 128-bit SDOT by "
                    "element on registers")
