/* `beex init`: a training checkpoint with seeded random weights for any configuration,
 * starting from a preset (the small default of docs/model.md section 1, or the BERT-base shape). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/model/model.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex init --out FILE [--seed N] [--preset small|bert-base]\n"
            "                 [--vocab N] [--d N] [--heads N] [--dff N] [--blocks N]\n"
            "                 [--max-len N] [--classes N] [--precision fp32|w1a32|w1a1]\n"
            "                 [--ln-eps X] [--labels NAME,NAME,...]\n\n"
            "Writes a training checkpoint (latent fp32 weights, safetensors) with seeded random\n"
            "weights. Options after the preset override its values.\n"
            "  small      vocab 8192, d 128, heads 4, dff 256, blocks 6, max_len 64 (default)\n"
            "  bert-base  vocab 30522, d 768, heads 12, dff 3072, blocks 12, max_len 128\n"
            "classes defaults to 2, precision to w1a1, seed to 1. The class names default to\n"
            "0..classes-1; --labels names them (and sets classes), so that the model can be\n"
            "evaluated on a task whose labels carry those names (labels match by name).\n");
}

static int parse_seed(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-') {
        fprintf(stderr, "beex init: --seed needs a non-negative integer, got '%s'\n", s);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

static int apply_preset(const char *name, beex_config *c)
{
    if (beex_config_preset(name, c) == 0)
        return 0;
    fprintf(stderr, "beex init: unknown preset '%s' (small, bert-base)\n", name);
    return -1;
}

enum { OPT_VOCAB = 256, OPT_D, OPT_HEADS, OPT_DFF, OPT_BLOCKS, OPT_MAXLEN, OPT_CLASSES, OPT_EPS };
static const char *const field_names[] = {"vocab",  "d",       "heads",  "dff",
                                          "blocks", "max-len", "classes"};

/* The command line, with the overrides kept apart so that they win over the preset in any
 * order. */
typedef struct {
    const char *out, *preset;
    uint64_t seed;
    int over[OPT_EPS - OPT_VOCAB], have[OPT_EPS - OPT_VOCAB];
    int precision; /* -1: the preset's */
    float eps;
    int have_eps;
    char *names[BEEX_MAX_CLASSES]; /* --labels, pointing into argv (not NUL-terminated) */
    size_t name_len[BEEX_MAX_CLASSES];
    int n_names;
} init_args;

/* --labels a,b,c. Returns 0, or 2 after printing why. */
static int parse_labels(char *arg, init_args *ia)
{
    /* strtok would merge empty fields: split by hand so that "a,,b" is refused. */
    ia->n_names = 0;
    for (const char *p = arg;; p++) {
        const char *q = strchr(p, ',');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        if (len == 0 || ia->n_names >= BEEX_MAX_CLASSES) {
            fprintf(stderr, "beex init: --labels wants 2 to %d non-empty names, got '%s'\n",
                    BEEX_MAX_CLASSES, arg);
            return 2;
        }
        for (int k = 0; k < ia->n_names; k++)
            if (ia->name_len[k] == len && strncmp(ia->names[k], p, len) == 0) {
                fprintf(stderr, "beex init: --labels names '%.*s' twice\n", (int)len, p);
                return 2;
            }
        ia->name_len[ia->n_names] = len;
        ia->names[ia->n_names++] = (char *)p; /* argv outlives the command */
        if (q == NULL)
            break;
        p = q;
    }
    return 0;
}

/* Returns -1 to go on, or the exit status: 0 after --help, 2 on a usage error. */
static int parse_args(int argc, char **argv, init_args *ia)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},
        {"seed", required_argument, 0, 's'},
        {"preset", required_argument, 0, 'p'},
        {"precision", required_argument, 0, 'P'},
        {"vocab", required_argument, 0, OPT_VOCAB},
        {"d", required_argument, 0, OPT_D},
        {"heads", required_argument, 0, OPT_HEADS},
        {"dff", required_argument, 0, OPT_DFF},
        {"blocks", required_argument, 0, OPT_BLOCKS},
        {"max-len", required_argument, 0, OPT_MAXLEN},
        {"classes", required_argument, 0, OPT_CLASSES},
        {"ln-eps", required_argument, 0, OPT_EPS},
        {"labels", required_argument, 0, 'L'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    memset(ia, 0, sizeof *ia);
    ia->preset = "small", ia->seed = 1, ia->precision = -1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            ia->out = optarg;
            break;
        case 's':
            if (parse_seed(optarg, &ia->seed) != 0)
                return 2;
            break;
        case 'p':
            ia->preset = optarg;
            break;
        case 'P':
            if ((ia->precision = beex_precision_parse(optarg)) < 0) {
                fprintf(stderr, "beex init: unknown precision '%s' (fp32, w1a32, w1a1)\n", optarg);
                return 2;
            }
            break;
        case OPT_EPS: {
            char *end;
            ia->eps = strtof(optarg, &end);
            if (end == optarg || *end != '\0') {
                fprintf(stderr, "beex init: --ln-eps needs a number, got '%s'\n", optarg);
                return 2;
            }
            ia->have_eps = 1;
            break;
        }
        case 'L':
            if (parse_labels(optarg, ia) != 0)
                return 2;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            if (c >= OPT_VOCAB && c < OPT_EPS) {
                if (beex_arg_int("init", field_names[c - OPT_VOCAB], optarg, 0, 1 << 30,
                                 &ia->over[c - OPT_VOCAB]) != 0)
                    return 2;
                ia->have[c - OPT_VOCAB] = 1;
                break;
            }
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "beex init: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (ia->out == NULL) {
        fprintf(stderr, "beex init: --out FILE is required\n");
        usage(stderr);
        return 2;
    }
    return -1;
}

/* The preset, then the overrides. Returns 0, or 2 after printing why. */
static int build_config(const init_args *ia, beex_config *cfg)
{
    if (apply_preset(ia->preset, cfg) != 0)
        return 2;
    int *fields[] = {&cfg->vocab,  &cfg->d,       &cfg->heads,  &cfg->dff,
                     &cfg->blocks, &cfg->max_len, &cfg->classes};
    for (int i = 0; i < OPT_EPS - OPT_VOCAB; i++)
        if (ia->have[i])
            *fields[i] = ia->over[i];
    if (ia->precision >= 0)
        cfg->precision = (beex_precision)ia->precision;
    if (ia->n_names > 0) {
        if (ia->have[OPT_CLASSES - OPT_VOCAB] && cfg->classes != ia->n_names) {
            fprintf(stderr, "beex init: --classes %d but --labels names %d classes\n", cfg->classes,
                    ia->n_names);
            return 2;
        }
        cfg->classes = ia->n_names;
    }
    if (cfg->classes > BEEX_MAX_CLASSES) {
        fprintf(stderr,
                "beex init: --classes %d is more than %d, the most beex eval and beex sweep "
                "can score\n",
                cfg->classes, BEEX_MAX_CLASSES);
        return 2;
    }
    if (ia->have_eps)
        cfg->ln_eps = ia->eps;
    return 0;
}

/* The seeded random checkpoint, written, and a line saying what it is. Returns the exit
 * status. */
static int write_checkpoint(const init_args *ia, const beex_config *cfg)
{
    char err[512];
    beex_model *m = NULL;
    if (beex_model_alloc(cfg, &m, err, sizeof err) != 0) {
        fprintf(stderr, "beex init: %s\n", err);
        return 1;
    }
    for (int i = 0; i < ia->n_names; i++) {
        if ((m->labels[i] = strndup(ia->names[i], ia->name_len[i])) == NULL) {
            fprintf(stderr, "beex init: out of memory\n");
            beex_model_free(m);
            return 1;
        }
    }
    beex_model_init_random(m, ia->seed);
    int rc = beex_model_save_checkpoint(m, ia->out, err, sizeof err);
    beex_model_free(m);
    if (rc != 0) {
        fprintf(stderr, "beex init: %s\n", err);
        return 1;
    }
    struct stat st;
    long long size = stat(ia->out, &st) == 0 ? (long long)st.st_size : -1;
    printf("wrote %s: checkpoint, %lld bytes (%.2f MiB); vocab %d, d %d, heads %d, dff %d, "
           "blocks %d, max_len %d, classes %d, precision %s, seed %" PRIu64 "\n",
           ia->out, size, (double)size / 1048576.0, cfg->vocab, cfg->d, cfg->heads, cfg->dff,
           cfg->blocks, cfg->max_len, cfg->classes, beex_precision_name(cfg->precision), ia->seed);
    return 0;
}

int beex_cmd_init(int argc, char **argv)
{
    init_args ia;
    int rc = parse_args(argc, argv, &ia);
    if (rc >= 0)
        return rc;
    beex_config cfg;
    if (build_config(&ia, &cfg) != 0)
        return 2;
    if (beex_arg_output("init", "out", ia.out) != 0)
        return 1;
    char err[512];
    if (beex_config_check(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "beex init: %s\n", err);
        return 2;
    }
    return write_checkpoint(&ia, &cfg);
}
