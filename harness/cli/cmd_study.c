/* `beex study`: tasks x precisions x seeds (or folds) trained, swept and aggregated into a
 * paper's results table (harness/app/study/study.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/study/study.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/eval/intervals.h"
#include "harness/text/folds.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex study --tasks LIST --out DIR [options]\n"
            "Trains, sweeps and aggregates every unit (task x precision x seed [x fold]); each\n"
            "unit is written whole into DIR/units/<id>/ and skipped once its results exist\n"
            "with the same settings, so a killed study resumes. Then DIR/study.json, .csv,\n"
            "study.md and study.tex: per task x precision the mean, standard deviation and\n"
            "95 %% t interval of the mean over the units (byte for byte the same wherever the\n"
            "units ran; hosts and times go to DIR/context.json). One line per finished unit\n"
            "is appended to DIR/study.log.\n\n"
            "  --tasks LIST         comma list of task names or data directories\n"
            "  --precisions LIST    of fp32, w1a32, w1a1, w8a8 (default fp32,w1a32,w1a1)\n"
            "  --seeds LIST         training seeds, comma list (default 1)\n"
            "  --seeds-count N      seeds 1..N instead of --seeds\n"
            "  --folds K            K-fold cross-validation (%d <= K <= %d): train, dev and test\n"
            "                       pooled, fold = crc32(text) mod K; per fold f test = f, dev =\n"
            "                       f+1 mod K (best epoch and exit thresholds), train = the rest;\n"
            "                       units are seeds x folds (default: each task's own split)\n"
            "  --recipe FILE        per task x precision training options, one line each:\n"
            "                       TASK PRECISION OPTIONS (TASK, PRECISION may be *; later\n"
            "                       lines win; see scripts/study_paper.recipe)\n"
            "  --epochs N --fp32-epochs N --lr X --batch N --warmup F --lr-decay linear|none\n"
            "  --dropout P --d N --heads N --dff N --blocks N --max-len N --vocab N\n"
            "  --glove PATH|none --glove-words N --freeze-embed\n"
            "                       training options for every unit, as `beex train` takes them;\n"
            "                       they win over the recipe. Defaults are beex train's, with\n"
            "                       its 2 fp32 epochs first for w1a32 / w1a1 when epochs > 2;\n"
            "                       GloVe only when given (a study's settings are explicit)\n"
            "  --threads N          threads per unit for training and tracing (default 1)\n"
            "  --jobs N             units run side by side, each with --threads (default 1;\n"
            "                       on this 2-core VM: --jobs 2 --threads 1)\n"
            "  --timed              also time the chosen points (off: slow, not reproducible)\n"
            "  --quick              the sweep's coarser threshold grid\n"
            "  --resamples N        bootstrap resamples per sweep (default %d)\n"
            "  --bootstrap-seed N   (default %d)\n"
            "  --out DIR            the study folder (required)\n"
            "  --list               print the units (index, id, state) and stop\n"
            "  --unit I             run only unit I (0-based, as --list numbers them: one Slurm\n"
            "                       array task); no aggregate\n"
            "  --aggregate-only     aggregate the units present, run none\n"
            "Exit status: 0 ok; 1 a unit failed or a results folder conflicts with the\n"
            "settings; 2 usage error.\n",
            BEEX_FOLDS_MIN, BEEX_FOLDS_MAX, BEEX_BOOTSTRAP_MIN_RESAMPLES,
            BEEX_BOOTSTRAP_DEFAULT_SEED);
}

/* Splits a comma list in place; an empty field is an error. Returns the count, or -1. */
static int split_list(const char *opt, char *s, char **items, int cap)
{
    if (beex_list_has_empty_field(s)) {
        fprintf(stderr, "beex study: --%s has an empty field: '%s'\n", opt, s);
        return -1;
    }
    int n = 0;
    for (char *save, *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == cap) {
            fprintf(stderr, "beex study: --%s lists more than %d items\n", opt, cap);
            return -1;
        }
        for (int j = 0; j < n; j++)
            if (strcmp(items[j], t) == 0) {
                fprintf(stderr, "beex study: --%s lists '%s' twice\n", opt, t);
                return -1;
            }
        items[n++] = t;
    }
    return n;
}

static int parse_precisions(char *s, beex_study_options *o)
{
    char *items[BEEX_PREC_COUNT];
    int n = split_list("precisions", s, items, BEEX_PREC_COUNT);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if ((o->precisions[i] = beex_precision_parse(items[i])) < 0) {
            fprintf(stderr,
                    "beex study: --precisions: unknown precision '%s' (fp32, w1a32, "
                    "w1a1, w8a8)\n",
                    items[i]);
            return -1;
        }
    o->n_precisions = n;
    return 0;
}

static int parse_seeds(char *s, beex_study_options *o)
{
    char *items[BEEX_STUDY_MAX_SEEDS];
    int n = split_list("seeds", s, items, BEEX_STUDY_MAX_SEEDS);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        o->seeds[i] = strtoull(items[i], &end, 10);
        if (*items[i] == '-' || *items[i] == '+' || *end != '\0' || errno != 0) {
            fprintf(stderr, "beex study: --seeds needs non-negative integers, got '%s'\n",
                    items[i]);
            return -1;
        }
    }
    o->n_seeds = n;
    return 0;
}

enum {
    O_TASKS = 256,
    O_PRECS,
    O_SEEDS,
    O_SEEDS_COUNT,
    O_FOLDS,
    O_RECIPE,
    O_OUT,
    O_UNIT,
    O_AGG,
    O_LIST,
    O_THREADS,
    O_JOBS,
    O_TIMED,
    O_QUICK,
    O_RESAMPLES,
    O_BSEED,
    O_TRAIN /* O_TRAIN + k: the k-th training option */
};

static const char *const train_opts[] = {"epochs", "fp32-epochs", "lr",          "batch",
                                         "warmup", "lr-decay",    "dropout",     "d",
                                         "heads",  "dff",         "blocks",      "max-len",
                                         "vocab",  "glove",       "glove-words", "freeze-embed"};
#define N_TRAIN_OPTS (int)(sizeof train_opts / sizeof *train_opts)

/* The options as given, before the lists are split. */
typedef struct {
    char *tasks, *precs, *seeds;
    int seeds_count;
    const char *recipe_file;
} raw_args;

static const struct option *option_table(void)
{
    static struct option opts[O_TRAIN - O_TASKS + N_TRAIN_OPTS + 2];
    static const struct option fixed[] = {{"tasks", required_argument, 0, O_TASKS},
                                          {"precisions", required_argument, 0, O_PRECS},
                                          {"seeds", required_argument, 0, O_SEEDS},
                                          {"seeds-count", required_argument, 0, O_SEEDS_COUNT},
                                          {"folds", required_argument, 0, O_FOLDS},
                                          {"recipe", required_argument, 0, O_RECIPE},
                                          {"out", required_argument, 0, O_OUT},
                                          {"unit", required_argument, 0, O_UNIT},
                                          {"aggregate-only", no_argument, 0, O_AGG},
                                          {"list", no_argument, 0, O_LIST},
                                          {"threads", required_argument, 0, O_THREADS},
                                          {"jobs", required_argument, 0, O_JOBS},
                                          {"timed", no_argument, 0, O_TIMED},
                                          {"quick", no_argument, 0, O_QUICK},
                                          {"resamples", required_argument, 0, O_RESAMPLES},
                                          {"bootstrap-seed", required_argument, 0, O_BSEED}};
    int k = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        opts[k++] = fixed[i];
    for (int i = 0; i < N_TRAIN_OPTS; i++)
        opts[k++] = (struct option){
            train_opts[i], beex_recipe_key_arity(train_opts[i]) ? required_argument : no_argument,
            0, O_TRAIN + i};
    opts[k++] = (struct option){"help", no_argument, 0, 'h'};
    opts[k] = (struct option){0, 0, 0, 0};
    return opts;
}

/* A training option of the command line: checked now, applied after the recipe's lines. */
static int training_option(int c, const char *arg, beex_study_recipe *cli)
{
    char err[512];
    beex_train_options scratch;
    beex_train_options_default(&scratch);
    const char *key = train_opts[c - O_TRAIN];
    const char *value = beex_recipe_key_arity(key) ? arg : NULL;
    if (beex_recipe_apply(&scratch, key, value, err, sizeof err) != 0 ||
        beex_recipe_add(cli, "*", -1, key, value, "command line", err, sizeof err) != 0) {
        fprintf(stderr, "beex study: %s\n", err);
        return 2;
    }
    return 0;
}

/* One option. Returns 0, 1 after --help, 2 on a usage error (said). */
static int one_option(int c, const char *arg, beex_study_options *o, raw_args *r,
                      beex_study_recipe *cli)
{
    int s;
    switch (c) {
    case 'h':
        usage(stdout);
        return 1;
    case O_TASKS:
        r->tasks = (char *)arg;
        return 0;
    case O_PRECS:
        r->precs = (char *)arg;
        return 0;
    case O_SEEDS:
        r->seeds = (char *)arg;
        return 0;
    case O_SEEDS_COUNT:
        return beex_arg_int("study", "seeds-count", arg, 1, BEEX_STUDY_MAX_SEEDS, &r->seeds_count)
                   ? 2
                   : 0;
    case O_FOLDS:
        return beex_arg_int("study", "folds", arg, BEEX_FOLDS_MIN, BEEX_FOLDS_MAX, &o->folds) ? 2
                                                                                              : 0;
    case O_RECIPE:
        r->recipe_file = arg;
        return 0;
    case O_OUT:
        o->out = arg;
        return 0;
    case O_UNIT:
        return beex_arg_int("study", "unit", arg, 0, 1 << 30, &o->unit) ? 2 : 0;
    case O_AGG:
        o->aggregate_only = 1;
        return 0;
    case O_LIST:
        o->list = 1;
        return 0;
    case O_THREADS:
        return beex_arg_int("study", "threads", arg, 1, BEEX_MAX_THREADS, &o->threads) ? 2 : 0;
    case O_JOBS:
        return beex_arg_int("study", "jobs", arg, 1, 64, &o->jobs) ? 2 : 0;
    case O_TIMED:
        o->timed = 1;
        return 0;
    case O_QUICK:
        o->quick = 1;
        return 0;
    case O_RESAMPLES:
        return beex_arg_int("study", "resamples", arg, BEEX_BOOTSTRAP_MIN_RESAMPLES, 1000000,
                            &o->resamples)
                   ? 2
                   : 0;
    case O_BSEED:
        if (beex_arg_int("study", "bootstrap-seed", arg, 0, 2147483647, &s) != 0)
            return 2;
        o->boot_seed = (unsigned long long)s;
        return 0;
    default:
        if (c >= O_TRAIN && c < O_TRAIN + N_TRAIN_OPTS)
            return training_option(c, arg, cli);
        fprintf(stderr, "(beex study --help lists the options)\n");
        return 2;
    }
}

/* Options that exclude each other or are missing, then the lists. Returns 0 or 2 (said). */
static int finish_args(beex_study_options *o, raw_args *r)
{
    static char precs_default[] = "fp32,w1a32,w1a1", seeds_default[] = "1";
    if (r->tasks == NULL || o->out == NULL) {
        fprintf(stderr, "beex study: needs --tasks LIST and --out DIR\n"
                        "(beex study --help lists the options)\n");
        return 2;
    }
    if (r->seeds != NULL && r->seeds_count > 0) {
        fprintf(stderr, "beex study: --seeds and --seeds-count exclude each other\n");
        return 2;
    }
    if (o->unit >= 0 && (o->aggregate_only || o->list)) {
        fprintf(stderr, "beex study: --unit runs one unit; it excludes --aggregate-only and "
                        "--list\n");
        return 2;
    }
    if (o->aggregate_only && o->list) {
        fprintf(stderr, "beex study: --aggregate-only and --list exclude each other\n");
        return 2;
    }
    if (o->out[0] == '\0') {
        fprintf(stderr, "beex study: --out needs a folder name\n");
        return 2;
    }
    char *items[BEEX_STUDY_MAX_TASKS];
    int nt = split_list("tasks", r->tasks, items, BEEX_STUDY_MAX_TASKS);
    if (nt < 0)
        return 2;
    for (int i = 0; i < nt; i++)
        o->tasks[i] = items[i];
    o->n_tasks = nt;
    if (parse_precisions(r->precs ? r->precs : precs_default, o) != 0)
        return 2;
    if (r->seeds_count > 0) {
        for (int i = 0; i < r->seeds_count; i++)
            o->seeds[i] = (unsigned long long)i + 1;
        o->n_seeds = r->seeds_count;
        return 0;
    }
    return parse_seeds(r->seeds ? r->seeds : seeds_default, o) != 0 ? 2 : 0;
}

static int parse_args(int argc, char **argv, beex_study_options *o, beex_study_recipe *cli,
                      const char **recipe_file)
{
    const struct option *opts = option_table();
    raw_args r = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int rc = one_option(c, optarg, o, &r, cli);
        if (rc != 0)
            return rc;
    }
    if (optind != argc) {
        fprintf(stderr, "beex study: unexpected argument '%s' (tasks go in --tasks)\n",
                argv[optind]);
        return 2;
    }
    *recipe_file = r.recipe_file;
    return finish_args(o, &r);
}

int beex_cmd_study(int argc, char **argv)
{
    beex_study_options o;
    memset(&o, 0, sizeof o);
    o.unit = -1;
    o.threads = 1;
    o.jobs = 1;
    o.resamples = BEEX_BOOTSTRAP_MIN_RESAMPLES;
    o.boot_seed = BEEX_BOOTSTRAP_DEFAULT_SEED;
    beex_study_recipe cli = {0};
    const char *recipe_file = NULL;
    int rc = parse_args(argc, argv, &o, &cli, &recipe_file);
    if (rc == 0) {
        char err[1024];
        if ((recipe_file != NULL &&
             beex_recipe_read_file(&o.recipe, recipe_file, err, sizeof err) != 0) ||
            beex_recipe_append(&o.recipe, &cli, err, sizeof err) != 0) {
            fprintf(stderr, "beex study: %s\n", err);
            rc = 2;
        } else {
            rc = beex_study_run(&o);
        }
    } else if (rc == 1) {
        rc = 0; /* --help */
    }
    beex_recipe_free(&cli);
    beex_recipe_free(&o.recipe);
    return rc;
}
