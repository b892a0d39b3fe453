/* Times each variant's in-register bound loop (variants/<isa>/bound.c) on a team of threads. */
#include "harness/bench/bound.h"

#include <omp.h>
#include <stdlib.h>

#include "harness/base/timing.h"

typedef uint64_t (*bound_loop_fn)(uint64_t iters, uint64_t *sink);

/* The loops and their descriptions, from kernels/bound_list.h. */
static const bound_loop_fn bound_table[BEEX_ISA_COUNT] = {
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Every thread runs the loop at once; the team's bMACs over the wall time of the region. */
static double run_team(bound_loop_fn fn, int threads, uint64_t iters)
{
    uint64_t total = 0, sink = 0;
    double t0 = beex_now_seconds();
#pragma omp parallel num_threads(threads) reduction(+ : total, sink)
    {
        uint64_t s = 0;
        total += fn(iters, &s);
        sink += s;
    }
    double t = beex_now_seconds() - t0;
    if (sink == 42) /* depends on the loop's result, so nothing can be optimised away */
        t += 1e-12;
    return t > 0.0 ? (double)total / t : -1.0;
}

int beex_bound_measure(beex_isa isa, int threads, int reps, double seconds, double *median,
                       double *best)
{
    if ((int)isa < 0 || isa >= BEEX_ISA_COUNT || bound_table[isa] == NULL ||
        !beex_isa_available(isa, NULL) || threads < 1 || reps < 1 || seconds <= 0.0)
        return -1;
    bound_loop_fn fn = bound_table[isa];
    /* Calibrate on one thread: iterations per second of the loop. */
    uint64_t sink = 0, probe = 1u << 14;
    double t0 = beex_now_seconds();
    uint64_t bmac = fn(probe, &sink);
    double dt = beex_now_seconds() - t0;
    double per_iter = (double)bmac / (double)probe;
    double rate = dt > 0.0 ? (double)bmac / dt : 1e12;
    uint64_t iters = (uint64_t)(seconds * rate / per_iter) + 1;
    double *samples = malloc((size_t)reps * sizeof *samples);
    if (samples == NULL)
        return -1;
    for (int r = 0; r < reps; r++)
        samples[r] = run_team(fn, threads, iters);
    qsort(samples, (size_t)reps, sizeof *samples, cmp_double);
    if (median != NULL)
        *median = samples[reps / 2];
    if (best != NULL)
        *best = samples[reps - 1];
    free(samples);
    return 0;
}
