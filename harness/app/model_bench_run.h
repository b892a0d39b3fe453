/* `beex bench model` end to end, from parsed options: per shape a seeded random model and
 * random token ids; per batch size every precision x variant x threads timed interleaved,
 * round by round (bench/model_bench.h); with --breakdown each case's profiled passes beside
 * their floors; the w1a1 / fp32 speed ratios, thread scaling and the compaction experiment
 * with per-round intervals; and the Google Benchmark JSON document (docs/benchmarks.md). */
#ifndef BEEX_APP_MODEL_BENCH_RUN_H
#define BEEX_APP_MODEL_BENCH_RUN_H

#define BEEX_MODEL_BENCH_MAX_LIST 16

typedef struct {
    int v[BEEX_MODEL_BENCH_MAX_LIST];
    int n;
} beex_model_bench_list;

typedef struct {
    int shapes[2], nshapes;                                       /* 0 small, 1 bert-base */
    beex_model_bench_list precisions, variants, threads, batches; /* threads n = 0: 1 and all */
    beex_model_bench_list compaction_precisions; /* n = 0: the same as precisions */
    int variants_auto; /* no --variants: all for small, the best for bert-base */
    int parallel_both, parallel_only_examples, tokens, min_reps, max_reps, compaction_batch, seed;
    double min_time;
    int slot_warmup;      /* -1 auto, 0, 1 (bench/model_bench.h, beex_mb_group) */
    int breakdown;        /* 1: profiled passes per case, each class beside its floor */
    int breakdown_passes; /* profiled passes per case (>= 1) */
    const char *json;
} beex_model_bench_options;

/* Runs every shape; threads beyond the cores this process may use are measured at that
 * count (o->threads is settled in place). Returns the exit status: 0, or 1 on an error. */
int beex_model_bench_run(beex_model_bench_options *o);

#endif
