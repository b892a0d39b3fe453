/* `beex bench train`'s run (train_bench_run.h). */
#include "harness/app/train_bench_run.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/threads.h"
#include "harness/base/timing.h"
#include "harness/bench/model_breakdown.h"
#include "harness/bench/train_breakdown.h"
#include "harness/report/gbench_json.h"
#include "harness/report/system_probe.h"
#include "harness/train/tstep.h"

/* One case's breakdown, kept until the main table is printed. */
typedef struct {
    const beex_train_shape *shape;
    int prec, threads;
    const beex_floor_bounds *bounds;
    beex_train_breakdown bd;
} bd_case;

enum { MAX_CASES = 2 * 3 * BEEX_TRAIN_BENCH_MAX_LIST, BD_COUNTERS = 2 * BEEX_TP_CLASSES + 10 };

typedef struct {
    bd_case cases[MAX_CASES];
    int n;
} bd_list;

/* A case's breakdown as Google Benchmark counters (bench model's bd_* names) and the bound of
 * each class as a field ("none" without a floor). Returns the counters written, or -1. */
static int bd_counters(const bd_case *k, char keys[][40], beex_gb_counter *c, json_t *fields)
{
    const beex_train_breakdown *bd = &k->bd;
    int n = 0;
    for (int i = 0; i < BEEX_TP_CLASSES; i++) {
        const char *name = beex_tp_class_name((beex_tp_class)i);
        snprintf(keys[n], 40, "bd_%s_ms", name);
        c[n] = (beex_gb_counter){keys[n], NULL, bd->ms[i]}, n++;
        snprintf(keys[n], 40, "bd_%s_floor_ms", name);
        c[n] = (beex_gb_counter){keys[n], NULL, bd->floor_ms[i]}, n++;
        char key[48];
        snprintf(key, sizeof key, "bd_%s_bound", name);
        const char *bound = bd->floor_ms[i] > 0.0 ? beex_bound_kind_name(bd->bound[i]) : "none";
        if (json_object_set_new(fields, key, json_string(bound)) != 0)
            return -1;
    }
    const beex_floor_bounds *b = k->bounds;
    static const char *const tail[] = {
        "bd_other_ms",       "bd_classes_ms",     "bd_profiled_ms",          "bd_floor_ms",
        "bd_efficiency",     "bd_products_gflop", "bd_fp32_fma_gflop_per_s", "bd_dram_gb_per_s",
        "bd_cache_gb_per_s", "bd_llc_mib"};
    double v[] = {bd->ms[BEEX_TBD_OTHER],
                  bd->classes_ms,
                  bd->profiled_ms,
                  bd->floor_ms_total,
                  bd->efficiency,
                  bd->gflop[BEEX_TP_FWD_GEMM] + bd->gflop[BEEX_TP_FWD_ATTN] +
                      bd->gflop[BEEX_TP_BWD_GEMM] + bd->gflop[BEEX_TP_BWD_ATTN],
                  b->fp32_fma_flop_per_s * 1e-9,
                  b->dram_byte_per_s * 1e-9,
                  b->cache_byte_per_s * 1e-9,
                  b->llc_bytes / 1048576.0};
    for (int i = 0; i < 10; i++)
        c[n++] = (beex_gb_counter){tail[i], NULL, v[i]};
    return json_object_set_new(fields, "bd_profiled_steps", json_integer(bd->steps)) == 0 ? n : -1;
}

static int append_json(json_t *rows, const beex_train_bench_opts *o, const beex_train_shape *s,
                       int prec, int threads, int steps, const double *sec, double gemm,
                       double flop_rep, double speedup, const bd_case *bd, int family, int instance)
{
    double ex[BEEX_TRAIN_BENCH_MAX_REPS], gf[BEEX_TRAIN_BENCH_MAX_REPS],
        fr[BEEX_TRAIN_BENCH_MAX_REPS];
    for (int r = 0; r < o->reps; r++) {
        ex[r] = (double)steps * o->batch / sec[r];
        gf[r] = flop_rep / sec[r] / 1e9;
        fr[r] = gemm > 0 ? gf[r] / gemm : NAN;
    }
    char name[128];
    snprintf(name, sizeof name, "train/%s/%s/%d", s->name, beex_precision_name(prec), threads);
    beex_gb_counter counters[5 + BD_COUNTERS] = {
        {"examples_per_s", ex, 0},
        {"GFLOP_per_s", gf, 0},
        {"fraction_of_fp32_gemm", fr, 0},
        {"fp32_gemm_GFLOP_per_s", NULL, gemm},
        {"speedup_vs_1_thread", NULL, speedup},
    };
    char keys[BD_COUNTERS][40];
    int ncounters = 5;
    json_t *fields = json_pack("{s:s, s:s, s:i, s:i, s:i, s:f}", "shape", s->name, "precision",
                               beex_precision_name(prec), "tokens", s->tokens, "batch", o->batch,
                               "steps_per_repetition", steps, "flop_per_repetition", flop_rep);
    if (fields != NULL && bd != NULL) {
        int k = bd_counters(bd, keys, counters + 5, fields);
        if (k < 0) {
            json_decref(fields);
            return -1;
        }
        ncounters += k;
    }
    beex_gb_run run = {.name = name,
                       .family_index = family,
                       .instance_index = instance,
                       .threads = threads,
                       .reps = o->reps,
                       .seconds = sec,
                       .iterations = (double)steps,
                       .counters = counters,
                       .ncounters = ncounters,
                       .fields = fields};
    int rc = fields != NULL ? beex_gb_append(rows, &run) : -1;
    json_decref(fields);
    return rc;
}

/* Seconds for each bound: a fifth of --min-time, within [0.01, 0.1] (as bench model). */
static double bound_seconds(double min_time)
{
    double t = min_time / 5.0;
    return t < 0.01 ? 0.01 : t > 0.1 ? 0.1 : t;
}

static int run_shape(const beex_train_bench_opts *o, int si, json_t *rows, bd_list *bds)
{
    const beex_train_shape *s = &o->shapes[si];
    double gemm[BEEX_TRAIN_BENCH_MAX_LIST];
    double base[3] = {NAN, NAN, NAN}; /* ex/s at one thread, per precision */
    char err[256];
    for (int ti = 0; ti < o->nthreads; ti++) {
        if (beex_threads_setup(o->threads[ti], err, sizeof err) < 0) {
            fprintf(stderr, "beex bench train: %s\n", err);
            return -1;
        }
        gemm[ti] = beex_bench_fp32_gemm_gflops(o->batch * s->tokens, s->cfg.dff, s->cfg.d, 5);
        /* The floors' bounds on this team, measured once per thread count: the trainer's
         * products run on the fp32 backend's ISA, so that is the variant bounded. */
        const beex_floor_bounds *bounds = NULL;
        if (o->breakdown_steps > 0) {
            bounds = beex_floor_bounds_get(beex_fp32_products_isa(), beex_threads_count(),
                                           beex_system_llc_bytes(), bound_seconds(o->min_time),
                                           NULL, err, sizeof err);
            if (bounds == NULL) {
                fprintf(stderr, "beex bench train: %s\n", err);
                return -1;
            }
        }
        for (int pi = 0; pi < o->nprec; pi++) {
            double sec[BEEX_TRAIN_BENCH_MAX_REPS], sorted[BEEX_TRAIN_BENCH_MAX_REPS];
            int steps = 0;
            beex_tprofile prof;
            memset(&prof, 0, sizeof prof);
            if (beex_bench_train(s, (beex_precision)o->prec[pi], o->batch, o->steps, o->min_time,
                                 o->reps, sec, &steps, bounds != NULL ? &prof : NULL,
                                 o->breakdown_steps, err, sizeof err) != 0) {
                fprintf(stderr, "beex bench train: %s\n", err);
                return -1;
            }
            memcpy(sorted, sec, (size_t)o->reps * sizeof *sec);
            beex_stats st = beex_stats_of(sorted, (size_t)o->reps);
            double examples = (double)steps * o->batch;
            double flop_rep = examples * beex_tstep_flops(&s->cfg, s->tokens);
            double ex_s = examples / st.median, gf = flop_rep / st.median / 1e9;
            int nth = beex_threads_count();
            if (nth == 1)
                base[pi] = ex_s;
            double speedup = ex_s / base[pi];
            printf("%-5s %6d %-6s %3d %6d %9.1f %9.1f %9.1f %9.2f %8.1f %8.1f %6.3f", s->name,
                   s->tokens, beex_precision_name((beex_precision)o->prec[pi]), nth, steps, ex_s,
                   examples / st.max, examples / st.min, st.median / steps * 1e3, gf, gemm[ti],
                   gemm[ti] > 0 ? gf / gemm[ti] : NAN);
            if (isfinite(speedup))
                printf(" %7.2fx %5.2f\n", speedup, speedup / nth);
            else
                printf(" %8s %5s\n", "-", "-");
            fflush(stdout);
            bd_case *k = NULL;
            if (bounds != NULL) {
                k = &bds->cases[bds->n++];
                *k = (bd_case){s, o->prec[pi], nth, bounds, {0}};
                beex_train_breakdown_make(&prof, &s->cfg, (beex_precision)o->prec[pi], bounds,
                                          st.median / steps, &k->bd);
            }
            if (rows != NULL && append_json(rows, o, s, o->prec[pi], nth, steps, sec, gemm[ti],
                                            flop_rep, speedup, k, si * 3 + pi, ti) != 0) {
                fprintf(stderr, "beex bench train: out of memory for the JSON rows\n");
                return -1;
            }
        }
    }
    return 0;
}

/* The breakdowns, after the main table: per thread count the bounds' line, then each case. */
static void print_breakdowns(const beex_train_bench_opts *o, const bd_list *bds)
{
    printf("\nbreakdown (%d profiled steps per case, after the timed ones; floors from the "
           "bounds below, docs/benchmarks.md):\n",
           o->breakdown_steps);
    const beex_floor_bounds *last = NULL;
    beex_isa fp32 = beex_fp32_products_isa();
    for (int i = 0; i < bds->n; i++) {
        const bd_case *k = &bds->cases[i];
        if (k->bounds != last)
            beex_floor_bounds_print(stdout, k->bounds, fp32, fp32);
        last = k->bounds;
        printf("\n%s %s, %d thread%s, batch %d:\n", k->shape->name,
               beex_precision_name((beex_precision)k->prec), k->threads, k->threads == 1 ? "" : "s",
               o->batch);
        beex_train_breakdown_print(stdout, &k->bd);
    }
}

int beex_train_bench_run(const beex_train_bench_opts *o)
{
    json_t *rows = o->json != NULL ? json_array() : NULL;
    bd_list *bds = o->breakdown_steps > 0 ? calloc(1, sizeof *bds) : NULL;
    if ((o->json != NULL && rows == NULL) || (o->breakdown_steps > 0 && bds == NULL)) {
        fprintf(stderr, "beex bench train: out of memory\n");
        json_decref(rows);
        free(bds);
        return 1;
    }
    printf("%-5s %6s %-6s %3s %6s %9s %9s %9s %9s %8s %8s %6s %8s %5s\n", "shape", "tokens", "prec",
           "thr", "steps", "ex/s", "ex/s_min", "ex/s_max", "ms/step", "GFLOP/s", "gemm_GF", "frac",
           "vs_1thr", "eff");
    int status = 0;
    for (int s = 0; s < o->nshapes && status == 0; s++)
        if (run_shape(o, s, rows, bds) != 0)
            status = 1;
    printf("ex/s: median over %d repetitions (min and max beside it); frac = GFLOP/s over "
           "gemm_GF; eff = vs_1thr / threads\n",
           o->reps);
    if (status == 0 && bds != NULL)
        print_breakdowns(o, bds);
    if (status == 0 && o->json != NULL) {
        char err[512];
        if (beex_gb_write(rows, o->json, err, sizeof err) != 0) {
            fprintf(stderr, "beex bench train: %s\n", err);
            status = 1;
        } else {
            printf("wrote %s\n", o->json);
        }
    }
    json_decref(rows);
    free(bds);
    return status;
}
