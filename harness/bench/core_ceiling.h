/* The multi-core ceiling: the sum of each core's own single-thread speed (unequal on some
 * machines), what N threads could reach at best, so that thread scaling is read against it,
 * not against N. For the bound loops: a variant's bound loop (kernels/bound.h) pinned to each
 * allowed CPU in turn, and in N independent processes at once, one per CPU, started together.
 * For a kernel: below, its own calls pinned to each CPU, interleaved with its team's. */
#ifndef BEEX_BENCH_CORE_CEILING_H
#define BEEX_BENCH_CORE_CEILING_H

#include <stddef.h>

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

/* --- the ceiling of a kernel: its own single-thread speed on each core, against its team ---
 * The two-core ceiling of a kernel is the sum of its single-thread speeds on the cores, each
 * measured pinned to its core in the same run as the team (unequal cores make it less than
 * N times either). Rounds interleave the configurations (each CPU alone, then the team,
 * rotated by one each round), so that a machine that slows down for a while slows all of a
 * round alike, and each round gives its own ratio of the team to the ceiling. */

enum { BEEX_CEILING_MAX_CPUS = 64, BEEX_CEILING_MAX_ROUNDS = 10000 };

/* One call of the kernel under test on `threads` threads (1: on the calling thread, opening
 * no parallel region). Returns 0, or -1. */
typedef int (*beex_ceiling_call)(void *ctx, int threads);

/* `rounds` rounds: in each, one untimed and one timed call pinned alone to each of cpus[0..
 * ncpus) (the team's other threads parked off their CPUs: harness/base/run_alone.h), and one
 * untimed and one timed call on `threads` threads, the order rotated by one configuration
 * each round. cpu_seconds[r * ncpus + c] and team_seconds[r] receive the timed calls. Returns
 * 0, or -1 with err set. */
int beex_ceiling_measure(beex_ceiling_call call, void *ctx, const int *cpus, int ncpus, int threads,
                         int rounds, double *cpu_seconds, double *team_seconds, char *err,
                         size_t errlen);

typedef struct {
    int ncpus, threads, rounds;
    int counted;                            /* cores summed: min(threads, ncpus), the fastest */
    double cpu_rate[BEEX_CEILING_MAX_CPUS]; /* each CPU's median speed, work / s */
    double ceiling;                         /* median over the rounds of the round's ceiling */
    double team_rate;                       /* median over the rounds, work / s */
    double ratio, ratio_lo, ratio_hi;       /* team / ceiling: median, 2.5 and 97.5 % points */
    double target;
    int verdict; /* 1: ratio_lo >= target; -1: ratio_hi < target; 0: the interval spans it */
} beex_ceiling;

/* The ceiling from measured seconds (as beex_ceiling_measure lays them out) of calls doing
 * `work` units each: per round, the speeds of the `counted` fastest CPUs summed, and the team's
 * speed over that sum. Returns 0, or -1 on bad arguments or a time that is not positive. */
int beex_ceiling_summarise(double work, const double *cpu_seconds, const double *team_seconds,
                           int rounds, int ncpus, int threads, double target, beex_ceiling *out);

/* "yes", "no" or "unsure" for a verdict. */
const char *beex_ceiling_verdict_name(int verdict);

#endif
