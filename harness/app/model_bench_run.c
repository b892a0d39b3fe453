/* The model benchmark's run: for each shape, inputs, then timing, then reporting (see
 * model_bench_run.h). Every timed case becomes Google Benchmark rows as it is measured. */
#include "harness/app/model_bench_run.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/atomic_file.h"
#include "harness/base/threads.h"
#include "harness/bench/model_bench.h"
#include "harness/model/engine.h"
#include "harness/model/forward_fp32.h"
#include "harness/report/gbench_json.h"
#include "kernels/cpu.h"

#define MAXL BEEX_MODEL_BENCH_MAX_LIST

typedef beex_model_bench_options options;
typedef beex_model_bench_list int_list;

static const char *shape_names[2] = {"small", "bert-base"};

static beex_config shape_config(int shape)
{
    beex_config c;
    beex_config_preset(shape_names[shape], &c);
    return c;
}

/* Google Benchmark numbers families (here: shape x precision x variant x parallel mode x
 * experiment) in the order they are first measured, and the instances of each in order. */
enum { MAX_FAMILIES = 256 };
static char family_names[MAX_FAMILIES][128];
static int family_count, family_instances[MAX_FAMILIES];

static void family_of(const char *family, int *index, int *instance)
{
    int f = 0;
    while (f < family_count && strcmp(family_names[f], family) != 0)
        f++;
    if (f == family_count && family_count < MAX_FAMILIES)
        snprintf(family_names[family_count++], sizeof family_names[0], "%s", family);
    *index = f;
    *instance = f < MAX_FAMILIES ? family_instances[f]++ : 0;
}

/* One measured case as Google Benchmark rows: each timed batch a repetition (time per batch,
 * CPU time of all threads), then mean / median / stddev / cv, beex's figures as counters. */
static int case_rows(json_t *rows, const char *shape, const beex_mb_case *c, int tokens,
                     const char *tag, const beex_mb_result *r)
{
    const char *par = c->parallel == BEEX_MB_ACROSS_EXAMPLES ? "across_examples" : "within_ops";
    char name[160], family[128];
    snprintf(name, sizeof name, "model/%s/%s/%s/threads:%d/batch:%d%s%s", shape,
             beex_precision_name(c->precision), beex_isa_name((beex_isa)c->isa), c->threads,
             c->batch, c->parallel == BEEX_MB_ACROSS_EXAMPLES ? "/across_examples" : "",
             tag ? tag : "");
    snprintf(family, sizeof family, "%s/%s/%s/%s%s", shape, beex_precision_name(c->precision),
             beex_isa_name((beex_isa)c->isa), par, tag ? tag : "");
    int fi = 0, ii = 0;
    family_of(family, &fi, &ii);
    double *eps = malloc((size_t)r->reps * sizeof *eps);
    if (eps == NULL)
        return -1;
    for (int k = 0; k < r->reps; k++)
        eps[k] = c->batch / r->samples[k];
    const beex_gb_counter counters[] = {
        {"examples_per_second", eps, 0},
        {"latency_p50_ms", NULL, r->batch_seconds.median * 1e3},
        {"latency_p90_ms", NULL, r->batch_seconds.p90 * 1e3},
        {"latency_p99_ms", NULL, r->batch_seconds.p99 * 1e3},
        {"latency_min_ms", NULL, r->batch_seconds.min * 1e3},
        {"latency_max_ms", NULL, r->batch_seconds.max * 1e3},
    };
    json_t *fields =
        json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:i}", "shape", shape, "precision",
                  beex_precision_name(c->precision), "variant", beex_isa_name((beex_isa)c->isa),
                  "threads", c->threads, "batch", c->batch, "parallel", par, "tokens", tokens);
    beex_gb_run run = {.name = name,
                       .family_index = fi,
                       .instance_index = ii,
                       .threads = c->threads,
                       .reps = r->reps,
                       .seconds = r->samples,
                       .iterations = 1.0,
                       .cpu_seconds = r->cpu,
                       .counters = counters,
                       .ncounters = (int)(sizeof counters / sizeof counters[0]),
                       .fields = fields};
    int rc = fields != NULL ? beex_gb_append(rows, &run) : -1;
    json_decref(fields);
    free(eps);
    return rc;
}

static void print_row(const char *shape, const beex_mb_case *c, const beex_mb_result *r)
{
    printf("%-9s %-6s %-7s %2d %4d %-8s %5d %11.1f %9.3f %9.3f %9.3f %9.3f\n", shape,
           beex_precision_name(c->precision), beex_isa_name((beex_isa)c->isa), c->threads, c->batch,
           c->parallel == BEEX_MB_ACROSS_EXAMPLES ? "examples" : "ops", r->reps, r->examples_per_s,
           r->batch_seconds.median * 1e3, r->batch_seconds.p90 * 1e3, r->batch_seconds.p99 * 1e3,
           r->cpu_seconds.median * 1e3);
    fflush(stdout);
}

/* Results of one shape, indexed [precision][variant][threads idx][batch idx][parallel]. */
typedef struct {
    double eps[3][BEEX_ISA_COUNT][MAXL][MAXL][2];
    double cpu[3][BEEX_ISA_COUNT][MAXL][MAXL][2];  /* median CPU seconds per batch */
    double best[3][BEEX_ISA_COUNT][MAXL][MAXL][2]; /* fastest batch, seconds */
} table;

/* One shape's inputs: its seeded random model, nex examples of T random token ids (twice the
 * largest batch), the caps of the compaction experiment, and the table of measured figures. */
typedef struct {
    beex_config cfg;
    const char *name;
    beex_model *m;
    int32_t **ids;
    int *lens, *cap;
    int nex, T;
    table *tab;
} shape_inputs;

static void shape_inputs_free(shape_inputs *si)
{
    if (si->ids != NULL)
        for (int i = 0; i < si->nex; i++)
            free(si->ids[i]);
    free(si->ids), free(si->lens), free(si->cap), free(si->tab);
    beex_model_free(si->m);
}

/* Returns 0, or -1 (with a message, except out of memory); shape_inputs_free frees either
 * way. */
static int shape_inputs_make(const options *o, int shape, shape_inputs *si)
{
    memset(si, 0, sizeof *si);
    si->cfg = shape_config(shape);
    si->name = shape_names[shape];
    const beex_config cfg = si->cfg;
    char err[512];
    if (beex_model_alloc(&cfg, &si->m, err, sizeof err) != 0) {
        fprintf(stderr, "beex bench model: %s\n", err);
        return -1;
    }
    beex_model_init_random(si->m, (uint64_t)o->seed);
    if (beex_model_derive_binary(si->m) != 0) {
        fprintf(stderr, "beex bench model: cannot derive the binary weights\n");
        return -1;
    }
    int maxb = o->compaction_batch;
    for (int b = 0; b < o->batches.n; b++)
        maxb = o->batches.v[b] > maxb ? o->batches.v[b] : maxb;
    int nex = 2 * maxb, T = o->tokens > 0 && o->tokens < cfg.max_len ? o->tokens : cfg.max_len;
    si->nex = nex, si->T = T;
    si->ids = calloc((size_t)nex, sizeof *si->ids);
    si->lens = calloc((size_t)nex, sizeof *si->lens),
    si->cap = calloc((size_t)nex, sizeof *si->cap);
    si->tab = calloc(1, sizeof *si->tab);
    if (!si->ids || !si->lens || !si->cap || !si->tab)
        return -1;
    uint64_t s = (uint64_t)o->seed * 2654435761u + 17;
    for (int i = 0; i < nex; i++) {
        if ((si->ids[i] = malloc((size_t)T * sizeof(int32_t))) == NULL)
            return -1;
        si->lens[i] = T;
        for (int t = 0; t < T; t++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            si->ids[i][t] = 2 + (int32_t)((s >> 33) % (uint64_t)(cfg.vocab - 2));
        }
    }
    return 0;
}

/* Every precision x variant x threads x batch (x parallel mode where it matters), no early
 * exit: a table row and Google Benchmark rows each, and the figures the ratios need. */
static int time_grid(const options *o, shape_inputs *si, json_t *benchmarks)
{
    const beex_config cfg = si->cfg;
    const char *sname = si->name;
    table *tab = si->tab;
    char err[512];
    printf("\n%s: vocab %d, d %d, heads %d, dff %d, blocks %d, %d tokens per example\n", sname,
           cfg.vocab, cfg.d, cfg.heads, cfg.dff, cfg.blocks, si->T);
    const char *why = NULL;
    printf("fp32 products (twin GEMMs, attention): %s%s%s\n", beex_fp32_backend_name(),
           beex_fp32_backend_ready(&why) ? "" : ": ", why ? why : "");
    printf("%-9s %-6s %-7s %2s %4s %-8s %5s %11s %9s %9s %9s %9s\n", "shape", "prec", "variant",
           "th", "bat", "parallel", "reps", "examples/s", "p50 ms", "p90 ms", "p99 ms", "cpu ms");
    for (int p = 0; p < o->precisions.n; p++)
        for (int v = 0; v < o->variants.n; v++)
            for (int t = 0; t < o->threads.n; t++)
                for (int b = 0; b < o->batches.n; b++)
                    for (int par = 0; par < 2; par++) {
                        beex_mb_case c = {(beex_precision)o->precisions.v[p],
                                          o->variants.v[v],
                                          o->threads.v[t],
                                          o->batches.v[b],
                                          (beex_mb_parallel)par,
                                          o->min_time,
                                          o->min_reps,
                                          o->max_reps};
                        int single = c.threads < 2 || c.batch < 2;
                        if ((single && par == 1) ||
                            (!single && !o->parallel_both && par != o->parallel_only_examples))
                            continue;
                        beex_mb_result r = {0};
                        if (beex_mb_measure(si->m, &c, (const int32_t *const *)si->ids, si->lens,
                                            si->nex, -INFINITY, NULL, &r, err, sizeof err) != 0) {
                            fprintf(stderr, "beex bench model: %s\n", err);
                            return -1;
                        }
                        print_row(sname, &c, &r);
                        tab->eps[c.precision][c.isa][t][b][par] = r.examples_per_s;
                        tab->cpu[c.precision][c.isa][t][b][par] = r.cpu_seconds.median;
                        tab->best[c.precision][c.isa][t][b][par] = r.batch_seconds.min;
                        int bad = case_rows(benchmarks, sname, &c, si->T, NULL, &r);
                        beex_mb_result_free(&r);
                        if (bad) {
                            fprintf(stderr, "beex bench model: out of memory for the JSON\n");
                            return -1;
                        }
                    }
    return 0;
}

/* w1a1 and w1a32 over fp32 from the grid's figures: printed, and one JSON object each. */
static void report_ratios(const options *o, const shape_inputs *si, json_t *ratios)
{
    const char *sname = si->name;
    const table *tab = si->tab;
    /* w1a1 over fp32, same variant, threads, batch and parallel mode. */
    int have_ratio = 0;
    for (int v = 0; v < o->variants.n; v++)
        for (int t = 0; t < o->threads.n; t++)
            for (int b = 0; b < o->batches.n; b++)
                for (int par = 0; par < 2; par++) {
                    int isa = o->variants.v[v];
                    double f = tab->eps[BEEX_PREC_FP32][isa][t][b][par];
                    double w = tab->eps[BEEX_PREC_W1A1][isa][t][b][par];
                    double h = tab->eps[BEEX_PREC_W1A32][isa][t][b][par];
                    if (f <= 0.0 || (w <= 0.0 && h <= 0.0))
                        continue;
                    if (!have_ratio++)
                        printf("\nspeed over the fp32 twin (same run, variant, threads, batch; "
                               "median wall time,\n"
                               "median CPU time, fastest batch):\n");
                    /* CPU-time ratio: the same work measured without the time other processes
                     * take from us (exact for one thread; with more it counts spinning). */
                    double fc = tab->cpu[BEEX_PREC_FP32][isa][t][b][par];
                    double wc = tab->cpu[BEEX_PREC_W1A1][isa][t][b][par];
                    double hc = tab->cpu[BEEX_PREC_W1A32][isa][t][b][par];
                    /* Best-to-best: a busy machine only ever slows a batch down. */
                    double fb = tab->best[BEEX_PREC_FP32][isa][t][b][par];
                    double wb = tab->best[BEEX_PREC_W1A1][isa][t][b][par];
                    double hb = tab->best[BEEX_PREC_W1A32][isa][t][b][par];
                    char wr[64] = "n/a", hr[64] = "n/a";
                    if (w > 0.0)
                        snprintf(wr, sizeof wr, "%.2fx (cpu %.2fx, best %.2fx)", w / f, fc / wc,
                                 fb / wb);
                    if (h > 0.0)
                        snprintf(hr, sizeof hr, "%.2fx (cpu %.2fx, best %.2fx)", h / f, fc / hc,
                                 fb / hb);
                    printf("  %-9s %-7s threads %d batch %4d %-8s  w1a1/fp32 %-32s  w1a32/fp32 "
                           "%s\n",
                           sname, beex_isa_name((beex_isa)isa), o->threads.v[t], o->batches.v[b],
                           par ? "examples" : "ops", wr, hr);
                    json_t *j = json_object();
                    json_object_set_new(j, "shape", json_string(sname));
                    json_object_set_new(j, "variant", json_string(beex_isa_name((beex_isa)isa)));
                    json_object_set_new(j, "threads", json_integer(o->threads.v[t]));
                    json_object_set_new(j, "batch", json_integer(o->batches.v[b]));
                    json_object_set_new(j, "parallel",
                                        json_string(par ? "across_examples" : "within_ops"));
                    if (w > 0.0) {
                        json_object_set_new(j, "w1a1_over_fp32", json_real(w / f));
                        json_object_set_new(j, "w1a1_over_fp32_cpu_time", json_real(fc / wc));
                        json_object_set_new(j, "w1a1_over_fp32_best", json_real(fb / wb));
                    }
                    if (h > 0.0) {
                        json_object_set_new(j, "w1a32_over_fp32", json_real(h / f));
                        json_object_set_new(j, "w1a32_over_fp32_cpu_time", json_real(fc / hc));
                        json_object_set_new(j, "w1a32_over_fp32_best", json_real(fb / hb));
                    }
                    json_array_append_new(ratios, j);
                }
}

/* Thread scaling from the grid's figures: per precision, variant, batch and parallel mode,
 * examples/s at each thread count over the first count's, and that over the thread ratio
 * (parallel efficiency). Printed, and objects {"kind": "thread_scaling", ...} in `out`. */
static void report_scaling(const options *o, const shape_inputs *si, json_t *out)
{
    const table *tab = si->tab;
    int printed = 0, t0 = o->threads.v[0];
    for (int p = 0; p < o->precisions.n; p++)
        for (int v = 0; v < o->variants.n; v++)
            for (int b = 0; b < o->batches.n; b++)
                for (int par = 0; par < 2; par++)
                    for (int t = 1; t < o->threads.n; t++) {
                        int prec = o->precisions.v[p], isa = o->variants.v[v];
                        /* one thread is always "ops"; the others in their own mode */
                        double base = tab->eps[prec][isa][0][b][0];
                        double eps = tab->eps[prec][isa][t][b][par];
                        if (base <= 0.0 || eps <= 0.0)
                            continue;
                        double sp = eps / base, eff = sp / ((double)o->threads.v[t] / t0);
                        if (!printed++)
                            printf("\nthread scaling (examples/s over %d thread%s, same run; "
                                   "efficiency = speed-up / thread ratio):\n",
                                   t0, t0 == 1 ? "" : "s");
                        printf("  %-9s %-6s %-7s batch %4d %-8s %2d threads: %.2fx, efficiency "
                               "%.2f\n",
                               si->name, beex_precision_name((beex_precision)prec),
                               beex_isa_name((beex_isa)isa), o->batches.v[b],
                               par ? "examples" : "ops", o->threads.v[t], sp, eff);
                        json_array_append_new(
                            out, json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:i, s:f, s:f}",
                                           "kind", "thread_scaling", "shape", si->name, "precision",
                                           beex_precision_name((beex_precision)prec), "variant",
                                           beex_isa_name((beex_isa)isa), "batch", o->batches.v[b],
                                           "parallel", par ? "across_examples" : "within_ops",
                                           "threads", o->threads.v[t], "over_threads", t0,
                                           "speedup", sp, "efficiency", eff));
                    }
}

/* The compaction experiment on the first variant and thread count (see its comment). */
static int time_compaction(const options *o, shape_inputs *si, json_t *benchmarks,
                           json_t *compaction)
{
    const beex_config cfg = si->cfg;
    const char *sname = si->name;
    int nex = si->nex, T = si->T, *cap = si->cap;
    beex_model *m = si->m;
    char err[512];
    /* Compaction: a batch where every other example is capped at block 2 (the rest run all
     * N blocks) against the same batch running all blocks, which is what the batch costs
     * without compaction (exited rows would still flow through every GEMM). */
    if (o->compaction_batch >= 2 && cfg.blocks > 2) {
        int isa = o->variants.v[0], th = o->threads.v[0];
        printf("\ncompaction (batch %d, %s, %d threads; half the batch capped at block 2 of %d):\n",
               o->compaction_batch, beex_isa_name((beex_isa)isa), th, cfg.blocks);
        for (int i = 0; i < nex; i++)
            cap[i] = i % 2 == 0 ? 2 : cfg.blocks;
        const int_list *cp =
            o->compaction_precisions.n > 0 ? &o->compaction_precisions : &o->precisions;
        for (int p = 0; p < cp->n; p++) {
            beex_mb_case c = {
                (beex_precision)cp->v[p], isa,         th,          o->compaction_batch,
                BEEX_MB_WITHIN_OPS,       o->min_time, o->min_reps, o->max_reps};
            beex_mb_result full = {0}, half = {0};
            if (beex_mb_measure(m, &c, (const int32_t *const *)si->ids, si->lens, nex, -INFINITY,
                                NULL, &full, err, sizeof err) != 0 ||
                beex_mb_measure(m, &c, (const int32_t *const *)si->ids, si->lens, nex, -INFINITY,
                                cap, &half, err, sizeof err) != 0) {
                fprintf(stderr, "beex bench model: %s\n", err);
                beex_mb_result_free(&full);
                beex_mb_result_free(&half);
                return -1;
            }
            /* Ideal: time proportional to the block-rows computed. */
            double ideal = 0.5 + 0.5 * 2.0 / cfg.blocks;
            double got = half.batch_seconds.median / full.batch_seconds.median;
            double gotc = half.cpu_seconds.median / full.cpu_seconds.median;
            printf("  %-9s %-6s all blocks %9.3f ms  half exit at 2 %9.3f ms  time saved %5.1f %% "
                   "(cpu time %5.1f %%, ideal %5.1f %%)\n",
                   sname, beex_precision_name(c.precision), full.batch_seconds.median * 1e3,
                   half.batch_seconds.median * 1e3, 100.0 * (1.0 - got), 100.0 * (1.0 - gotc),
                   100.0 * (1.0 - ideal));
            int bad = case_rows(benchmarks, sname, &c, T, "/compaction:none", &full) ||
                      case_rows(benchmarks, sname, &c, T, "/compaction:half_at_2", &half);
            beex_mb_result_free(&full);
            beex_mb_result_free(&half);
            if (bad) {
                fprintf(stderr, "beex bench model: out of memory for the JSON\n");
                return -1;
            }
            json_t *j = json_object();
            json_object_set_new(j, "shape", json_string(sname));
            json_object_set_new(j, "precision", json_string(beex_precision_name(c.precision)));
            json_object_set_new(j, "variant", json_string(beex_isa_name((beex_isa)isa)));
            json_object_set_new(j, "threads", json_integer(th));
            json_object_set_new(j, "batch", json_integer(c.batch));
            json_object_set_new(j, "all_blocks_ms", json_real(full.batch_seconds.median * 1e3));
            json_object_set_new(j, "half_exit_at_2_ms", json_real(half.batch_seconds.median * 1e3));
            json_object_set_new(j, "time_saved_fraction", json_real(1.0 - got));
            json_object_set_new(j, "cpu_time_saved_fraction", json_real(1.0 - gotc));
            json_object_set_new(j, "ideal_saved_fraction", json_real(1.0 - ideal));
            json_array_append_new(compaction, j);
        }
    }
    return 0;
}

static int bench_shape(const options *o_in, int shape, json_t *benchmarks, json_t *ratios,
                       json_t *compaction)
{
    /* BERT-base is ~100x the small model: unless asked, only the best variant, and the
     * compaction experiment in w1a1 only. */
    options oo = *o_in;
    const options *o = &oo;
    if (shape == 1 && o_in->variants_auto)
        oo.variants.n = 1;
    if (shape == 1 && o_in->compaction_precisions.n == 0)
        oo.compaction_precisions.v[0] = BEEX_PREC_W1A1, oo.compaction_precisions.n = 1;
    shape_inputs si;
    int rc = -1;
    if (shape_inputs_make(o, shape, &si) == 0 && time_grid(o, &si, benchmarks) == 0) {
        report_ratios(o, &si, ratios);
        report_scaling(o, &si, ratios);
        rc = time_compaction(o, &si, benchmarks, compaction);
    }
    shape_inputs_free(&si);
    return rc;
}

/* Default thread counts (1 and every allowed core), and no count past the allowed cores. */
static int settle_threads(options *o)
{
    char err[512];
    int team = beex_threads_setup(0, err, sizeof err);
    if (team < 0) {
        fprintf(stderr, "beex bench model: %s\n", err);
        return -1;
    }
    if (o->threads.n == 0) {
        o->threads.v[o->threads.n++] = 1;
        if (team > 1)
            o->threads.v[o->threads.n++] = team;
    }
    /* team = the cores this process may use: more threads would only share them. */
    int kept = 0;
    for (int i = 0; i < o->threads.n; i++) {
        int t = o->threads.v[i], dup = 0;
        if (t > team) {
            fprintf(stderr,
                    "beex bench model: --threads %d exceeds the %d core%s this process "
                    "may use; measuring %d\n",
                    t, team, team == 1 ? "" : "s", team);
            t = team;
        }
        for (int j = 0; j < kept && !dup; j++)
            dup = o->threads.v[j] == t;
        if (!dup)
            o->threads.v[kept++] = t;
    }
    o->threads.n = kept;
    return 0;
}

/* The Google Benchmark document with beex's own figures under "beex", written atomically.
 * Takes the three arrays. Returns the exit status. */
static int write_document(const options *o, json_t *benchmarks, json_t *ratios, json_t *compaction)
{
    char err[512];
    int rc = 0;
    json_t *doc = beex_gb_document(benchmarks), *beex = json_object();
    json_decref(benchmarks); /* the document holds its own reference */
    if (doc == NULL || beex == NULL) {
        fprintf(stderr, "beex bench model: cannot build the JSON document\n");
        json_decref(doc), json_decref(beex), json_decref(ratios), json_decref(compaction);
        return 1;
    }
    json_object_set_new(beex, "speed_ratios", ratios);
    json_object_set_new(beex, "compaction", compaction);
    json_object_set_new(beex, "fp32_backend", json_string(beex_fp32_backend_name()));
    json_object_set_new(beex, "fp32_fallback_tiles",
                        json_integer((json_int_t)beex_fp32_fallback_tiles()));
    json_object_set_new(beex, "exit_rule",
                        json_string("no early exit (delta = -inf) outside the compaction "
                                    "experiment; caps via beex_engine_run_batch_capped"));
    json_object_set_new(doc, "beex", beex);
    if (beex_json_write_atomic(doc, o->json, err, sizeof err) != 0) {
        fprintf(stderr, "beex bench model: %s\n", err);
        rc = 1;
    } else {
        printf("\nwrote %s\n", o->json);
    }
    json_decref(doc);
    return rc;
}

int beex_model_bench_run(options *o)
{
    if (settle_threads(o) != 0)
        return 1;
    json_t *benchmarks = json_array(), *ratios = json_array(), *compaction = json_array();
    int rc = 0;
    for (int s = 0; s < o->nshapes && rc == 0; s++)
        if (bench_shape(o, o->shapes[s], benchmarks, ratios, compaction) != 0)
            rc = 1;
    if (rc == 0 && o->json != NULL)
        return write_document(o, benchmarks, ratios, compaction);
    json_decref(benchmarks), json_decref(ratios), json_decref(compaction);
    return rc;
}
