/* Times each variant's int8 bound loop (variants/<isa>/ibound.c) on a team of threads: the
 * same procedure as bound.c, on the int8 list. */
#include "harness/bench/ibound.h"

#include <omp.h>
#include <stdlib.h>

#include "harness/base/timing.h"
#include "kernels/igemm.h"

typedef uint64_t (*ibound_loop_fn)(uint64_t iters, uint64_t *sink);

/* The loops and their descriptions, from kernels/ibound_list.h. */
static const ibound_loop_fn ibound_table[BEEX_ISA_COUNT] = {
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Every thread runs the loop at once; the team's MACs over the wall time of the region. */
static double run_team(ibound_loop_fn fn, int threads, uint64_t iters)
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

int beex_ibound_measure(beex_isa isa, int threads, int reps, double seconds, double *median,
                        double *best)
{
    if ((int)isa < 0 || isa >= BEEX_ISA_COUNT || ibound_table[isa] == NULL ||
        beex_igemm_missing(isa) != NULL || threads < 1 || reps < 1 || seconds <= 0.0)
        return -1;
    ibound_loop_fn fn = ibound_table[isa];
    /* Calibrate on one thread: iterations per second of the loop. */
    uint64_t sink = 0, probe = 1u << 12;
    double t0 = beex_now_seconds();
    uint64_t macs = fn(probe, &sink);
    double dt = beex_now_seconds() - t0;
    double per_iter = (double)macs / (double)probe;
    double rate = dt > 0.0 ? (double)macs / dt : 1e12;
    uint64_t iters = (uint64_t)(seconds * rate / per_iter) + 1;
    double *samples = malloc((size_t)reps * sizeof *samples);
    if (samples == NULL || per_iter <= 0.0) {
        free(samples);
        return -1;
    }
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
