/* Times each variant's int8 bound loop (variants/<isa>/ibound.c) on a team of threads: the
 * same procedure as bound.c, on the int8 list. */
#include "harness/bench/ibound.h"

#include "harness/bench/loop_peak.h"
#include "kernels/igemm.h"

/* The loops and their descriptions, from kernels/ibound_list.h. */
static const beex_peak_loop_fn ibound_table[BEEX_ISA_COUNT] = {
#define BEEX_IBOUND_VARIANT(E, loop, macs, mix) BEEX_IF_BUILT(E, [BEEX_ISA_##E] = loop, )
#include "kernels/ibound_list.h"
#undef BEEX_IBOUND_VARIANT
};

static const char *const ibound_mix[BEEX_ISA_COUNT] = {
#define BEEX_IBOUND_VARIANT(E, loop, macs, mix) [BEEX_ISA_##E] = mix,
#include "kernels/ibound_list.h"
#undef BEEX_IBOUND_VARIANT
};

const char *beex_ibound_describe(beex_isa isa)
{
    if ((int)isa < 0 || isa >= BEEX_ISA_COUNT || ibound_mix[isa] == NULL)
        return "none";
    return ibound_mix[isa];
}

int beex_ibound_measure(beex_isa isa, int threads, int reps, double seconds, double *median,
                        double *best)
{
    if ((int)isa < 0 || isa >= BEEX_ISA_COUNT || ibound_table[isa] == NULL ||
        beex_igemm_missing(isa) != NULL || threads < 1 || reps < 1 || seconds <= 0.0)
        return -1;
    return beex_loop_peak(ibound_table[isa], threads, reps, seconds, 1u << 12, median, best);
}
