/* The fgemm family's variants, one line each: BEEX_FGEMM_VARIANT(ISA enum suffix, symbol), for
 * the exact fp32 products' ops tables (variants/<isa>/fgemm.c).
 * Included with BEEX_FGEMM_VARIANT defined: it declares the symbols, fills the dispatch
 * table (kernels/registry.h's pick order and `beex variants` read that table). A variant
 * whose BEEX_HAVE_<ISA> is 0 in this build is left out of the table by BEEX_IF_BUILT. */
BEEX_FGEMM_VARIANT(SCALAR, beex_fgemm_ops_scalar)
BEEX_FGEMM_VARIANT(AVX2, beex_fgemm_ops_avx2)
BEEX_FGEMM_VARIANT(AVX512, beex_fgemm_ops_avx512)
BEEX_FGEMM_VARIANT(NEON, beex_fgemm_ops_neon)
