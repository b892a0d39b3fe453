/* Times each variant's in-register bound loop (variants/<isa>/bound.c) on a team of threads. */
#include "harness/bench/bound.h"

#include "harness/bench/loop_peak.h"

/* The loops and their descriptions, from kernels/bound_list.h. */
static const beex_peak_loop_fn bound_table[BEEX_ISA_COUNT] = {
#define BEEX_BOUND_VARIANT(E, loop, mix) BEEX_IF_BUILT(E, [BEEX_ISA_##E] = loop, )
#include "kernels/bound_list.h"
#undef BEEX_BOUND_VARIANT
};

static const char *const bound_mix[BEEX_ISA_COUNT] = {
#define BEEX_BOUND_VARIANT(E, loop, mix) [BEEX_ISA_##E] = mix,
#include "kernels/bound_list.h"
#undef BEEX_BOUND_VARIANT
};

const char *beex_bound_describe(beex_isa isa)
{
    if ((int)isa < 0 || isa >= BEEX_ISA_COUNT || bound_mix[isa] == NULL)
        return "none";
    return bound_mix[isa];
}

int beex_bound_measure(beex_isa isa, int threads, int reps, double seconds, double *median,
                       double *best)
{
    if ((int)isa < 0 || isa >= BEEX_ISA_COUNT || bound_table[isa] == NULL ||
        !beex_isa_available(isa, NULL) || threads < 1 || reps < 1 || seconds <= 0.0)
        return -1;
    return beex_loop_peak(bound_table[isa], threads, reps, seconds, 1u << 14, median, best);
}
