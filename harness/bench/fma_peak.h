/* The machine's own fp32 limit: an in-register loop of independent multiply-add chains per
 * variant (no loads), so that a kernel's FLOP/s can be read as a fraction of what this core
 * issues. `beex machine run` measures the scalar loop and the widest vector one. */
#ifndef BEEX_BENCH_FMA_PEAK_H
#define BEEX_BENCH_FMA_PEAK_H

#include "kernels/cpu.h"

/* 1 when this build has an fp32 loop for isa and this CPU runs it (why: the reason if not). */
int beex_fma_peak_available(beex_isa isa, const char **why);
/* The loop's instruction mix, for the bundle. */
const char *beex_fma_peak_describe(beex_isa isa);
/* FLOP/s (2 per multiply-add) of the loop on the calling thread, run for about `seconds`.
 * Returns 0, or -1 when unavailable. */
int beex_fma_peak_measure(beex_isa isa, double seconds, double *flops_per_s);
/* The widest available variant other than scalar, or -1 when there is none. */
int beex_fma_peak_widest(void);

#endif
