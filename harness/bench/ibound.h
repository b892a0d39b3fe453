/* The measured int8 bound of each igemm variant: its int8 bound loop (kernels/ibound.h) timed
 * in the same run as the kernel, so that bound_ratio = kernel MAC/s / loop MAC/s cancels the
 * VM's clock drift, as bound.h does for the binary GEMMs. An int8 MAC is one multiply and one
 * add of an int8 product into its int32 sum (2 ops). */
#ifndef BEEX_BENCH_IBOUND_H
#define BEEX_BENCH_IBOUND_H

#include "kernels/cpu.h"
#include "kernels/ibound.h" /* the loops themselves */

/* Measured peak of variant `isa`'s int8 loop on `threads` threads (each running it at once),
 * in int8 MAC/s, over `reps` runs of about `seconds` each: *median and *best (either may be
 * NULL). Returns 0, or -1 when the variant has no loop in this build or its int8 code does
 * not run here (beex_igemm_missing). */
int beex_ibound_measure(beex_isa isa, int threads, int reps, double seconds, double *median,
                        double *best);

/* A sentence describing the loop's instruction mix, for the report ("none" without a loop). */
const char *beex_ibound_describe(beex_isa isa);

#endif
