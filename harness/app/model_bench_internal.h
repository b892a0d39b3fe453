/* Private to `beex bench model`'s run, shared by its three files: model_bench_run.c (inputs,
 * timing, Google Benchmark rows, the document), model_bench_breakdown.c (--breakdown) and
 * model_bench_ratios.c (the ratios with their per-round intervals, the compaction
 * experiment). */
#ifndef BEEX_APP_MODEL_BENCH_INTERNAL_H
#define BEEX_APP_MODEL_BENCH_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "harness/app/model_bench_run.h"
#include "harness/bench/model_bench.h"
#include "harness/bench/model_breakdown.h"
#include "harness/report/gbench_json.h"
#include "kernels/cpu.h"

#define MAXL BEEX_MODEL_BENCH_MAX_LIST

typedef beex_model_bench_options options;
typedef beex_model_bench_list int_list;

/* Results of one shape, indexed [precision][variant][threads idx][batch idx][parallel]: each
 * case's samples in round order (reps 0: not measured) and its breakdown (or NULL). */
typedef struct {
    beex_mb_result r[BEEX_PREC_COUNT][BEEX_ISA_COUNT][MAXL][MAXL][2];
    beex_model_breakdown *bd[BEEX_PREC_COUNT][BEEX_ISA_COUNT][MAXL][MAXL][2];
} table;

#define CELL(tab, p, isa, t, b, par) (&(tab)->r[p][isa][t][b][par])

/* One shape's inputs: its seeded random model, nex examples of T random token ids (twice the
 * largest batch), the caps of the compaction experiment, the engines (made once), and the
 * table of measured figures. */
typedef struct {
    beex_config cfg;
    const char *name;
    int shape;
    beex_model *m;
    int32_t **ids;
    int *lens, *cap;
    int nex, T;
    beex_mb_pool *pool;
    table *tab;
} shape_inputs;

static inline beex_mb_inputs inputs_of(const shape_inputs *si)
{
    beex_mb_inputs in = {(const int32_t *const *)si->ids, si->lens, si->nex};
    return in;
}

/* The table's case at these indices, as a beex_mb_case. */
static inline beex_mb_case case_at(const options *o, int prec, int isa, int t, int b, int par)
{
    beex_mb_case c = {(beex_precision)prec,  isa,         o->threads.v[t], o->batches.v[b],
                      (beex_mb_parallel)par, o->min_time, o->min_reps,     o->max_reps};
    return c;
}

/* model_bench_run.c: one measured case as Google Benchmark rows (with the breakdown's
 * counters when bd is not NULL); the seed of a group's order. */
int beex_mbr_case_rows(json_t *rows, const char *shape, const beex_mb_case *c, int tokens,
                       const char *tag, const beex_mb_result *r, const beex_model_breakdown *bd);
uint64_t beex_mbr_group_seed(const options *o, int shape, int group);

/* model_bench_breakdown.c: the breakdown's counters and fields of a case's rows
 * (docs/benchmarks.md): per class "bd_<class>_ms" and "bd_<class>_floor_ms" (counters) and
 * "bd_<class>_bound" (a field); the pass as "bd_other_ms", "bd_classes_ms", "bd_profiled_ms",
 * "bd_floor_ms", "bd_efficiency". */
enum { BD_COUNTERS = 2 * BEEX_OP_CLASSES + 5 };
typedef struct {
    char keys[BD_COUNTERS][40];
    beex_gb_counter c[BD_COUNTERS];
} beex_mbr_bd_counters;
/* Fills k and fields; returns the counters written, or -1. */
int beex_mbr_bd_counters_of(const beex_model_breakdown *bd, beex_mbr_bd_counters *k,
                            json_t *fields);
/* --breakdown over every measured case of the shape, into si's table and `out`. */
int beex_mbr_breakdown(const options *o, shape_inputs *si, json_t *out);

/* model_bench_ratios.c: w1a1 and w1a32 over fp32, thread scaling, the compaction experiment,
 * each ratio with its per-round interval; and how many intervals supported no claim. */
void beex_mbr_report_ratios(const options *o, const shape_inputs *si, json_t *ratios);
void beex_mbr_report_scaling(const options *o, const shape_inputs *si, json_t *out);
int beex_mbr_time_compaction(const options *o, shape_inputs *si, json_t *benchmarks,
                             json_t *compaction);
void beex_mbr_wide_ratios(int *wide, int *all);

#endif
