/* The registry of operation families: one line per family. */
#include "kernels/registry.h"

static const beex_op_family *const families[] = {
    &beex_family_bgemm,       /* kernels/bgemm.c */
    &beex_family_pack,        /* kernels/pack.c */
    &beex_family_slfn,        /* kernels/elementwise_registry.c */
    &beex_family_elementwise, /* kernels/elementwise_registry.c */
    &beex_family_fgemm,       /* kernels/fgemm.c */
    &beex_family_igemm,       /* kernels/igemm.c */
};

size_t beex_op_families(const beex_op_family *const **out)
{
    size_t n = 0;
    while (n < sizeof families / sizeof families[0] && families[n] != NULL)
        n++;
    if (out != NULL)
        *out = families;
    return n;
}
