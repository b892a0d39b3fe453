/* Round-robin timing of the cases one run compares (Google Benchmark's
 * --benchmark_enable_random_interleaving, one repetition of each case per round): every round
 * runs each case once, in an order drawn from the seed and the round number, so that a
 * machine's drift (clock, neighbours) falls on every case alike and ratios can be taken round
 * by round (docs/benchmarks.md). */
#ifndef BEEX_BENCH_INTERLEAVE_H
#define BEEX_BENCH_INTERLEAVE_H

#include <stdint.h>

/* order[0..n) = the cases of round `round` in the order they run: a Fisher-Yates shuffle of
 * 0..n-1 on the round's own random stream of `seed`, so a seed names the whole schedule. */
void beex_rr_order(uint64_t seed, int round, int n, int *order);

/* Runs case c's slot of round `round` and returns the seconds it timed (>= 0), or < 0 on an
 * error, which stops the run. */
typedef double (*beex_rr_slot)(void *ctx, int c, int round);

typedef struct {
    int n;                       /* cases, >= 1 */
    uint64_t seed;               /* of the orders */
    int min_rounds, max_rounds;  /* 1 <= min_rounds <= max_rounds */
    double min_seconds_per_case; /* rounds go on until the timed seconds of all cases together
                                  * reach n times this (and min_rounds are done) */
} beex_rr_plan;

/* Rounds of every case until the plan is met. Returns the number of rounds run, or -1 when a
 * slot failed. */
int beex_rr_run(const beex_rr_plan *p, beex_rr_slot slot, void *ctx);

#endif
