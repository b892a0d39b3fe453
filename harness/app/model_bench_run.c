/* The model benchmark's run: for each shape, inputs, then timing (interleaved per batch size),
 * the breakdown when asked, then reporting (see model_bench_run.h). Every timed case becomes
 * Google Benchmark rows, with its breakdown as counters. */
#include "harness/app/model_bench_run.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/model_bench_internal.h"
#include "harness/base/atomic_file.h"
#include "harness/base/threads.h"
#include "harness/bench/ratio_interval.h"
#include "harness/model/calibrate.h"
#include "harness/model/forward_fp32.h"

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
 * CPU time of all threads), then mean / median / stddev / cv, beex's figures as counters (and
 * the breakdown's when bd is not NULL). */
int beex_mbr_case_rows(json_t *rows, const char *shape, const beex_mb_case *c, int tokens,
                       const char *tag, const beex_mb_result *r, const beex_model_breakdown *bd)
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
    enum { BASE = 6 };
    beex_gb_counter counters[BASE + BD_COUNTERS] = {
        {"examples_per_second", eps, 0},
        {"latency_p50_ms", NULL, r->batch_seconds.median * 1e3},
        {"latency_p90_ms", NULL, r->batch_seconds.p90 * 1e3},
        {"latency_p99_ms", NULL, r->batch_seconds.p99 * 1e3},
        {"latency_min_ms", NULL, r->batch_seconds.min * 1e3},
        {"latency_max_ms", NULL, r->batch_seconds.max * 1e3},
    };
    json_t *fields =
        json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:i, s:b}", "shape", shape, "precision",
                  beex_precision_name(c->precision), "variant", beex_isa_name((beex_isa)c->isa),
                  "threads", c->threads, "batch", c->batch, "parallel", par, "tokens", tokens,
                  "slot_warmup", r->slot_warmup);
    beex_mbr_bd_counters bdc;
    int extra = bd != NULL && fields != NULL ? beex_mbr_bd_counters_of(bd, &bdc, fields) : 0;
    for (int i = 0; i < extra; i++)
        counters[BASE + i] = bdc.c[i];
    beex_gb_run run = {.name = name,
                       .family_index = fi,
                       .instance_index = ii,
                       .threads = c->threads,
                       .reps = r->reps,
                       .seconds = r->samples,
                       .iterations = 1.0,
                       .cpu_seconds = r->cpu,
                       .counters = counters,
                       .ncounters = BASE + (extra > 0 ? extra : 0),
                       .fields = fields};
    int rc = fields != NULL && extra >= 0 ? beex_gb_append(rows, &run) : -1;
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

static void table_free(table *tab)
{
    if (tab == NULL)
        return;
    beex_mb_result *r = &tab->r[0][0][0][0][0];
    beex_model_breakdown **bd = &tab->bd[0][0][0][0][0];
    for (size_t i = 0; i < sizeof tab->r / sizeof tab->r[0][0][0][0][0]; i++) {
        beex_mb_result_free(&r[i]);
        free(bd[i]);
    }
    free(tab);
}

static void shape_inputs_free(shape_inputs *si)
{
    if (si->ids != NULL)
        for (int i = 0; i < si->nex; i++)
            free(si->ids[i]);
    free(si->ids), free(si->lens), free(si->cap);
    table_free(si->tab);
    beex_mb_pool_free(si->pool);
    beex_model_free(si->m);
}

static int wants_w8a8(const options *o)
{
    for (int p = 0; p < o->precisions.n; p++)
        if (o->precisions.v[p] == BEEX_PREC_W8A8)
            return 1;
    for (int p = 0; p < o->compaction_precisions.n; p++)
        if (o->compaction_precisions.v[p] == BEEX_PREC_W8A8)
            return 1;
    return 0;
}

/* w8a8 needs activation scales (docs/model.md section 3b): the random model is calibrated on
 * its own random examples, once per shape, before any engine is made. */
static int calibrate(shape_inputs *si)
{
    char err[512];
    if (beex_calibrate(si->m, (const int32_t *const *)si->ids, si->lens, si->nex, 0, err,
                       sizeof err) != 0) {
        fprintf(stderr, "beex bench model: %s shape, w8a8: %s\n", si->name, err);
        return -1;
    }
    return 0;
}

/* Returns 0, or -1 (with a message, except out of memory); shape_inputs_free frees either
 * way. */
static int shape_inputs_make(const options *o, int shape, shape_inputs *si)
{
    memset(si, 0, sizeof *si);
    si->cfg = shape_config(shape);
    si->name = shape_names[shape];
    si->shape = shape;
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
    si->pool = beex_mb_pool_new(si->m);
    if (!si->ids || !si->lens || !si->cap || !si->tab || !si->pool)
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
    return wants_w8a8(o) ? calibrate(si) : 0;
}

/* Whether the grid measures parallel mode par for threads t and batch b. */
static int grid_has(const options *o, int threads, int batch, int par)
{
    int single = threads < 2 || batch < 2;
    if (single)
        return par == 0;
    return o->parallel_both || par == o->parallel_only_examples;
}

/* The seed of a group's order of cases: the run's seed, the shape and the group. */
uint64_t beex_mbr_group_seed(const options *o, int shape, int group)
{
    return (uint64_t)o->seed * 1000003u + (uint64_t)shape * 4096u + (uint64_t)group;
}

/* Every precision x variant x threads x batch (x parallel mode where it matters), no early
 * exit: per batch size one interleaved group of every other setting, so that the ratios
 * compare rounds taken side by side; a table row per case, the results kept in the table. */
static int time_grid(const options *o, shape_inputs *si)
{
    const beex_config cfg = si->cfg;
    table *tab = si->tab;
    beex_mb_inputs in = inputs_of(si);
    char err[512];
    printf("\n%s: vocab %d, d %d, heads %d, dff %d, blocks %d, %d tokens per example\n", si->name,
           cfg.vocab, cfg.d, cfg.heads, cfg.dff, cfg.blocks, si->T);
    const char *why = NULL;
    printf("fp32 products (twin GEMMs, attention): %s%s%s\n", beex_fp32_backend_name(),
           beex_fp32_backend_ready(&why) ? "" : ": ", why ? why : "");
    printf("each batch size: its cases interleaved, one batch of each per round in a seeded "
           "order\n");
    printf("%-9s %-6s %-7s %2s %4s %-8s %5s %11s %9s %9s %9s %9s\n", "shape", "prec", "variant",
           "th", "bat", "parallel", "reps", "examples/s", "p50 ms", "p90 ms", "p99 ms", "cpu ms");
    enum { MAXC = BEEX_PREC_COUNT * BEEX_ISA_COUNT * MAXL * 2 };
    beex_mb_case cases[MAXC];
    int where[MAXC][4]; /* p, v, t, par of each case */
    for (int b = 0; b < o->batches.n; b++) {
        int n = 0;
        for (int p = 0; p < o->precisions.n; p++)
            for (int v = 0; v < o->variants.n; v++)
                for (int t = 0; t < o->threads.n; t++)
                    for (int par = 0; par < 2; par++) {
                        if (!grid_has(o, o->threads.v[t], o->batches.v[b], par))
                            continue;
                        /* The default list leaves out a variant running its parent's code at
                         * this precision (avxvnni and amx in fp32). */
                        if (o->variants_auto &&
                            !beex_precision_variant_own((beex_precision)o->precisions.v[p],
                                                        o->variants.v[v]))
                            continue;
                        beex_mb_case c = {(beex_precision)o->precisions.v[p],
                                          o->variants.v[v],
                                          o->threads.v[t],
                                          o->batches.v[b],
                                          (beex_mb_parallel)par,
                                          o->min_time,
                                          o->min_reps,
                                          o->max_reps};
                        cases[n] = c;
                        where[n][0] = p, where[n][1] = v, where[n][2] = t, where[n][3] = par;
                        n++;
                    }
        beex_mb_result *res = calloc((size_t)(n > 0 ? n : 1), sizeof *res);
        beex_mb_group g = {
            cases,         NULL,        n,           -INFINITY,
            o->min_time,   o->min_reps, o->max_reps, beex_mbr_group_seed(o, si->shape, b),
            o->slot_warmup};
        if (res == NULL || beex_mb_measure_group(si->pool, &in, &g, res, err, sizeof err) != 0) {
            fprintf(stderr, "beex bench model: %s\n", res == NULL ? "out of memory" : err);
            free(res);
            return -1;
        }
        for (int i = 0; i < n; i++) {
            print_row(si->name, &cases[i], &res[i]);
            int p = o->precisions.v[where[i][0]], isa = o->variants.v[where[i][1]];
            beex_mb_result *cell = CELL(tab, p, isa, where[i][2], b, where[i][3]);
            beex_mb_result_free(cell); /* a precision or variant listed twice: the last counts */
            *cell = res[i];            /* the table owns it */
        }
        free(res);
    }
    return 0;
}

/* The grid's Google Benchmark rows, case by case in the order precision, variant, threads,
 * batch, parallel mode. */
static int grid_rows(const options *o, const shape_inputs *si, json_t *benchmarks)
{
    const table *tab = si->tab;
    for (int p = 0; p < o->precisions.n; p++)
        for (int v = 0; v < o->variants.n; v++)
            for (int t = 0; t < o->threads.n; t++)
                for (int b = 0; b < o->batches.n; b++)
                    for (int par = 0; par < 2; par++) {
                        int prec = o->precisions.v[p], isa = o->variants.v[v];
                        const beex_mb_result *r = CELL(tab, prec, isa, t, b, par);
                        if (r->reps == 0)
                            continue;
                        beex_mb_case c = case_at(o, prec, isa, t, b, par);
                        if (beex_mbr_case_rows(benchmarks, si->name, &c, si->T, NULL, r,
                                               tab->bd[prec][isa][t][b][par]) != 0) {
                            fprintf(stderr, "beex bench model: out of memory for the JSON\n");
                            return -1;
                        }
                    }
    return 0;
}

static int bench_shape(const options *o_in, int shape, json_t *benchmarks, json_t *ratios,
                       json_t *compaction, json_t *breakdown)
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
    if (shape_inputs_make(o, shape, &si) == 0 && time_grid(o, &si) == 0 &&
        (!o->breakdown || beex_mbr_breakdown(o, &si, breakdown) == 0) &&
        grid_rows(o, &si, benchmarks) == 0) {
        beex_mbr_report_ratios(o, &si, ratios);
        beex_mbr_report_scaling(o, &si, ratios);
        rc = beex_mbr_time_compaction(o, &si, benchmarks, compaction);
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
 * Takes the four arrays. Returns the exit status. */
static int write_document(const options *o, json_t *benchmarks, json_t *ratios, json_t *compaction,
                          json_t *breakdown)
{
    char err[512];
    int rc = 0;
    json_t *doc = beex_gb_document(benchmarks), *beex = json_object();
    json_decref(benchmarks); /* the document holds its own reference */
    if (doc == NULL || beex == NULL) {
        fprintf(stderr, "beex bench model: cannot build the JSON document\n");
        json_decref(doc), json_decref(beex), json_decref(ratios), json_decref(compaction);
        json_decref(breakdown);
        return 1;
    }
    json_object_set_new(beex, "speed_ratios", ratios);
    json_object_set_new(beex, "compaction", compaction);
    if (o->breakdown)
        json_object_set_new(beex, "breakdown", breakdown);
    else
        json_decref(breakdown);
    json_object_set_new(beex, "fp32_backend", json_string(beex_fp32_backend_name()));
    json_object_set_new(beex, "fp32_fallback_tiles",
                        json_integer((json_int_t)beex_fp32_fallback_tiles()));
    json_object_set_new(beex, "exit_rule",
                        json_string("no early exit (delta = -inf) outside the compaction "
                                    "experiment; caps via beex_engine_run_batch_capped"));
    json_object_set_new(
        beex, "interleaving",
        json_pack("{s:s, s:i, s:s, s:f, s:i}", "schedule",
                  "per batch size (and the compaction pairs) every case once per round, in a "
                  "seeded random order per round",
                  "seed", o->seed, "intervals",
                  "median of per-round ratios, 95 % percentile bootstrap of the median",
                  "warn_above_relative_width", BEEX_RATIO_MAX_REL_WIDTH, "min_rounds",
                  BEEX_RATIO_MIN_ROUNDS));
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
    json_t *breakdown = json_array();
    int rc = 0, wide_ratios = 0, all_ratios = 0;
    for (int s = 0; s < o->nshapes && rc == 0; s++)
        if (bench_shape(o, o->shapes[s], benchmarks, ratios, compaction, breakdown) != 0)
            rc = 1;
    beex_mbr_wide_ratios(&wide_ratios, &all_ratios);
    if (rc == 0 && wide_ratios > 0)
        printf("\nWARNING: %d of %d ratios have a 95 %% interval wider than %.0f %% of their "
               "median (or fewer than %d rounds): they support no claim; run longer "
               "(--min-time, --min-reps) or on a quieter machine\n",
               wide_ratios, all_ratios, 100.0 * BEEX_RATIO_MAX_REL_WIDTH, BEEX_RATIO_MIN_ROUNDS);
    if (rc == 0 && o->json != NULL)
        return write_document(o, benchmarks, ratios, compaction, breakdown);
    json_decref(benchmarks), json_decref(ratios), json_decref(compaction), json_decref(breakdown);
    return rc;
}
