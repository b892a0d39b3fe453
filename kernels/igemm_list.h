/* The igemm family's variants, one line each: BEEX_IGEMM_VARIANT(ISA enum suffix, symbol), for
 * the int8 GEMM's ops tables (variants/<isa>/igemm.c).
 * Included with BEEX_IGEMM_VARIANT defined: it declares the symbols and fills the dispatch
 * table (kernels/registry.h's pick order and `beex variants` read that table). A variant
 * whose BEEX_HAVE_<ISA> is 0 in this build is left out of the table by BEEX_IF_BUILT; one
 * whose ops say something is missing at run time (avx512 without AVX512-VNNI, neon without
 * the dot product extension) is left out of the family on that CPU, and the pick falls back
 * to its parent (kernels/cpu.h). */
BEEX_IGEMM_VARIANT(SCALAR, beex_igemm_ops_scalar)
BEEX_IGEMM_VARIANT(AVX2, beex_igemm_ops_avx2)
BEEX_IGEMM_VARIANT(AVX512, beex_igemm_ops_avx512)
BEEX_IGEMM_VARIANT(AVXVNNI, beex_igemm_ops_avxvnni)
BEEX_IGEMM_VARIANT(AMX, beex_igemm_ops_amx)
BEEX_IGEMM_VARIANT(NEON, beex_igemm_ops_neon)
