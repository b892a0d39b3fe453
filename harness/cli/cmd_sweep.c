/* `beex sweep MODEL TASK`: full-depth trace of dev and test, offline replay of every exit
 * rule with bootstrap intervals and paired comparisons, the dev Pareto front over all rules,
 * and timed runs of its points per variant x threads x batch size. `beex sweep --trace-files
 * DEV TEST`: the same replay on another tool's traces (docs/traces.md), without a model. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/sweep_run.h"
#include "harness/bench/counters.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/eval/intervals.h"
#include "harness/model/exit_rules.h"
#include "harness/model/model.h"
#include "kernels/cpu.h"

#define MAX_POINTS BEEX_SWEEP_MAX_POINTS
#define MAX_LIST BEEX_SWEEP_MAX_LIST

static void usage(FILE *out)
{
    char rules[256];
    fprintf(
        out,
        "usage: beex sweep MODEL TASK [options]\n"
        "       beex sweep --trace-files DEV.jsonl TEST.jsonl [options]\n"
        "  Trace every dev and test example through all blocks, replay every exit rule\n"
        "  over its grid (%s; docs/exit-rules.md)\n"
        "  with 95 %% bootstrap intervals and paired comparisons against full depth and\n"
        "  against static depth at equal cost; time the points of the dev Pareto front\n"
        "  over all rules.\n"
        "  --precision P     fp32 | w1a32 | w1a1 | w8a8 (default: the model's; w8a8 needs a\n"
        "                    model calibrated by beex quantize)\n"
        "  --variants LIST   comma list of scalar,avx2,avx512,neon or 'all' (default all\n"
        "                    this CPU runs; a listed one it lacks is an error)\n"
        "  --threads LIST    comma list of thread counts (default 1,<cores>)\n"
        "  --batches LIST    comma list of batch sizes (default 1,32)\n"
        "  --reps N          timed repetitions per point, at least 9 (default 9)\n"
        "  --points N        most Pareto points timed (default 6; 3 with --quick)\n"
        "  --metric M        accuracy | f1 | mcc (default: the task's)\n"
        "  --out DIR         run directory (default results/runs/sweep-TASK-PREC-HOST-TIME)\n"
        "  --shard i/n       trace only shard i of n (0-based) of dev and test; join the\n"
        "                    shards with `beex merge`, then time with --trace (n at most\n"
        "                    the examples of dev and of test: no shard may be empty)\n"
        "  --trace DIR       reuse trace_dev.csv / trace_test.csv from DIR (no trace pass)\n"
        "  --no-timed        replay only\n"
        "  --trace-files     DEV and TEST are beex-exit-trace/1 files of another tool\n"
        "                    (docs/traces.md; `beex trace convert` writes them from a CSV or\n"
        "                    a beex trace): the replay, intervals, fronts and files without a\n"
        "                    model, costs from the traces; --no-timed is implied (nothing to\n"
        "                    time), and --precision, --variants, --threads, --batches, --reps,\n"
        "                    --points, --shard, --trace and --events do not apply\n"
        "  --calibrate-temperature  with --trace-files: fit a temperature per exit on dev\n"
        "                    (NLL) and divide every exit's logits by it, dev and test, before\n"
        "                    the rules see them; sweep.json records the temperatures\n"
        "  --quick           coarser grid (delta step 0.05), fewer timed points\n"
        "  --resamples N     bootstrap resamples, at least 2000 (default 2000)\n"
        "  --seed N          bootstrap seed (default 1): same inputs, same intervals\n"
        "  --positive NAME   class whose F1 a binary task reports (default: the class\n"
        "                    named 1, pos, positive, spam, true or yes, else the second)\n"
        "  --overwrite       replace the files of an earlier run in --out\n"
        "  --events LIST     hardware events by PAPI name for the timed runs (default\n"
        "                    PAPI_TOT_INS,PAPI_TOT_CYC,PAPI_L1_DCM,PAPI_L2_DCM; at most 8;\n"
        "                    native names such as perf::INSTRUCTIONS too). Events the machine\n"
        "                    lacks are reported with the results (a VM: \"no PMU\"), not fatal\n"
        "The run directory appears only when every file is written (a failure or Ctrl-C\n"
        "leaves none); an --out that already holds files is refused without --overwrite.\n"
        "Labels are matched to the model's classes by name; a mismatch is an error.\n"
        "Exit status: 0 ok, 1 runtime error or a timed run disagreeing with the replay,\n"
        "2 usage error.\n",
        beex_exit_rule_names_joined(rules, sizeof rules, ", "));
}

enum {
    O_PREC = 256,
    O_VAR,
    O_THR,
    O_BAT,
    O_REPS,
    O_OUT,
    O_SHARD,
    O_QUICK,
    O_TRACE,
    O_POINTS,
    O_NOTIMED,
    O_METRIC,
    O_RESAMPLES,
    O_SEED,
    O_POSITIVE,
    O_OVERWRITE,
    O_EVENTS,
    O_TRACE_FILES,
    O_CALIBRATE
};

static const struct option opts[] = {{"precision", required_argument, 0, O_PREC},
                                     {"variants", required_argument, 0, O_VAR},
                                     {"threads", required_argument, 0, O_THR},
                                     {"batches", required_argument, 0, O_BAT},
                                     {"reps", required_argument, 0, O_REPS},
                                     {"out", required_argument, 0, O_OUT},
                                     {"shard", required_argument, 0, O_SHARD},
                                     {"quick", no_argument, 0, O_QUICK},
                                     {"trace", required_argument, 0, O_TRACE},
                                     {"points", required_argument, 0, O_POINTS},
                                     {"no-timed", no_argument, 0, O_NOTIMED},
                                     {"metric", required_argument, 0, O_METRIC},
                                     {"resamples", required_argument, 0, O_RESAMPLES},
                                     {"seed", required_argument, 0, O_SEED},
                                     {"positive", required_argument, 0, O_POSITIVE},
                                     {"overwrite", no_argument, 0, O_OVERWRITE},
                                     {"events", required_argument, 0, O_EVENTS},
                                     {"trace-files", no_argument, 0, O_TRACE_FILES},
                                     {"calibrate-temperature", no_argument, 0, O_CALIBRATE},
                                     {"help", no_argument, 0, 'h'},
                                     {0, 0, 0, 0}};

static void set_defaults(beex_sweep_options *a)
{
    memset(a, 0, sizeof *a);
    a->precision = -1;
    a->reps = 9;
    a->points = -1;
    a->metric = -1;
    a->resamples = BEEX_BOOTSTRAP_MIN_RESAMPLES;
    a->seed = BEEX_BOOTSTRAP_DEFAULT_SEED;
    snprintf(a->variants_arg, sizeof a->variants_arg, "all");
}

/* A decimal count of digits only (no sign, no space) up to INT_MAX; end receives what
 * follows. sscanf's %d would wrap 4294967298 to 2 and take it. Returns -1 when none. */
static long count_prefix(const char *s, const char **end)
{
    long v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (INT_MAX - (*p - '0')) / 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    *end = p;
    return p == s ? -1 : v;
}

/* --shard i/n: 0 <= i < n. Returns 0, or -1 when arg is anything else. */
static int parse_shard(const char *arg, int *i, int *n)
{
    const char *p;
    long a = count_prefix(arg, &p);
    if (a < 0 || *p != '/')
        return -1;
    long b = count_prefix(p + 1, &p);
    if (b < 1 || *p != '\0' || a >= b)
        return -1;
    *i = (int)a, *n = (int)b;
    return 0;
}

/* The first option given that needs a model (--trace-files has none), for check_args. */
static const char *model_only_option;

static void note_model_only(int c)
{
    static const int model_only[] = {O_PREC,   O_VAR,   O_THR,   O_BAT,   O_REPS,
                                     O_POINTS, O_SHARD, O_TRACE, O_EVENTS};
    int needs_model = 0;
    for (size_t k = 0; k < sizeof model_only / sizeof *model_only; k++)
        needs_model |= c == model_only[k];
    for (size_t j = 0; needs_model && model_only_option == NULL && opts[j].name != NULL; j++)
        if (opts[j].val == c)
            model_only_option = opts[j].name;
}

/* One option's value into a. Returns 0, or 2 after printing why it is bad. */
static int parse_value(int c, const char *arg, beex_sweep_options *a)
{
    note_model_only(c);
    switch (c) {
    case O_PREC:
        if ((a->precision = beex_precision_parse(arg)) < 0) {
            fprintf(stderr, "beex sweep: unknown precision '%s' (fp32, w1a32, w1a1, w8a8)\n", arg);
            return 2;
        }
        break;
    case O_VAR:
        snprintf(a->variants_arg, sizeof a->variants_arg, "%s", arg);
        if ((a->n_variants = beex_arg_variants("sweep", "variants", arg, 0, a->variants)) < 0)
            return 2;
        break;
    case O_THR:
        snprintf(a->threads_arg, sizeof a->threads_arg, "%s", arg);
        if ((a->n_threads = beex_arg_int_list("sweep", "threads", arg, 1, BEEX_MAX_THREADS,
                                              a->threads, MAX_LIST)) < 0)
            return 2;
        break;
    case O_BAT:
        snprintf(a->batches_arg, sizeof a->batches_arg, "%s", arg);
        if ((a->n_batches =
                 beex_arg_int_list("sweep", "batches", arg, 1, 1 << 20, a->batches, MAX_LIST)) < 0)
            return 2;
        break;
    case O_REPS:
        if (beex_arg_int("sweep", "reps", arg, 9, 100000, &a->reps) != 0)
            return 2;
        break;
    case O_POINTS:
        if (beex_arg_int("sweep", "points", arg, 1, MAX_POINTS, &a->points) != 0)
            return 2;
        break;
    case O_OUT:
    case O_TRACE:
        /* An empty folder name would only fail when the run is committed, after the work. */
        if (arg[0] == '\0') {
            fprintf(stderr, "beex sweep: --%s needs a folder name, got ''\n",
                    c == O_OUT ? "out" : "trace");
            return 2;
        }
        if (c == O_OUT)
            a->out = arg;
        else
            a->trace_dir = arg;
        break;
    case O_SHARD:
        if (parse_shard(arg, &a->shard_i, &a->shard_n) != 0) {
            fprintf(stderr, "beex sweep: --shard wants i/n with 0 <= i < n <= %d, got '%s'\n",
                    INT_MAX, arg);
            return 2;
        }
        break;
    case O_QUICK:
        a->quick = 1;
        break;
    case O_NOTIMED:
        a->no_timed = 1;
        break;
    case O_METRIC:
        if ((a->metric = beex_metric_parse(arg)) < 0) {
            fprintf(stderr, "beex sweep: unknown metric '%s' (accuracy, f1, mcc)\n", arg);
            return 2;
        }
        break;
    case O_RESAMPLES:
        if (beex_arg_int("sweep", "resamples", arg, BEEX_BOOTSTRAP_MIN_RESAMPLES, 1000000,
                         &a->resamples) != 0)
            return 2;
        break;
    case O_SEED: {
        int seed;
        if (beex_arg_int("sweep", "seed", arg, 0, 2147483647, &seed) != 0)
            return 2;
        a->seed = (unsigned long long)seed;
        break;
    }
    case O_POSITIVE:
        a->positive = arg;
        break;
    case O_EVENTS: {
        char why[200];
        if (beex_hw_counters_choose(arg, why, sizeof why) != 0) {
            fprintf(stderr, "beex sweep: %s\n", why);
            return 2;
        }
        break;
    }
    case O_OVERWRITE:
        a->overwrite = 1;
        break;
    case O_TRACE_FILES:
        a->trace_files[0] = ""; /* the two files are the operands: check_args */
        break;
    case O_CALIBRATE:
        a->calibrate_temperature = 1;
        break;
    default:
        usage(stderr);
        return 2;
    }
    return 0;
}

/* MODEL and TASK, and what depends on several options: --shard against --trace, the number
 * of points, the variants "all" stands for. Returns 0, or 2 after printing why. */
static int check_args(int argc, char **argv, beex_sweep_options *a)
{
    if (a->points < 0)
        a->points = a->quick ? 3 : 6;
    if (a->trace_files[0] != NULL) {
        if (argc - optind != 2) {
            fprintf(stderr, "beex sweep: --trace-files expects DEV and TEST trace files\n");
            usage(stderr);
            return 2;
        }
        if (model_only_option != NULL) {
            fprintf(stderr, "beex sweep: --%s does not apply to --trace-files (no model to run)\n",
                    model_only_option);
            return 2;
        }
        a->trace_files[0] = argv[optind];
        a->trace_files[1] = argv[optind + 1];
        return 0;
    }
    if (a->calibrate_temperature) {
        fprintf(stderr, "beex sweep: --calibrate-temperature works with --trace-files only (the "
                        "engine's timed runs apply no temperature); `beex trace convert` turns a "
                        "sweep's traces into trace files\n");
        return 2;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "beex sweep: expected MODEL and TASK\n");
        usage(stderr);
        return 2;
    }
    a->model = argv[optind];
    a->task = argv[optind + 1];
    if (a->shard_n > 0 && a->trace_dir != NULL) {
        fprintf(stderr, "beex sweep: --shard and --trace exclude each other\n");
        return 2;
    }
    /* Variants: every one this CPU runs (saying which it leaves out), or the listed ones. */
    if (strcmp(a->variants_arg, "all") == 0) {
        a->n_variants = beex_arg_variants("sweep", "variants", "all", 0, a->variants);
        if (a->n_variants < 0)
            return 2;
        for (int i = 0; i < BEEX_ISA_COUNT; i++) {
            const char *why;
            if (!beex_isa_available((beex_isa)i, &why))
                fprintf(stderr, "beex sweep: variant %s skipped: %s\n", beex_isa_name((beex_isa)i),
                        why);
        }
    }
    return 0;
}

/* Returns 0, 1 after --help, or 2 on a usage error. */
static int parse_args(int argc, char **argv, beex_sweep_options *a)
{
    set_defaults(a);
    model_only_option = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 1;
        }
        if (parse_value(c, optarg, a) != 0)
            return 2;
    }
    return check_args(argc, argv, a);
}

int beex_cmd_sweep(int argc, char **argv)
{
    beex_sweep_options a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    return beex_sweep_run(&a);
}
