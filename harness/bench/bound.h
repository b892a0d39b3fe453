/* The measured bound of each kernel variant: its bound loop (kernels/bound.h) timed in the
 * same run as the kernel, so that bound_ratio = kernel bMAC/s / loop bMAC/s cancels the VM's
 * clock drift. */
#ifndef BEEX_BENCH_BOUND_H
#define BEEX_BENCH_BOUND_H

#include <stdint.h>

#include "kernels/bound.h" /* the loops themselves */
#include "kernels/cpu.h"

/* Measured peak of variant `isa` on `threads` threads (each running the loop at once), in
 * bMAC/s, over `reps` runs of about `seconds` each: *median and *best (either may be NULL).
 * The benchmark sizes the runs like the kernel's own repetitions and compares median with
 * median and best with best, so that on a shared machine both sides see the same
 * interference. Returns 0, or -1 when the variant has no loop here or is unavailable. */
int beex_bound_measure(beex_isa isa, int threads, int reps, double seconds, double *median,
                       double *best);

/* A sentence describing the loop's instruction mix, for the report. */
const char *beex_bound_describe(beex_isa isa);

#endif
