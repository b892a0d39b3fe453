/* `beex bench model`: examples per second and batch latency (p50/p90/p99) per shape x
 * precision x variant x threads x batch size with random weights, the cases compared timed
 * interleaved; the w1a1 / fp32 speed ratio and thread scaling from the same run, each with a
 * per-round interval; the time compaction saves when half a batch exits at block 2; with
 * --breakdown, where a pass's time goes per operation class beside each class's floor.
 * Google-Benchmark-shaped JSON with --json. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/model_bench_run.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/model/model.h"
#include "kernels/cpu.h"

#define MAXL BEEX_MODEL_BENCH_MAX_LIST

typedef beex_model_bench_list int_list;
typedef beex_model_bench_options options;

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: beex bench model [--shapes small,bert-base] [--precisions fp32,w1a32,w1a1]\n"
        "       [--variants all|scalar,avx2,...] [--threads 1,2] [--batches 1,32]\n"
        "       [--parallel ops|examples|both] [--tokens N] [--min-time S] [--min-reps N]\n"
        "       [--max-reps N] [--slot-warmup auto|0|1] [--compaction-batch N]\n"
        "       [--compaction-precisions LIST] [--breakdown] [--breakdown-passes N]\n"
        "       [--seed N] [--quick] [--json FILE]\n\n"
        "Random-weight models: small (docs/model.md defaults, classes 2) and bert-base (12\n"
        "blocks, d 768, 12 heads, dff 3072, max_len 128). --precisions takes fp32, w1a32,\n"
        "w1a1 and w8a8 (default the first three); for w8a8 the random model is calibrated\n"
        "first on its own random examples (beex quantize's scales, docs/model.md section 3b).\n"
        "Every example has --tokens tokens (default max_len) and runs all blocks (no early\n"
        "exit) except in the compaction experiment, where half of a batch is capped at block 2\n"
        "(beex_engine_run_batch_capped).\n"
        "--parallel: for threads > 1 and batch > 1, threads inside each operation (ops), across\n"
        "the examples of a batch (examples: one single-threaded worker per share), or both\n"
        "(default).\n"
        "Without --variants: every available variant on small, the best one on bert-base; the\n"
        "compaction experiment runs every precision on small, w1a1 on bert-base unless\n"
        "--compaction-precisions says otherwise.\n\n"
        "Interleaving (docs/benchmarks.md): the cases of one batch size (every precision x\n"
        "variant x threads x parallel mode), and the compaction experiment's capped and\n"
        "uncapped batches, are timed in rounds: each round runs one batch of every case, in an\n"
        "order drawn from --seed and the round. Rounds go on until --min-reps rounds are done\n"
        "and the timed seconds reach --min-time per case on average (at most --max-reps).\n"
        "--slot-warmup: an untimed batch before each timed one (1), never (0), or only for\n"
        "cases whose batch takes under 20 ms (auto, default), whose caches the other cases\n"
        "evict. Every ratio (w1a1/fp32, w1a32/fp32, N threads over the first count, compaction's\n"
        "time saved over OPs saved) is also given per round: the median of the per-round ratios\n"
        "and its 95 %% bootstrap interval; a WARNING says when fewer than 5 rounds allow no\n"
        "interval or the interval is wider than 10 %% of the median: too wide for a claim.\n\n"
        "--breakdown: after the timed rounds, --breakdown-passes (default 3) profiled batches\n"
        "per case (profiling reads the clock around every operation, so these are not the\n"
        "timed ones) split into operation classes: GEMMs, binarize+pack (w8a8: quantize),\n"
        "attention scores, softmax, attention x V, layer norm, SLFN, exits, embedding, and\n"
        "other (the rest of the pass). Each class is set beside its floor, its work (the cost\n"
        "model's FLOPs, IOPs and BOPs, and the bytes it moves) at bounds measured in this run\n"
        "on the same threads: the variant's W1A1 bound loop, the FMA loops, DRAM (STREAM\n"
        "triad) and cache bandwidth (no int8 bound yet: a w8a8 GEMM's floor is unknown); a\n"
        "floor is the larger of compute and memory time, and the table names the\n"
        "bound that set it. Efficiency = floor / time per class; for the model, the floors'\n"
        "sum over the unprofiled median. With --json the breakdown is in each case's rows\n"
        "(bd_* counters) and in beex.breakdown.\n\n"
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

/* Which options the command line set (their defaults depend on --quick). */
typedef struct {
    int quick, shapes, threads, batches, variants, compaction;
} given;

static void set_defaults(options *o)
{
    memset(o, 0, sizeof *o);
    o->shapes[0] = 0, o->shapes[1] = 1, o->nshapes = 2;
    o->precisions.v[0] = BEEX_PREC_FP32, o->precisions.v[1] = BEEX_PREC_W1A32;
    o->precisions.v[2] = BEEX_PREC_W1A1, o->precisions.n = 3;
    o->batches.v[0] = 1, o->batches.v[1] = 32, o->batches.n = 2;
    o->parallel_both = 1;
    o->min_reps = 3, o->max_reps = 100000, o->compaction_batch = 32, o->seed = 1;
    o->min_time = 0.5;
    o->slot_warmup = -1;
    o->breakdown_passes = 3;
}

/* One option's value into o. Returns 0; 2 after printing why it is bad; or -1 or 1 for a bad
 * --shapes or --parallel, which the caller reports. */
static int parse_value(int ch, const char *arg, options *o, given *set)
{
    int bad = 0;
    switch (ch) {
    case 's': {
        int_list shl;
        bad = parse_list(arg, "shape", parse_shape, &shl);
        if (!bad && shl.n > 2)
            bad = -1;
        for (int i = 0; !bad && i < shl.n; i++)
            o->shapes[i] = shl.v[i];
        o->nshapes = shl.n;
        set->shapes = 1;
        break;
    }
    case 'p':
        bad = parse_list(arg, "precision", beex_precision_parse, &o->precisions);
        break;
    case 'v':
        o->variants.n = beex_arg_variants("bench model", "variants", arg, 1, o->variants.v);
        bad = o->variants.n < 0 ? 2 : 0;
        set->variants = 1;
        break;
    case 't':
        bad = parse_list(arg, "threads", parse_threads, &o->threads);
        set->threads = 1;
        break;
    case 'b':
        bad = parse_list(arg, "batch size", parse_pos, &o->batches);
        set->batches = 1;
        break;
    case 'P':
        if (strcmp(arg, "both") == 0)
            o->parallel_both = 1, o->parallel_only_examples = 0;
        else if (strcmp(arg, "ops") == 0)
            o->parallel_both = 0, o->parallel_only_examples = 0;
        else if (strcmp(arg, "examples") == 0)
            o->parallel_both = 0, o->parallel_only_examples = 1;
        else
            bad = -1;
        break;
    case 'T':
        /* The longest shape holds 128 tokens; a longer request would be clamped silently. */
        bad = beex_arg_int("bench model", "tokens", arg, 1, 128, &o->tokens) ? 2 : 0;
        break;
    case 'm': {
        char *end;
        o->min_time = strtod(arg, &end);
        if (end == arg || *end || !(o->min_time >= 0.0 && o->min_time <= 3600.0)) {
            fprintf(stderr, "beex bench model: --min-time needs seconds in [0, 3600], got '%s'\n",
                    arg);
            bad = 2;
        }
        break;
    }
    case 'r':
        bad = beex_arg_int("bench model", "min-reps", arg, 1, 1 << 20, &o->min_reps) ? 2 : 0;
        break;
    case 'R':
        bad = beex_arg_int("bench model", "max-reps", arg, 1, 1 << 20, &o->max_reps) ? 2 : 0;
        break;
    case 'c':
        bad = beex_arg_int("bench model", "compaction-batch", arg, 1, 1 << 20, &o->compaction_batch)
                  ? 2
                  : 0;
        set->compaction = 1;
        break;
    case 'C':
        bad = parse_list(arg, "precision", beex_precision_parse, &o->compaction_precisions);
        break;
    case 'S':
        bad = beex_arg_int("bench model", "seed", arg, 1, 1 << 30, &o->seed) ? 2 : 0;
        break;
    case 'W':
        if (strcmp(arg, "auto") == 0)
            o->slot_warmup = -1;
        else if (strcmp(arg, "0") == 0 || strcmp(arg, "1") == 0)
            o->slot_warmup = arg[0] - '0';
        else {
            fprintf(stderr, "beex bench model: --slot-warmup needs auto, 0 or 1, got '%s'\n", arg);
            bad = 2;
        }
        break;
    case 'B':
        o->breakdown = 1;
        break;
    case 'N':
        bad = beex_arg_int("bench model", "breakdown-passes", arg, 1, 1 << 20, &o->breakdown_passes)
                  ? 2
                  : 0;
        break;
    case 'q':
        set->quick = 1;
        break;
    case 'j':
        o->json = arg;
        break;
    default:
        usage(stderr);
        return 2;
    }
    return bad;
}

/* Returns -1 to run, or the exit status: 0 after --help, 2 on a usage error, 1 when --json
 * cannot be written. */
static int parse_args(int argc, char **argv, options *o, given *set)
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
                                         {"slot-warmup", required_argument, NULL, 'W'},
                                         {"breakdown", no_argument, NULL, 'B'},
                                         {"breakdown-passes", required_argument, NULL, 'N'},
                                         {"quick", no_argument, NULL, 'q'},
                                         {"json", required_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    set_defaults(o);
    memset(set, 0, sizeof *set);
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            return 0;
        }
        int bad = parse_value(ch, optarg, o, set);
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
    if (o->min_reps > 0 && o->max_reps > 0 && o->min_reps > o->max_reps) {
        fprintf(stderr, "beex bench model: --min-reps %d exceeds --max-reps %d\n", o->min_reps,
                o->max_reps);
        return 2;
    }
    if (o->json != NULL && beex_arg_output("bench model", "json", o->json) != 0)
        return 1;
    return -1;
}

/* --quick's lighter defaults, and the variants when none were named. */
static void apply_defaults(options *o, const given *set)
{
    if (set->quick) {
        if (!set->shapes)
            o->shapes[0] = 0, o->nshapes = 1;
        if (!set->threads)
            o->threads.v[0] = 1, o->threads.n = 1;
        if (!set->batches)
            o->batches.v[0] = 1, o->batches.v[1] = 8, o->batches.n = 2;
        o->min_time = 0.05;
        o->min_reps = 2;
        if (!set->compaction)
            o->compaction_batch = 8;
    }
    if (o->max_reps < o->min_reps)
        o->max_reps = o->min_reps;
    if (!set->variants) {
        o->variants_auto = 1;
        beex_isa order[BEEX_ISA_COUNT];
        int n = beex_isa_preference(order, BEEX_ISA_COUNT);
        for (int i = 0; i < n; i++) {
            /* BEEX_ISA / a forced variant narrows the default to that one. */
            if (beex_isa_forced() >= 0 && (int)order[i] != beex_isa_forced())
                continue;
            o->variants.v[o->variants.n++] = (int)order[i];
        }
    }
}

int beex_cmd_bench_model(int argc, char **argv)
{
    options o;
    given set;
    int rc = parse_args(argc, argv, &o, &set);
    if (rc >= 0)
        return rc;
    apply_defaults(&o, &set);
    return beex_model_bench_run(&o);
}
