/* The bgemm family's variants, one line each: BEEX_BGEMM_VARIANT(ISA enum suffix, symbol), for
 * the binary GEMM's ops tables (variants/<isa>/bgemm.c).
 * Included with BEEX_BGEMM_VARIANT defined: it declares the symbols, fills the dispatch
 * table (kernels/registry.h's pick order and `beex variants` read that table). A variant
 * whose BEEX_HAVE_<ISA> is 0 in this build is left out of the table by BEEX_IF_BUILT. */
BEEX_BGEMM_VARIANT(SCALAR, beex_bgemm_ops_scalar)
BEEX_BGEMM_VARIANT(AVX2, beex_bgemm_ops_avx2)
BEEX_BGEMM_VARIANT(AVX512, beex_bgemm_ops_avx512)
BEEX_BGEMM_VARIANT(AVXVNNI, beex_bgemm_ops_avxvnni)
BEEX_BGEMM_VARIANT(AMX, beex_bgemm_ops_amx)
BEEX_BGEMM_VARIANT(NEON, beex_bgemm_ops_neon)
