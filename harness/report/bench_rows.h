/* Named measurements read from any beex results file, for `beex compare` and `beex merge`:
 * repetition samples (seconds) and exact instruction counts, keyed by a benchmark name.
 * Understood: sweep.json ("timed" runs), Google Benchmark JSON {"benchmarks": [...]} as GB
 * and `beex bench gemm --json` write it (a benchmark's "iteration" entries, grouped by
 * run_name, are its samples, read in their time_unit; its median aggregate stands in only when
 * it has no iterations), and the perf gate's baseline ({"benchmarks": [{"name",
 * "instructions"}]}). */
#ifndef BEEX_REPORT_BENCH_ROWS_H
#define BEEX_REPORT_BENCH_ROWS_H

#include <jansson.h>
#include <stddef.h>

typedef struct {
    char *name;
    double *samples; /* seconds, one per repetition */
    size_t n;
    long long instructions; /* -1 when not measured */
} beex_bench_row;

typedef struct {
    beex_bench_row *rows;
    size_t n;
} beex_bench_set;

/* Returns 0, or -1 with err set (unreadable, not JSON, no known layout). */
int beex_bench_set_load(const char *path, beex_bench_set *out, char *err, size_t errlen);
int beex_bench_set_from_json(const json_t *doc, beex_bench_set *out, char *err, size_t errlen);
const beex_bench_row *beex_bench_set_find(const beex_bench_set *s, const char *name);
void beex_bench_set_free(beex_bench_set *s);

/* Seconds per unit of Google Benchmark's "time_unit" (NULL: its default, ns), or 0 for a unit
 * it does not write. */
double beex_time_unit_seconds(const char *unit);

#endif
