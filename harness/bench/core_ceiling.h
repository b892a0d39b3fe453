/* The multi-core ceiling: a variant's bound loop (kernels/bound.h) pinned to each allowed CPU
 * in turn (each core's own single-thread speed, unequal on some machines), and in N
 * independent processes at once, one per CPU, started together; the sum of their rates is
 * what N threads could reach at best, so thread scaling is read against it, not against N. */
#ifndef BEEX_BENCH_CORE_CEILING_H
#define BEEX_BENCH_CORE_CEILING_H

#include "kernels/cpu.h"

/* The bound loop on the calling thread for about `seconds` (no OpenMP, so that it runs as is
 * in a forked child). Returns bMAC/s, or -1 when the variant has no loop or is unavailable. */
double beex_bound_rate_here(beex_isa isa, double seconds);

/* rates[i] = the loop pinned to CPU cpus[i] (the OS's numbering), one after the other, for
 * about `seconds` each; the calling thread's CPU mask is restored afterwards. Returns 0, or
 * -1 with err set. */
int beex_bound_per_cpu(beex_isa isa, const int *cpus, int n, double seconds, double *rates,
                       char *err, size_t errlen);

/* n forked processes, child i pinned to cpus[i], released together through a pipe once all
 * are calibrated, each running the loop for about `seconds`: rates[i] is child i's bMAC/s.
 * Returns 0, or -1 with err set (a child failed or died). */
int beex_bound_processes(beex_isa isa, const int *cpus, int n, double seconds, double *rates,
                         char *err, size_t errlen);

#endif
