/* The peak of an in-register loop on a team of threads: what the binary and int8 bound loops
 * (harness/bench/bound.c, ibound.c) are both measured with, so that a kernel's bound_ratio
 * means the same in either family. */
#ifndef BEEX_BENCH_LOOP_PEAK_H
#define BEEX_BENCH_LOOP_PEAK_H

#include <stdint.h>

/* Runs `iters` iterations and returns the work units (bMACs, int8 MACs) they stand for; *sink
 * receives a value that depends on every accumulator. */
typedef uint64_t (*beex_peak_loop_fn)(uint64_t iters, uint64_t *sink);

/* Work units per second of fn run by `threads` threads at once, over `reps` runs of about
 * `seconds` each (sized from a one-thread probe of `probe` iterations): *median and *best
 * (either may be NULL). Returns 0, or -1 on a bad argument or no memory. */
int beex_loop_peak(beex_peak_loop_fn fn, int threads, int reps, double seconds, uint64_t probe,
                   double *median, double *best);

#endif
