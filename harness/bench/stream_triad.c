/* STREAM's triad as McCalpin defines it (bytes = 3 arrays x 8 bytes per element, the write
 * allocate not counted), with OpenMP static scheduling so every thread touches the pages it
 * later streams (first touch places them on its NUMA node). */
#include "harness/bench/stream_triad.h"

#include <stdio.h>
#include <stdlib.h>

size_t beex_triad_array_bytes(size_t llc_bytes, size_t max_bytes)
{
    size_t want = 4 * llc_bytes, floor = (size_t)32 << 20;
    if (want < floor)
        want = floor;
    if (max_bytes > 0 && want > max_bytes)
        want = max_bytes;
    return want;
}

static double triad_pass(double *a, const double *b, const double *c, long n, int threads)
{
    const double s = 3.0;
    double t0 = beex_now_seconds();
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
    return beex_now_seconds() - t0;
}

int beex_triad_measure(size_t array_bytes, int threads, double seconds, beex_triad_result *out,
                       char *err, size_t errlen)
{
    long n = (long)(array_bytes / sizeof(double));
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    double *c = malloc((size_t)n * sizeof *c);
    enum { MAX_REPS = 1000 };
    double *samples = malloc(MAX_REPS * sizeof *samples);
    int rc = -1;
    if (a == NULL || b == NULL || c == NULL || samples == NULL || n < 1 || threads < 1) {
        snprintf(err, errlen, "out of memory for three arrays of %zu bytes", array_bytes);
        goto done;
    }
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long i = 0; i < n; i++)
        a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
    double bytes = 3.0 * (double)n * sizeof(double);
    double first = triad_pass(a, b, c, n, threads); /* warm-up: page faults, frequency */
    int reps = first > 0.0 ? (int)(seconds / first) : 3;
    reps = reps < 3 ? 3 : reps > MAX_REPS ? MAX_REPS : reps;
    for (int r = 0; r < reps; r++) {
        double t = triad_pass(a, b, c, n, threads);
        samples[r] = t > 0.0 ? bytes / t : 0.0;
    }
    if (a[n / 2] != 1.0 + 3.0 * 2.0) {
        snprintf(err, errlen, "the triad computed a wrong value");
        goto done;
    }
    out->array_bytes = (size_t)n * sizeof(double);
    out->threads = threads;
    out->reps = reps;
    out->bytes_per_s = beex_stats_of(samples, (size_t)reps);
    out->best_bytes_per_s = out->bytes_per_s.max;
    rc = 0;
done:
    free(a), free(b), free(c), free(samples);
    return rc;
}
