/* The registry of operation families: one line per family. */
#include "kernels/registry.h"

/* The SLFN family lives in another room and may be absent from a kernels-only build. */
#pragma weak beex_family_slfn

/* Optional (weak) families come last so that a missing one simply shortens the list. */
static const beex_op_family *const families[] = {
    &beex_family_bgemm,
    &beex_family_pack,
    &beex_family_slfn,
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
