/* The pieces of `beex machine run` and `beex machine report`, one file each; machine_run.c
 * and machine_report.c call them. Calls go one way only: the pieces stand on the suite and
 * the plan, kernels and roofline read limits through machine_limits.c's lookups, the tables
 * read figures and warnings; no two files use each other. */
#ifndef BEEX_APP_MACHINE_MACHINE_INTERNAL_H
#define BEEX_APP_MACHINE_MACHINE_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "harness/bench/bgemm_bench.h"
#include "harness/eval/encode.h"
#include "harness/eval/sweep_table.h"
#include "harness/model/model.h"
#include "harness/text/dataset.h"
#include "kernels/cpu.h"

/* A number for the bundle: NaN and infinities (a ratio without its divisor) become null,
 * since JSON has no NaN and jansson refuses it. */
static inline json_t *beex_machine_num(double v)
{
    return v == v && v - v == 0.0 ? json_real(v) : json_null();
}

/* --- machine_suite.c: what is measured (bump BEEX_MACHINE_SUITE_VERSION when it changes) */
#define BEEX_MACHINE_BUNDLE_KIND "beex-machine-bundle"
#define BEEX_MACHINE_BUNDLE_VERSION 1
/* 2: w8a8 joined the model scenarios (issue 26) */
#define BEEX_MACHINE_SUITE_VERSION "2"
#define BEEX_MACHINE_REFERENCE_KIND "beex-machine-reference"
#define BEEX_MACHINE_REFERENCE_VERSION 1
#define BEEX_MACHINE_NSHAPES 6
#define BEEX_MACHINE_NBATCHES 3
#define BEEX_MACHINE_MAX_CPUS 256
#define BEEX_MACHINE_NPRECISIONS 4

/* The model scenarios' precisions, in table order: fp32, w8a8 (the int8 baseline), w1a32,
 * w1a1. */
extern const beex_precision beex_machine_precisions[BEEX_MACHINE_NPRECISIONS];

typedef struct {
    const char *family; /* "bert-base" or "small" */
    const char *what;   /* "attention projection", ... */
    beex_gemm_shape shape;
} beex_machine_shape;

extern const beex_machine_shape beex_machine_shapes[BEEX_MACHINE_NSHAPES];
extern const int beex_machine_batches[BEEX_MACHINE_NBATCHES];
/* Single-stream queries at least (MLPerf asks 1,024; --quick fewer). */
int beex_machine_min_queries(int quick);

/* Google Benchmark rows of a measurement with many repetitions (a thousand queries) would
 * make the bundle huge: at most BEEX_MACHINE_GB_REPS repetitions, each the sum of an equal
 * chunk of consecutive samples (GB's iterations = the chunk). Writes out[] (n or fewer) and
 * returns their count; *iterations receives the chunk. */
#define BEEX_MACHINE_GB_REPS 10
int beex_machine_gb_chunks(const double *samples, int n, double *out, double *iterations);
/* The coefficient of variation of those chunks (0 below two): how steady a measurement was,
 * robust to the tail a thousand single queries always have (their p99 reports that). */
double beex_machine_chunk_cv(const double *samples, int n);

/* Step names, one format for the plan and the pieces. */
void beex_machine_kernel_step(char *buf, size_t len, const char *op, const char *variant,
                              const beex_gemm_shape *s, int threads);
void beex_machine_model_step(char *buf, size_t len, const char *scenario, beex_precision p, int isa,
                             const char *depth, int threads, int batch);

/* The run's settled choices, shared by the pieces. */
typedef struct beex_machine_plan beex_machine_plan;
typedef struct {
    int variants[BEEX_ISA_COUNT], nvariants; /* measured variants, in pick order */
    int ncores;                              /* allowed cores: the largest team */
    int threads[2], nthreads;                /* 1 and ncores (once when equal) */
    int quick, emulated;
    double budget_scale; /* the test knob (1: a real run) */
    json_t *benchmarks;  /* Google Benchmark rows of the kernels and the model scenarios */
    int families;        /* GB family numbers handed out so far */
    beex_machine_plan *plan;
} beex_machine_ctx;

/* --- machine_plan.c: the measurement list, each step's share of the time budget, the ETA */
beex_machine_plan *beex_machine_plan_new(const beex_machine_ctx *c, int libxsmm);
void beex_machine_plan_free(beex_machine_plan *p);
/* Spreads `seconds` over the steps by their weights (scale: the test knob). */
void beex_machine_plan_budget(beex_machine_plan *p, double seconds, double scale);
/* The seconds step `name` may take; marks the previous step done and redraws the progress
 * line with the ETA on stderr. A name not in the plan gets one unit. */
double beex_machine_step(beex_machine_plan *p, const char *name);
void beex_machine_plan_finish(beex_machine_plan *p);
void beex_machine_plan_print(const beex_machine_plan *p, double fixed_seconds);
/* Planned and actual seconds per step, for the bundle. New reference. */
json_t *beex_machine_plan_json(const beex_machine_plan *p);

/* --- machine_system.c: the "system" section */
json_t *beex_machine_system_json(const double load_before[3]);

/* --- machine_limits.c: the "limits" section (bound loops, FMA, triad, per-core, ceiling) */
json_t *beex_machine_limits(beex_machine_ctx *c, char *err, size_t errlen);
/* The measured limit of a variant at a thread count from that section (NAN if none). */
double beex_machine_limit_bmacs(const json_t *limits, const char *variant, int threads);
double beex_machine_limit_flops(const json_t *limits, int threads);

/* --- machine_kernels.c: the "kernels" section (shapes x variants x threads, vs the limit) */
json_t *beex_machine_kernels(beex_machine_ctx *c, const json_t *limits, int libxsmm, char *err,
                             size_t errlen);

/* --- machine_accuracy.c: the reference record; `run` and `reference` both compute it here */
typedef struct {
    beex_model *model;
    beex_dataset ds;
    int ds_loaded;
    void *vocab; /* beex_vocab */
    beex_encoded test;
    int label_map[256], positive;
    char data_dir[4096], model_path[4096];
    int *selected_exit; /* per test example: exit block at the dev-selected point */
    json_t *record;     /* the reference-shaped record */
} beex_machine_eval;

/* Loads and checks model and task (nothing is traced yet). Returns 0, or -1 with err set. */
int beex_machine_eval_load(const char *model, const char *task, beex_machine_eval *ev, char *err,
                           size_t errlen);
/* Traces dev and test, replays the exit rules, fills selected_exit and record. */
int beex_machine_eval_run(beex_machine_eval *ev, char *err, size_t errlen);
void beex_machine_eval_free(beex_machine_eval *ev);
/* The differences between an expected and a measured record, as sentences (empty: equal).
 * New reference. */
json_t *beex_machine_reference_diff(const json_t *expected, const json_t *measured);
/* Reads a reference record and checks its kind. Returns NULL with err set. */
json_t *beex_machine_reference_read(const char *path, char *err, size_t errlen);

/* --- machine_model.c: the "model" section (single-stream and offline scenarios) */
json_t *beex_machine_model(beex_machine_ctx *c, const beex_machine_eval *ev, const json_t *limits,
                           char *err, size_t errlen);

/* --- machine_figures.c: a bundle's headline figures, read back for the report */
typedef struct {
    const char *path, *name;
    json_t *doc;
    const char *model_sha, *suite;
    int valid, emulated;
    double load_before, allowed_cores;
    double cv_median;          /* median coefficient of variation of the repetitions */
    double speedup_w1a1_fp32;  /* single-stream p50 fp32 / w1a1, best variant, 1 thread */
    double speedup_w1a1_w8a8;  /* the same, w8a8 / w1a1: is one bit worth it against int8? */
    double kernel_fraction;    /* geomean of the w1a1 kernels' fraction of their limit */
    double thread_eff_ceiling; /* bound team at N threads / sum of N processes */
    double kernel_eff_ceiling; /* BERT-base w1a1 kernels' speed-up over the ceiling's */
    double ss_p90_ms;          /* single-stream p90, w1a1, best variant, selected, 1 thread */
    double offline_eps;        /* offline examples/s, w1a1, best variant, selected, best batch */
    double joules_per_example; /* NAN when unavailable */
    double bmacs_limit, flops_limit, mem_bytes_per_s;
} beex_machine_figures;

/* Fills f from a bundle document (borrowed). Returns 0, or -1 when it is not a bundle. */
int beex_machine_figures_of(const json_t *doc, const char *path, beex_machine_figures *f);
/* The scored figures (higher is better) of a bundle as key -> value, for ratios. New ref. */
json_t *beex_machine_scores(const json_t *doc);
/* Geometric mean of n positive values (NAN if n == 0 or any is not positive). */
double beex_machine_geomean(const double *v, int n);

/* --- machine_warn.c: what makes a bundle's figures doubtful, as sentences */
#define BEEX_MACHINE_LOAD_PER_CORE 0.5
#define BEEX_MACHINE_NOISY_CV 0.10
json_t *beex_machine_warnings(const beex_machine_figures *f);

/* --- machine_roofline.c: per CPU, the roofline data file and its gnuplot script */
int beex_machine_roofline(const beex_machine_figures *f, int nf, const char *out_dir,
                          const char *plots_dir, json_t *notes, char *err, size_t errlen);

/* --- machine_tables.c: README.md, machines.tex and machines_bundles.csv of the groups */
typedef struct {
    char key[160]; /* model sha256 + suite version */
    int members[64], n;
    int ref; /* index into the figures of the reference machine */
} beex_machine_group;
int beex_machine_group_of(const beex_machine_figures *f, int nf, const char *reference_machine,
                          beex_machine_group *groups, int cap);
int beex_machine_write_tables(const beex_machine_figures *f, int nf, const beex_machine_group *g,
                              int ng, const json_t *notes, const char *out_dir, char *err,
                              size_t errlen);

#endif
