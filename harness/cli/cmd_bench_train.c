/* `beex bench train`: examples/s of the trainer's own step per shape x precision x threads,
 * GFLOP/s from the analytic FLOPs of forward + backward, the fraction of the fp32 GEMM rate
 * the same machine reaches on the trainer's largest product (measured in the same run), and
 * the speed-up over one thread. Google Benchmark JSON with --json. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/atomic_file.h"
#include "harness/base/threads.h"
#include "harness/base/timing.h"
#include "harness/bench/train_bench.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/report/gbench_json.h"
#include "harness/train/tstep.h"

enum { MAX_LIST = 8, MAX_REPS = 1000 };

typedef struct {
    beex_train_shape shapes[2];
    int nshapes;
    int prec[3], nprec;
    int threads[MAX_LIST], nthreads;
    int batch, steps, reps;
    double min_time;
    const char *json;
} options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex bench train [--shapes mr,long] [--precisions fp32,w1a1] [--threads 1,2]\n"
            "       [--batch N] [--steps N] [--min-time S] [--reps N] [--json FILE]\n\n"
            "Times the step of `beex train` (effective weights, forward and backward over a\n"
            "mini-batch, Adam) on a random-weight model of mr's recipe (d 100, 4 heads, dff 256,\n"
            "6 blocks, 23,200 vocabulary rows, 2 classes) with random token ids, dropout 0.1.\n"
            "  --shapes      mr: every example 21 tokens (mr's mean, max_len 64);\n"
            "                long: 512 tokens (mrdoc at its real length). Default both.\n"
            "  --precisions  fp32,w1a32,w1a1 (default fp32,w1a1)\n"
            "  --threads     thread counts (default 1,2)\n"
            "  --batch       examples per step (default 32)\n"
            "  --steps       steps per repetition (default: as many as last --min-time)\n"
            "  --min-time    seconds per repetition when --steps is not given (default 1)\n"
            "  --reps        repetitions after one warm-up step (default 5)\n"
            "  --json FILE   Google Benchmark JSON (repetitions + mean/median/stddev/cv, ns)\n"
            "GFLOP/s counts 2 FLOPs per multiply-add of the linear layers, attention's two\n"
            "products and the exit heads, forward once and backward twice; elementwise work is\n"
            "not counted. gemm_GF/s is the engine's libxsmm fp32 product Y = X W^T at the\n"
            "trainer's largest shape (batch x tokens rows, 256 x 100), on the same threads.\n"
            "Exit status: 0 success, 1 runtime error, 2 usage error.\n");
}

static int parse_shapes(const char *arg, options *o)
{
    char buf[64];
    if (beex_list_has_empty_field(arg) || snprintf(buf, sizeof buf, "%s", arg) >= (int)sizeof buf)
        return -1;
    o->nshapes = 0;
    char *save = NULL;
    for (char *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
        if (o->nshapes >= 2 || beex_train_shape_get(w, &o->shapes[o->nshapes]) != 0) {
            fprintf(stderr,
                    "beex bench train: --shapes: unknown or repeated shape '%s' (mr, long)\n", w);
            return -1;
        }
        o->nshapes++;
    }
    return 0;
}

static int parse_precisions(const char *arg, options *o)
{
    char buf[64];
    if (beex_list_has_empty_field(arg) || snprintf(buf, sizeof buf, "%s", arg) >= (int)sizeof buf)
        return -1;
    o->nprec = 0;
    char *save = NULL;
    for (char *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
        int p = beex_precision_parse(w);
        if (p < 0 || o->nprec >= 3) {
            fprintf(stderr, "beex bench train: --precisions: unknown precision '%s'\n", w);
            return -1;
        }
        o->prec[o->nprec++] = p;
    }
    return 0;
}

typedef struct {
    double ex_s, gflops, frac;
} row_figures;

static int append_json(json_t *rows, const options *o, const beex_train_shape *s, int prec,
                       int threads, int steps, const double *sec, double gemm, double flop_rep,
                       double speedup, int family, int instance)
{
    double ex[MAX_REPS], gf[MAX_REPS], fr[MAX_REPS];
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

static int run_shape(const options *o, int si, json_t *rows)
{
    const beex_train_shape *s = &o->shapes[si];
    double gemm[MAX_LIST];
    double base[3] = {NAN, NAN, NAN}; /* ex/s at one thread, per precision */
    char err[256];
    for (int ti = 0; ti < o->nthreads; ti++) {
        if (beex_threads_setup(o->threads[ti], err, sizeof err) < 0) {
            fprintf(stderr, "beex bench train: %s\n", err);
            return -1;
        }
        gemm[ti] = beex_bench_fp32_gemm_gflops(o->batch * s->tokens, s->cfg.dff, s->cfg.d, 5);
        for (int pi = 0; pi < o->nprec; pi++) {
            double sec[MAX_REPS], sorted[MAX_REPS];
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

int beex_cmd_bench_train(int argc, char **argv)
{
    static const struct option opts[] = {
        {"shapes", required_argument, NULL, 's'},  {"precisions", required_argument, NULL, 'p'},
        {"threads", required_argument, NULL, 't'}, {"batch", required_argument, NULL, 'b'},
        {"steps", required_argument, NULL, 'n'},   {"min-time", required_argument, NULL, 'm'},
        {"reps", required_argument, NULL, 'r'},    {"json", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    options o;
    memset(&o, 0, sizeof o);
    beex_train_shape_get("mr", &o.shapes[0]);
    beex_train_shape_get("long", &o.shapes[1]);
    o.nshapes = 2;
    o.prec[0] = BEEX_PREC_FP32;
    o.prec[1] = BEEX_PREC_W1A1;
    o.nprec = 2;
    o.threads[0] = 1;
    o.threads[1] = 2;
    o.nthreads = 2;
    o.batch = 32;
    o.reps = 5;
    o.min_time = 1.0;
    const char *cmd = "bench train";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 's':
            bad = parse_shapes(optarg, &o);
            break;
        case 'p':
            bad = parse_precisions(optarg, &o);
            break;
        case 't':
            o.nthreads = beex_arg_int_list(cmd, "--threads", optarg, 1, BEEX_MAX_THREADS, o.threads,
                                           MAX_LIST);
            bad = o.nthreads < 0;
            break;
        case 'b':
            bad = beex_arg_int(cmd, "--batch", optarg, 1, 4096, &o.batch);
            break;
        case 'n':
            bad = beex_arg_int(cmd, "--steps", optarg, 1, 100000, &o.steps);
            break;
        case 'm':
            bad = beex_arg_double(cmd, "--min-time", optarg, &o.min_time) != 0 ||
                  !(o.min_time > 0 && o.min_time <= 3600);
            if (bad && o.min_time <= 0)
                fprintf(stderr, "beex bench train: --min-time needs seconds in (0, 3600]\n");
            break;
        case 'r':
            bad = beex_arg_int(cmd, "--reps", optarg, 1, MAX_REPS, &o.reps);
            break;
        case 'j':
            o.json = optarg;
            bad = beex_arg_output(cmd, "--json", optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "beex bench train: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    json_t *rows = o.json != NULL ? json_array() : NULL;
    printf("%-5s %6s %-6s %3s %6s %9s %9s %9s %9s %8s %8s %6s %8s %5s\n", "shape", "tokens", "prec",
           "thr", "steps", "ex/s", "ex/s_min", "ex/s_max", "ms/step", "GFLOP/s", "gemm_GF", "frac",
           "vs_1thr", "eff");
    int status = 0;
    for (int s = 0; s < o.nshapes && status == 0; s++)
        if (run_shape(&o, s, rows) != 0)
            status = 1;
    printf("ex/s: median over %d repetitions (min and max beside it); frac = GFLOP/s over "
           "gemm_GF; eff = vs_1thr / threads\n",
           o.reps);
    if (status == 0 && o.json != NULL) {
        json_t *doc = beex_gb_document(rows);
        char err[256];
        if (doc == NULL) {
            fprintf(stderr, "beex bench train: cannot build the JSON document\n");
            status = 1;
        } else if (beex_json_write_atomic(doc, o.json, err, sizeof err) != 0) {
            fprintf(stderr, "beex bench train: %s\n", err);
            status = 1;
        } else {
            printf("wrote %s\n", o.json);
        }
        json_decref(doc);
    }
    json_decref(rows);
    return status;
}
