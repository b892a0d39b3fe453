/* The `beex sweep` pipeline end to end, from parsed options: load, trace (or reuse a trace,
 * or trace one shard and stop), replay, timed runs, result files and the printed summary. */
#ifndef BEEX_APP_SWEEP_RUN_H
#define BEEX_APP_SWEEP_RUN_H

#include "kernels/cpu.h"

#define BEEX_SWEEP_MAX_LIST 16
#define BEEX_SWEEP_MAX_POINTS 32

typedef struct {
    const char *model, *task, *out, *trace_dir;
    int precision; /* -1: the model's */
    int variants[BEEX_ISA_COUNT], n_variants;
    int threads[BEEX_SWEEP_MAX_LIST], n_threads; /* 0 entries: 1 and all cores */
    int batches[BEEX_SWEEP_MAX_LIST], n_batches; /* 0 entries: 1 and 32 */
    int reps, points, quick, no_timed, metric;   /* metric -1: the task's */
    int shard_i, shard_n;                        /* shard_n 0: no sharding */
    int resamples;                               /* bootstrap resamples */
    unsigned long long seed;                     /* bootstrap seed */
    const char *positive;                        /* NULL: the usual rule */
    int overwrite;                               /* replace an earlier run */
    int trace_threads; /* threads of the trace pass; 0: one per allowed core */
    char variants_arg[128], threads_arg[128], batches_arg[128]; /* as requested */
} beex_sweep_options;

/* Returns the exit status: 0, 1 on a runtime error or a timed run disagreeing with the
 * replay (the files are still written, so the disagreement can be inspected). */
int beex_sweep_run(const beex_sweep_options *o);

#endif
