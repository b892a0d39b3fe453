/* Timing an in-register loop on a team (loop_peak.h). */
#include "harness/bench/loop_peak.h"

#include <omp.h>
#include <stdlib.h>

#include "harness/base/timing.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Every thread runs the loop at once; the team's work over the wall time of the region. */
static double run_team(beex_peak_loop_fn fn, int threads, uint64_t iters)
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

int beex_loop_peak(beex_peak_loop_fn fn, int threads, int reps, double seconds, uint64_t probe,
                   double *median, double *best)
{
    if (fn == NULL || threads < 1 || reps < 1 || !(seconds > 0.0) || probe == 0)
        return -1;
    /* Calibrate on one thread: work per iteration and per second of the loop. */
    uint64_t sink = 0;
    double t0 = beex_now_seconds();
    uint64_t work = fn(probe, &sink);
    double dt = beex_now_seconds() - t0;
    double per_iter = (double)work / (double)probe;
    double rate = dt > 0.0 ? (double)work / dt : 1e12;
    if (!(per_iter > 0.0))
        return -1;
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
