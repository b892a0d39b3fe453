/* The machine's memory bandwidth: a STREAM-triad loop (a[i] = b[i] + s * c[i] over doubles)
 * on arrays much larger than the last-level cache, so that a kernel or a model can be read
 * against what memory delivers here. */
#ifndef BEEX_BENCH_STREAM_TRIAD_H
#define BEEX_BENCH_STREAM_TRIAD_H

#include <stddef.h>

#include "harness/base/timing.h"

typedef struct {
    size_t array_bytes; /* each of the three arrays */
    int threads, reps;
    beex_stats bytes_per_s; /* over the repetitions; STREAM counts 3 x 8 bytes per element */
    double best_bytes_per_s;
} beex_triad_result;

/* Array size for a last-level cache of llc_bytes (0: unknown): four times the cache, at
 * least 32 MiB, at most max_bytes. */
size_t beex_triad_array_bytes(size_t llc_bytes, size_t max_bytes);
/* Runs the triad on `threads` OpenMP threads (first touch by the same threads) for about
 * `seconds` after one warm-up pass, at least 3 repetitions. Returns 0, or -1 with err set. */
int beex_triad_measure(size_t array_bytes, int threads, double seconds, beex_triad_result *out,
                       char *err, size_t errlen);

#endif
