/* The `beex sweep` pipeline end to end, from parsed options: load, trace (or reuse a trace,
 * or trace one shard and stop), replay, timed runs, result files and the printed summary; or,
 * with --trace-files, the same replay and files from another tool's traces (sweep_byo.c). */
#ifndef BEEX_APP_SWEEP_RUN_H
#define BEEX_APP_SWEEP_RUN_H

#include "harness/eval/sweep_table.h"
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
    /* --trace-files DEV TEST: beex-exit-trace/1 files (docs/traces.md) instead of a model and
     * a task; NULL: a model's sweep. */
    const char *trace_files[2];
    int calibrate_temperature; /* fit a temperature per exit on dev (trace files only) */
} beex_sweep_options;

/* Returns the exit status: 0, 1 on a runtime error or a timed run disagreeing with the
 * replay (the files are still written, so the disagreement can be inspected). */
int beex_sweep_run(const beex_sweep_options *o);

/* The same for --trace-files: no model, so no trace pass and no timed run. Returns 0, or 1
 * on a bad trace or a runtime error. */
int beex_sweep_byo_run(const beex_sweep_options *o);

/* Shared by both: the points whose histograms hist.csv shows (full depth, the timed points,
 * the chosen ones, each once; returns the count written to hist_idx, room for npts + 4), and
 * whether the folder `out` is `dir` or one of its parents (an --overwrite there would delete
 * the sweep's own inputs). */
int beex_sweep_hist_points(const beex_sweep_table *t, const int *pts, int npts, int *hist_idx);
int beex_sweep_out_holds(const char *out, const char *dir);

#endif
