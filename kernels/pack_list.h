/* The pack family's variants, one line each: BEEX_PACK_VARIANT(ISA enum suffix, symbol), for
 * sign packing's row functions (variants/<isa>/pack.c).
 * Included with BEEX_PACK_VARIANT defined: it declares the symbols, fills the dispatch
 * table (kernels/registry.h's pick order and `beex variants` read that table). A variant
 * whose BEEX_HAVE_<ISA> is 0 in this build is left out of the table by BEEX_IF_BUILT. */
BEEX_PACK_VARIANT(SCALAR, beex_pack_rows_scalar)
BEEX_PACK_VARIANT(AVX2, beex_pack_rows_avx2)
BEEX_PACK_VARIANT(AVX512, beex_pack_rows_avx512)
BEEX_PACK_VARIANT(NEON, beex_pack_rows_neon)
