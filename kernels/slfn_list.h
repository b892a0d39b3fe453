/* The slfn family's variants, one line each: BEEX_SLFN_VARIANT(ISA enum suffix, symbol), for
 * the SLFN gates' ops tables (variants/<isa>/slfn.c).
 * Included with BEEX_SLFN_VARIANT defined: it declares the symbols, fills the dispatch
 * table (kernels/registry.h's pick order and `beex variants` read that table). A variant
 * whose BEEX_HAVE_<ISA> is 0 in this build is left out of the table by BEEX_IF_BUILT. */
BEEX_SLFN_VARIANT(SCALAR, beex_slfn_ops_scalar)
BEEX_SLFN_VARIANT(AVX2, beex_slfn_ops_avx2)
BEEX_SLFN_VARIANT(AVX512, beex_slfn_ops_avx512)
BEEX_SLFN_VARIANT(NEON, beex_slfn_ops_neon)
