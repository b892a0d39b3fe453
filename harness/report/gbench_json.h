/* Google Benchmark 1.7's JSON layout, shared by the `beex bench` commands: per-repetition
 * "iteration" rows, then the mean, median, stddev and cv aggregates, times in ns, the suite's
 * own counters beside them; and a document whose context holds beex's provenance plus the
 * fields GB writes (executable, caches, load_avg, cpu_scaling_enabled), so that GB's
 * compare.py and beex compare read it. */
#ifndef BEEX_REPORT_GBENCH_JSON_H
#define BEEX_REPORT_GBENCH_JSON_H

#include <jansson.h>

/* A counter: one value per repetition, or one run-wide value (per_rep NULL). NaN: null. */
typedef struct {
    const char *key;
    const double *per_rep;
    double value;
} beex_gb_counter;

typedef struct {
    const char *name;          /* run name, e.g. "train/mr21/w1a1/1" */
    int family_index;          /* GB numbers families in registration order */
    int instance_index;        /* per_family_instance_index */
    int threads, reps;         /* reps >= 1 */
    const double *seconds;     /* reps wall times of one repetition */
    double iterations;         /* per repetition: real_time = seconds / iterations, as Google
                                  Benchmark writes it (time per iteration) */
    const double *cpu_seconds; /* optional: CPU time of each repetition (NULL: the wall time) */
    const beex_gb_counter *counters;
    int ncounters;
    json_t *fields; /* optional: beex's own description keys copied into every row */
} beex_gb_run;

/* Appends the run's repetitions and (for reps >= 2) its four aggregates. 0 or -1. */
int beex_gb_append(json_t *benchmarks, const beex_gb_run *r);

/* {"context": beex_context_json() + GB's fields, "benchmarks": benchmarks} (a new reference;
 * benchmarks is borrowed), or NULL. */
json_t *beex_gb_document(json_t *benchmarks);
/* That document written atomically to path (the benchmark commands' --json). Returns 0, or -1
 * with err set. */
int beex_gb_write(json_t *benchmarks, const char *path, char *err, size_t errlen);

#endif
