/* `beex bench model`: examples per second and batch latency (p50/p90/p99) per shape x
 * precision x variant x threads x batch size with random weights; the w1a1 / fp32 speed
 * ratio from the same run; and the time compaction saves when half a batch exits at
 * block 2. Google-Benchmark-shaped JSON with --json. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/atomic_file.h"
#include "harness/base/threads.h"
#include "harness/bench/model_bench.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/model/engine.h"
#include "harness/model/forward_fp32.h"
#include "harness/report/context.h"
#include "harness/report/gbench_json.h"
#include "kernels/cpu.h"

#define MAXL 16

typedef struct {
    int v[MAXL];
    int n;
} int_list;

typedef struct {
    int shapes[2], nshapes; /* 0 small, 1 bert-base */
    int_list precisions, variants, threads, batches;
    int_list compaction_precisions; /* n = 0: the same as precisions */
    int variants_auto;              /* no --variants: all for small, the best for bert-base */
    int parallel_both, parallel_only_examples, tokens, min_reps, max_reps, compaction_batch, seed;
    double min_time;
    const char *json;
} options;

static const char *shape_names[2] = {"small", "bert-base"};

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: beex bench model [--shapes small,bert-base] [--precisions fp32,w1a32,w1a1]\n"
        "       [--variants all|scalar,avx2,...] [--threads 1,2] [--batches 1,32]\n"
        "       [--parallel ops|examples|both] [--tokens N] [--min-time S] [--min-reps N]\n"
        "       [--max-reps N] [--compaction-batch N]\n"
        "       [--compaction-precisions LIST] [--seed N] [--quick] [--json FILE]\n\n"
        "Random-weight models: small (MODEL.md defaults, classes 2) and bert-base (12 blocks,\n"
        "d 768, 12 heads, dff 3072, max_len 128). Every example has --tokens tokens (default\n"
        "max_len) and runs all blocks (no early exit) except in the compaction experiment,\n"
        "where half of a batch is capped at block 2 (beex_engine_run_batch_capped).\n"
        "--parallel: for threads > 1 and batch > 1, threads inside each operation (ops), across\n"
        "the examples of a batch (examples: one single-threaded worker per share), or both\n"
        "(default).\n"
        "Without --variants: every available variant on small, the best one on bert-base; the\n"
        "compaction experiment runs every precision on small, w1a1 on bert-base unless\n"
        "--compaction-precisions says otherwise.\n"
        "--quick: small shape, 1 thread, batches 1 and 8, short timing. The full default run\n"
        "is long on 2 cores (fp32 and w1a32 BERT-base at batch 32 take minutes per batch):\n"
        "narrow it with --precisions, --threads, --batches, --min-reps.\n");
}

static int parse_list(const char *arg, const char *what, int (*parse)(const char *), int_list *l)
{
    char buf[256];
    l->n = 0;
    if (beex_list_has_empty_field(arg) || snprintf(buf, sizeof buf, "%s", arg) >= (int)sizeof buf) {
        fprintf(stderr, "beex bench model: the %s list '%s' has an empty field or is too long\n",
                what, arg);
        return 2;
    }
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int v = parse(tok);
        if (v < 0 || l->n == MAXL) {
            fprintf(stderr, "beex bench model: bad %s '%s' in '%s'%s\n", what, tok, arg,
                    l->n == MAXL ? " (too many)" : "");
            return 2;
        }
        l->v[l->n++] = v;
    }
    return l->n > 0 ? 0 : -1;
}

static int parse_pos(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return (errno || end == s || *end || v < 1 || v > 1 << 20) ? -1 : (int)v;
}

static int parse_threads(const char *s)
{
    int v = parse_pos(s);
    return v > BEEX_MAX_THREADS ? -1 : v;
}

static int parse_shape(const char *s)
{
    return strcmp(s, "small") == 0 ? 0 : strcmp(s, "bert-base") == 0 ? 1 : -1;
}

static beex_config shape_config(int shape)
{
    beex_config c;
    beex_config_preset(shape_names[shape], &c); /* a name from parse_shape */
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
    beex_config cfg = shape_config(shape);
    const char *sname = shape_names[shape];
    char err[512];
    beex_model *m = NULL;
    if (beex_model_alloc(&cfg, &m, err, sizeof err) != 0) {
        fprintf(stderr, "beex bench model: %s\n", err);
        return -1;
    }
    beex_model_init_random(m, (uint64_t)o->seed);
    if (beex_model_derive_binary(m) != 0) {
        fprintf(stderr, "beex bench model: cannot derive the binary weights\n");
        beex_model_free(m);
        return -1;
    }
    int maxb = o->compaction_batch;
    for (int b = 0; b < o->batches.n; b++)
        maxb = o->batches.v[b] > maxb ? o->batches.v[b] : maxb;
    int nex = 2 * maxb, T = o->tokens > 0 && o->tokens < cfg.max_len ? o->tokens : cfg.max_len;
    int32_t **ids = calloc((size_t)nex, sizeof *ids);
    int *lens = calloc((size_t)nex, sizeof *lens), *cap = calloc((size_t)nex, sizeof *cap);
    table *tab = calloc(1, sizeof *tab);
    int rc = -1;
    if (!ids || !lens || !cap || !tab)
        goto out;
    uint64_t s = (uint64_t)o->seed * 2654435761u + 17;
    for (int i = 0; i < nex; i++) {
        if ((ids[i] = malloc((size_t)T * sizeof(int32_t))) == NULL)
            goto out;
        lens[i] = T;
        for (int t = 0; t < T; t++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            ids[i][t] = 2 + (int32_t)((s >> 33) % (uint64_t)(cfg.vocab - 2));
        }
    }
    printf("\n%s: vocab %d, d %d, heads %d, dff %d, blocks %d, %d tokens per example\n", sname,
           cfg.vocab, cfg.d, cfg.heads, cfg.dff, cfg.blocks, T);
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
                        if (beex_mb_measure(m, &c, (const int32_t *const *)ids, lens, nex,
                                            -INFINITY, NULL, &r, err, sizeof err) != 0) {
                            fprintf(stderr, "beex bench model: %s\n", err);
                            goto out;
                        }
                        print_row(sname, &c, &r);
                        tab->eps[c.precision][c.isa][t][b][par] = r.examples_per_s;
                        tab->cpu[c.precision][c.isa][t][b][par] = r.cpu_seconds.median;
                        tab->best[c.precision][c.isa][t][b][par] = r.batch_seconds.min;
                        int bad = case_rows(benchmarks, sname, &c, T, NULL, &r);
                        beex_mb_result_free(&r);
                        if (bad) {
                            fprintf(stderr, "beex bench model: out of memory for the JSON\n");
                            goto out;
                        }
                    }

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
                    if (w > 0.0)
                        json_object_set_new(j, "w1a1_over_fp32", json_real(w / f));
                    if (w > 0.0)
                        json_object_set_new(j, "w1a1_over_fp32_cpu_time", json_real(fc / wc));
                    if (w > 0.0)
                        json_object_set_new(j, "w1a1_over_fp32_best", json_real(fb / wb));
                    if (h > 0.0)
                        json_object_set_new(j, "w1a32_over_fp32", json_real(h / f));
                    if (h > 0.0)
                        json_object_set_new(j, "w1a32_over_fp32_cpu_time", json_real(fc / hc));
                    if (h > 0.0)
                        json_object_set_new(j, "w1a32_over_fp32_best", json_real(fb / hb));
                    json_array_append_new(ratios, j);
                }

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
            if (beex_mb_measure(m, &c, (const int32_t *const *)ids, lens, nex, -INFINITY, NULL,
                                &full, err, sizeof err) != 0 ||
                beex_mb_measure(m, &c, (const int32_t *const *)ids, lens, nex, -INFINITY, cap,
                                &half, err, sizeof err) != 0) {
                fprintf(stderr, "beex bench model: %s\n", err);
                beex_mb_result_free(&full);
                beex_mb_result_free(&half);
                goto out;
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
                goto out;
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
    rc = 0;
out:
    if (ids != NULL)
        for (int i = 0; i < nex; i++)
            free(ids[i]);
    free(ids), free(lens), free(cap), free(tab);
    beex_model_free(m);
    return rc;
}

int beex_cmd_bench_model(int argc, char **argv)
{
    static const struct option opts[] = {{"shapes", required_argument, NULL, 's'},
                                         {"precisions", required_argument, NULL, 'p'},
                                         {"variants", required_argument, NULL, 'v'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"batches", required_argument, NULL, 'b'},
                                         {"parallel", required_argument, NULL, 'P'},
                                         {"tokens", required_argument, NULL, 'T'},
                                         {"min-time", required_argument, NULL, 'm'},
                                         {"min-reps", required_argument, NULL, 'r'},
                                         {"max-reps", required_argument, NULL, 'R'},
                                         {"compaction-batch", required_argument, NULL, 'c'},
                                         {"compaction-precisions", required_argument, NULL, 'C'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"quick", no_argument, NULL, 'q'},
                                         {"json", required_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    options o;
    memset(&o, 0, sizeof o);
    o.shapes[0] = 0, o.shapes[1] = 1, o.nshapes = 2;
    o.precisions.v[0] = BEEX_PREC_FP32, o.precisions.v[1] = BEEX_PREC_W1A32;
    o.precisions.v[2] = BEEX_PREC_W1A1, o.precisions.n = 3;
    o.batches.v[0] = 1, o.batches.v[1] = 32, o.batches.n = 2;
    o.parallel_both = 1;
    o.min_reps = 3, o.max_reps = 100000, o.compaction_batch = 32, o.seed = 1;
    o.min_time = 0.5;
    int quick = 0, ch, shapes_set = 0, threads_set = 0, batches_set = 0, variants_set = 0,
        compaction_set = 0;
    int_list shl;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (ch) {
        case 's':
            bad = parse_list(optarg, "shape", parse_shape, &shl);
            if (!bad && shl.n > 2)
                bad = -1;
            for (int i = 0; !bad && i < shl.n; i++)
                o.shapes[i] = shl.v[i];
            o.nshapes = shl.n;
            shapes_set = 1;
            break;
        case 'p':
            bad = parse_list(optarg, "precision", beex_precision_parse, &o.precisions);
            break;
        case 'v':
            o.variants.n = beex_arg_variants("bench model", "variants", optarg, 1, o.variants.v);
            bad = o.variants.n < 0 ? 2 : 0;
            variants_set = 1;
            break;
        case 't':
            bad = parse_list(optarg, "threads", parse_threads, &o.threads);
            threads_set = 1;
            break;
        case 'b':
            bad = parse_list(optarg, "batch size", parse_pos, &o.batches);
            batches_set = 1;
            break;
        case 'P':
            if (strcmp(optarg, "both") == 0)
                o.parallel_both = 1, o.parallel_only_examples = 0;
            else if (strcmp(optarg, "ops") == 0)
                o.parallel_both = 0, o.parallel_only_examples = 0;
            else if (strcmp(optarg, "examples") == 0)
                o.parallel_both = 0, o.parallel_only_examples = 1;
            else
                bad = -1;
            break;
        case 'T':
            /* The longest shape holds 128 tokens; a longer request would be clamped silently. */
            bad = beex_arg_int("bench model", "tokens", optarg, 1, 128, &o.tokens) ? 2 : 0;
            break;
        case 'm': {
            char *end;
            o.min_time = strtod(optarg, &end);
            if (end == optarg || *end || !(o.min_time >= 0.0 && o.min_time <= 3600.0)) {
                fprintf(stderr,
                        "beex bench model: --min-time needs seconds in [0, 3600], got '%s'\n",
                        optarg);
                bad = 2;
            }
            break;
        }
        case 'r':
            bad = beex_arg_int("bench model", "min-reps", optarg, 1, 1 << 20, &o.min_reps) ? 2 : 0;
            break;
        case 'R':
            bad = beex_arg_int("bench model", "max-reps", optarg, 1, 1 << 20, &o.max_reps) ? 2 : 0;
            break;
        case 'c':
            bad = beex_arg_int("bench model", "compaction-batch", optarg, 1, 1 << 20,
                               &o.compaction_batch)
                      ? 2
                      : 0;
            compaction_set = 1;
            break;
        case 'C':
            bad = parse_list(optarg, "precision", beex_precision_parse, &o.compaction_precisions);
            break;
        case 'S':
            bad = beex_arg_int("bench model", "seed", optarg, 1, 1 << 30, &o.seed) ? 2 : 0;
            break;
        case 'q':
            quick = 1;
            break;
        case 'j':
            o.json = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
        if (bad == -1 || bad == 1) /* the cases above that print nothing themselves */
            fprintf(stderr, "beex bench model: bad value '%s' for --%s (%s)\n", optarg,
                    ch == 'P' ? "parallel" : "shapes",
                    ch == 'P' ? "ops, examples or both" : "small and/or bert-base, at most two");
        if (bad)
            return 2;
    }
    if (optind != argc) {
        fprintf(stderr, "beex bench model: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (o.min_reps > 0 && o.max_reps > 0 && o.min_reps > o.max_reps) {
        fprintf(stderr, "beex bench model: --min-reps %d exceeds --max-reps %d\n", o.min_reps,
                o.max_reps);
        return 2;
    }
    if (o.json != NULL && beex_arg_output("bench model", "json", o.json) != 0)
        return 1;
    if (quick) {
        if (!shapes_set)
            o.shapes[0] = 0, o.nshapes = 1;
        if (!threads_set)
            o.threads.v[0] = 1, o.threads.n = 1;
        if (!batches_set)
            o.batches.v[0] = 1, o.batches.v[1] = 8, o.batches.n = 2;
        o.min_time = 0.05;
        o.min_reps = 2;
        if (!compaction_set)
            o.compaction_batch = 8;
    }
    if (o.max_reps < o.min_reps)
        o.max_reps = o.min_reps;
    if (!variants_set) {
        o.variants_auto = 1;
        beex_isa order[BEEX_ISA_COUNT];
        int n = beex_isa_preference(order, BEEX_ISA_COUNT);
        for (int i = 0; i < n; i++) {
            /* BEEX_ISA / a forced variant narrows the default to that one. */
            if (beex_isa_forced() >= 0 && (int)order[i] != beex_isa_forced())
                continue;
            o.variants.v[o.variants.n++] = (int)order[i];
        }
    }
    char err[512];
    int team = beex_threads_setup(0, err, sizeof err);
    if (team < 0) {
        fprintf(stderr, "beex bench model: %s\n", err);
        return 1;
    }
    if (o.threads.n == 0) {
        o.threads.v[o.threads.n++] = 1;
        if (team > 1)
            o.threads.v[o.threads.n++] = team;
    }
    /* team = the cores this process may use: more threads would only share them. */
    int kept = 0;
    for (int i = 0; i < o.threads.n; i++) {
        int t = o.threads.v[i], dup = 0;
        if (t > team) {
            fprintf(stderr,
                    "beex bench model: --threads %d exceeds the %d core%s this process "
                    "may use; measuring %d\n",
                    t, team, team == 1 ? "" : "s", team);
            t = team;
        }
        for (int j = 0; j < kept && !dup; j++)
            dup = o.threads.v[j] == t;
        if (!dup)
            o.threads.v[kept++] = t;
    }
    o.threads.n = kept;
    json_t *benchmarks = json_array(), *ratios = json_array(), *compaction = json_array();
    int rc = 0;
    for (int s = 0; s < o.nshapes && rc == 0; s++)
        if (bench_shape(&o, o.shapes[s], benchmarks, ratios, compaction) != 0)
            rc = 1;
    if (rc == 0 && o.json != NULL) {
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
        if (beex_json_write_atomic(doc, o.json, err, sizeof err) != 0) {
            fprintf(stderr, "beex bench model: %s\n", err);
            rc = 1;
        } else {
            printf("\nwrote %s\n", o.json);
        }
        json_decref(doc);
    } else {
        json_decref(benchmarks), json_decref(ratios), json_decref(compaction);
    }
    return rc;
}
