/* The list of operation families and, for each, which variants it has and which one it uses
 * now (what `beex variants` prints). A family's table is filled from its list
 * (kernels/<family>_list.h) and picks through beex_isa_pick; this registry only describes
 * the families. */
#ifndef BEEX_KERNELS_REGISTRY_H
#define BEEX_KERNELS_REGISTRY_H

#include <stddef.h>

#include "kernels/cpu.h"

typedef struct {
    const char *name;             /* "bgemm", "pack", ... */
    const char *description;      /* one line */
    int (*has)(beex_isa isa);     /* 1 when the family's table has an entry for isa */
    const char *(*variant)(void); /* variant in use now, or "none" */
} beex_op_family;

/* Families known to this program, in a fixed order. Returns how many; *out points at them. */
size_t beex_op_families(const beex_op_family *const **out);

/* The families (kernels/bgemm.c, kernels/pack.c, kernels/elementwise_registry.c,
 * kernels/fgemm.c, kernels/igemm.c); a new family is declared here and takes one line in
 * registry.c. */
extern const beex_op_family beex_family_bgemm;
extern const beex_op_family beex_family_pack;
extern const beex_op_family beex_family_slfn;
extern const beex_op_family beex_family_elementwise;
extern const beex_op_family beex_family_fgemm;
extern const beex_op_family beex_family_igemm;

#endif
