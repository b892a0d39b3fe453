/* The elementwise family's variants, one line each: BEEX_ELEMENTWISE_VARIANT(ISA enum suffix,
 * symbol), for LayerNorm and softmax ops tables (variants/<isa>/elementwise.c). Included with
 * BEEX_ELEMENTWISE_VARIANT defined: it declares the symbols, fills the dispatch table
 * (kernels/registry.h's pick order and `beex variants` read that table). A variant whose
 * BEEX_HAVE_<ISA> is 0 in this build is left out of the table by BEEX_IF_BUILT. */
BEEX_ELEMENTWISE_VARIANT(SCALAR, beex_elementwise_ops_scalar)
BEEX_ELEMENTWISE_VARIANT(AVX2, beex_elementwise_ops_avx2)
BEEX_ELEMENTWISE_VARIANT(AVX512, beex_elementwise_ops_avx512)
BEEX_ELEMENTWISE_VARIANT(NEON, beex_elementwise_ops_neon)
