/* `beex bench train`'s run (train_bench_run.h). */
#include "harness/app/train_bench_run.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/base/threads.h"
#include "harness/base/timing.h"
#include "harness/report/gbench_json.h"
#include "harness/train/tstep.h"

static int append_json(json_t *rows, const beex_train_bench_opts *o, const beex_train_shape *s,
                       int prec, int threads, int steps, const double *sec, double gemm,
                       double flop_rep, double speedup, int family, int instance)
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
    beex_gb_counter counters[] = {
        {"examples_per_s", ex, 0},
        {"GFLOP_per_s", gf, 0},
        {"fraction_of_fp32_gemm", fr, 0},
        {"fp32_gemm_GFLOP_per_s", NULL, gemm},
        {"speedup_vs_1_thread", NULL, speedup},
    };
    json_t *fields = json_pack("{s:s, s:s, s:i, s:i, s:i, s:f}", "shape", s->name, "precision",
                               beex_precision_name(prec), "tokens", s->tokens, "batch", o->batch,
                               "steps_per_repetition", steps, "flop_per_repetition", flop_rep);
    beex_gb_run run = {.name = name,
                       .family_index = family,
                       .instance_index = instance,
                       .threads = threads,
                       .reps = o->reps,
                       .seconds = sec,
                       .iterations = (double)steps,
                       .counters = counters,
                       .ncounters = (int)(sizeof counters / sizeof counters[0]),
                       .fields = fields};
    int rc = fields != NULL ? beex_gb_append(rows, &run) : -1;
    json_decref(fields);
    return rc;
}

static int run_shape(const beex_train_bench_opts *o, int si, json_t *rows)
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
        for (int pi = 0; pi < o->nprec; pi++) {
            double sec[BEEX_TRAIN_BENCH_MAX_REPS], sorted[BEEX_TRAIN_BENCH_MAX_REPS];
            int steps = 0;
            if (beex_bench_train(s, (beex_precision)o->prec[pi], o->batch, o->steps, o->min_time,
                                 o->reps, sec, &steps, err, sizeof err) != 0) {
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
            if (rows != NULL && append_json(rows, o, s, o->prec[pi], nth, steps, sec, gemm[ti],
                                            flop_rep, speedup, si * 3 + pi, ti) != 0) {
                fprintf(stderr, "beex bench train: out of memory for the JSON rows\n");
                return -1;
            }
        }
    }
    return 0;
}

int beex_train_bench_run(const beex_train_bench_opts *o)
{
    json_t *rows = o->json != NULL ? json_array() : NULL;
    printf("%-5s %6s %-6s %3s %6s %9s %9s %9s %9s %8s %8s %6s %8s %5s\n", "shape", "tokens", "prec",
           "thr", "steps", "ex/s", "ex/s_min", "ex/s_max", "ms/step", "GFLOP/s", "gemm_GF", "frac",
           "vs_1thr", "eff");
    int status = 0;
    for (int s = 0; s < o->nshapes && status == 0; s++)
        if (run_shape(o, s, rows) != 0)
            status = 1;
    printf("ex/s: median over %d repetitions (min and max beside it); frac = GFLOP/s over "
           "gemm_GF; eff = vs_1thr / threads\n",
           o->reps);
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
    return status;
}
