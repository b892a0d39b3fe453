/* `beex bench train`'s options (the run: harness/app/train_bench_run.c): examples/s of the
 * trainer's own step per shape x precision x threads, GFLOP/s from the analytic FLOPs of forward +
 * backward, the fraction of the fp32 GEMM rate the same machine reaches on the trainer's largest
 * product (measured in the same run), and the speed-up over one thread. Google Benchmark JSON with
 * --json; --breakdown splits a step into operation classes beside their floors. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/train_bench_run.h"
#include "harness/base/threads.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex bench train [--shapes mr,long] [--precisions fp32,w1a1] [--threads 1,2]\n"
            "       [--batch N] [--steps N] [--min-time S] [--reps N] [--json FILE]\n"
            "       [--breakdown] [--breakdown-steps N]\n\n"
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
            "  --breakdown   after each case's timed repetitions, --breakdown-steps (default 3)\n"
            "                profiled steps split into classes (effective weights, zeroing the\n"
            "                gradients, forward and backward GEMMs, attention and the rest of\n"
            "                each pass, surrogate gradients + clipping, Adam, other), each beside\n"
            "                its floor: products at the fp32 FMA rate of the ISA they run on,\n"
            "                per-parameter passes at DRAM or cache bandwidth (by working set\n"
            "                against the LLC), '-' where no floor can be stated; bounds measured\n"
            "                in the same run per thread count. Efficiency = the floors' sum over\n"
            "                the unprofiled median step. A table per case after the main one;\n"
            "                with --json, bd_* counters and fields in each case's rows\n"
            "                (docs/benchmarks.md).\n"
            "GFLOP/s counts 2 FLOPs per multiply-add of the linear layers, attention's two\n"
            "products and the exit heads, forward once and backward twice; elementwise work is\n"
            "not counted. gemm_GF/s is the engine's libxsmm fp32 product Y = X W^T at the\n"
            "trainer's largest shape (batch x tokens rows, 256 x 100), on the same threads.\n"
            "Exit status: 0 success, 1 runtime error, 2 usage error.\n");
}

static int parse_shapes(const char *arg, beex_train_bench_opts *o)
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

static int parse_precisions(const char *arg, beex_train_bench_opts *o)
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

int beex_cmd_bench_train(int argc, char **argv)
{
    static const struct option opts[] = {{"shapes", required_argument, NULL, 's'},
                                         {"precisions", required_argument, NULL, 'p'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"batch", required_argument, NULL, 'b'},
                                         {"steps", required_argument, NULL, 'n'},
                                         {"min-time", required_argument, NULL, 'm'},
                                         {"reps", required_argument, NULL, 'r'},
                                         {"json", required_argument, NULL, 'j'},
                                         {"breakdown", no_argument, NULL, 'B'},
                                         {"breakdown-steps", required_argument, NULL, 'N'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    beex_train_bench_opts o;
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
    int breakdown = 0, breakdown_steps = 3;
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
            o.nthreads = beex_arg_int_list(cmd, "threads", optarg, 1, BEEX_MAX_THREADS, o.threads,
                                           BEEX_TRAIN_BENCH_MAX_LIST);
            bad = o.nthreads < 0;
            break;
        case 'b':
            bad = beex_arg_int(cmd, "batch", optarg, 1, 4096, &o.batch);
            break;
        case 'n':
            bad = beex_arg_int(cmd, "steps", optarg, 1, 100000, &o.steps);
            break;
        case 'm':
            bad = beex_arg_double(cmd, "min-time", optarg, &o.min_time) != 0;
            if (!bad && !(o.min_time > 0 && o.min_time <= 3600)) {
                fprintf(stderr,
                        "beex bench train: --min-time needs seconds in (0, 3600], got '%s'\n",
                        optarg);
                bad = 1;
            }
            break;
        case 'r':
            bad = beex_arg_int(cmd, "reps", optarg, 1, BEEX_TRAIN_BENCH_MAX_REPS, &o.reps);
            break;
        case 'j':
            o.json = optarg;
            bad = beex_arg_output(cmd, "json", optarg);
            break;
        case 'B':
            breakdown = 1;
            break;
        case 'N':
            bad = beex_arg_int(cmd, "breakdown-steps", optarg, 1, 100000, &breakdown_steps);
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
    o.breakdown_steps = breakdown ? breakdown_steps : 0;
    return beex_train_bench_run(&o);
}
