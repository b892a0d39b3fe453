/* `beex run MODEL`: examples from standard input (text lines, or token ids with --ids)
 * through the engine with early exit; one JSON object per line and example on stdout. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/threads.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/model/cost.h"
#include "harness/model/engine.h"
#include "harness/model/exit.h"
#include "harness/model/model.h"
#include "harness/text/tokenizer.h"
#include "harness/text/utf8.h"
#include "kernels/cpu.h"

static void usage(FILE *out)
{
    char names[128], rules[256];
    fprintf(out,
            "usage: beex run MODEL [--precision fp32|w1a32|w1a1|w8a8] [--delta X]\n"
            "                [--rule NAME=X] [--variant ISA] [--threads N] [--batch N]\n"
            "                [--ids] [--full]\n\n"
            "Reads one example per line on standard input: text, tokenized with the model's\n"
            "vocabulary, or with --ids whitespace-separated token ids. Prints one JSON line per\n"
            "example: the logits and entropy of every block run, the exit block, the prediction\n"
            "and its cost (FLOPs, IOPs, BOPs, OPs = FLOPs + IOPs + BOPs/64). A line may hold at\n"
            "most 1 MiB; a longer one, or a read error, stops the run with exit status 1.\n"
            "  --precision  default: the model's own (its configuration); w8a8 needs a model\n"
            "               calibrated by beex quantize\n"
            "  --delta      exit threshold on the fractional entropy reduction (default 0.1)\n"
            "  --rule       any exit rule with its parameter (docs/exit-rules.md), NAME one\n"
            "               of %s;\n"
            "               --delta X is --rule delta=X\n"
            "  --variant    %s (default: best available / BEEX_ISA)\n"
            "  --threads    OpenMP threads pinned one per core (default: one per core)\n"
            "  --batch      examples run together (default 1); exited ones leave the batch\n"
            "  --full       run every block (full trace); the exit is decided on the trace\n",
            beex_exit_rule_names_joined(rules, sizeof rules, ", "),
            beex_isa_names_joined(names, sizeof names, 0, ", ", " or "));
}

typedef struct {
    int32_t **ids;
    int *lens, *untrunc, n, cap;
} pending;

/* Parses one --ids line into ids (at most max_len kept). Returns the untruncated count,
 * or -1 after printing why. */
static int parse_ids(const char *line, long lineno, int vocab, int max_len, int32_t *ids)
{
    int n = 0;
    const char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p == '\0')
            break;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno != 0 ||
            (*end && *end != ' ' && *end != '\t' && *end != '\r' && *end != '\n')) {
            fprintf(stderr, "beex run: line %ld: '%.*s' is not a token id\n", lineno,
                    (int)strcspn(p, " \t\r\n"), p);
            return -1;
        }
        if (v < 0 || v >= vocab) {
            fprintf(stderr, "beex run: line %ld: token id %ld is outside the vocabulary [0, %d)\n",
                    lineno, v, vocab);
            return -1;
        }
        if (n < max_len)
            ids[n] = (int32_t)v;
        n++;
        p = end;
    }
    if (n == 0) {
        fprintf(stderr, "beex run: line %ld: no token ids\n", lineno);
        return -1;
    }
    return n;
}

static json_t *real_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static int print_example(const beex_model *m, long index, int T, int untrunc,
                         const beex_exit_result *r, int blocks_run, const float *logits,
                         const float *entropy)
{
    const beex_config *c = &m->cfg;
    json_t *o = json_object(), *blocks = json_array(), *cost = json_object();
    json_object_set_new(o, "example", json_integer(index));
    json_object_set_new(o, "tokens", json_integer(T));
    json_object_set_new(o, "truncated", json_boolean(untrunc > T));
    json_object_set_new(o, "exit_block", json_integer(r->exit_block));
    json_object_set_new(o, "prediction", json_integer(r->prediction));
    if (m->labels != NULL && m->labels[r->prediction] != NULL)
        json_object_set_new(o, "label", json_string(m->labels[r->prediction]));
    for (int b = 0; b < blocks_run; b++) {
        json_t *blk = json_object(), *z = json_array();
        for (int j = 0; j < c->classes; j++)
            json_array_append_new(z, real_or_null(logits[(size_t)b * c->classes + j]));
        json_object_set_new(blk, "block", json_integer(b + 1));
        json_object_set_new(blk, "logits", z);
        json_object_set_new(blk, "entropy", real_or_null(entropy[b]));
        json_array_append_new(blocks, blk);
    }
    json_object_set_new(o, "blocks", blocks);
    json_object_set_new(cost, "flops", json_real(r->flops));
    json_object_set_new(cost, "iops", json_real(r->iops));
    json_object_set_new(cost, "bops", json_real(r->bops));
    json_object_set_new(cost, "ops", json_real(r->ops));
    json_object_set_new(cost, "bops_divisor", json_real(BEEX_BOPS_DIVISOR));
    json_object_set_new(o, "cost", cost);
    /* 9 significant digits round-trip every fp32 value exactly. */
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
    json_decref(o);
    if (s == NULL)
        return -1;
    int rc = printf("%s\n", s) < 0 ? -1 : 0;
    free(s);
    return rc;
}

/* Runs and prints the pending examples; index0 numbers the first one. */
static int flush_batch(beex_engine *e, const beex_model *m, pending *p, long index0,
                       const beex_exit_rule *rule, int full)
{
    const beex_config *c = &m->cfg;
    size_t nb = (size_t)p->n * c->blocks;
    beex_exit_result *res = calloc((size_t)p->n, sizeof *res);
    float *logits = malloc(nb * c->classes * sizeof *logits), *ent = malloc(nb * sizeof *ent);
    beex_exit_row *rows = malloc((size_t)c->blocks * sizeof *rows);
    int rc = -1;
    if (res == NULL || logits == NULL || ent == NULL || rows == NULL) {
        fprintf(stderr, "beex run: out of memory\n");
        goto out;
    }
    /* --full: the entropy-ratio rule at delta = -inf, which never fires. */
    const beex_exit_rule never = {BEEX_EXIT_DELTA, -INFINITY};
    int krc = beex_engine_run_batch_rule(e, (const int32_t *const *)p->ids, p->lens, p->n,
                                         full ? &never : rule, NULL, res, logits, ent);
    if (krc == BEEX_ENONFINITE) {
        for (int i = 0; i < p->n; i++)
            if (res[i].prediction < 0)
                fprintf(stderr,
                        "beex run: example %ld, block %d: a logit or entropy is not finite "
                        "(weights out of range?)\n",
                        index0 + i, res[i].exit_block);
        goto out;
    }
    if (krc != 0) {
        fprintf(stderr, "beex run: the forward pass failed (code %d)\n", krc);
        goto out;
    }
    for (int i = 0; i < p->n; i++) {
        const float *z = logits + (size_t)i * c->blocks * c->classes;
        const float *h = ent + (size_t)i * c->blocks;
        if (full) {
            /* Same rule offline on the full trace; the cost stays that of the exit block. */
            beex_exit_result *r = &res[i];
            beex_exit_rows_of(z, h, c->blocks, c->classes, BEEX_EXIT_USES_ALL, rows);
            r->exit_block = beex_exit_offline(rule, rows, c->blocks);
            r->prediction = beex_argmax(z + (size_t)(r->exit_block - 1) * c->classes, c->classes);
            beex_cost k = beex_cost_until(c, beex_engine_precision(e), p->lens[i], r->exit_block);
            r->flops = k.flops, r->bops = k.bops, r->ops = k.ops, r->iops = k.iops;
        }
        int run = full ? c->blocks : res[i].exit_block;
        if (print_example(m, index0 + i, p->lens[i], p->untrunc[i], &res[i], run, z, h) != 0) {
            fprintf(stderr, "beex run: cannot write the result\n");
            goto out;
        }
    }
    /* Stop at the first batch the system could not keep (a full disk): no point running on. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "beex run: cannot write standard output: %s\n", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(res), free(logits), free(ent), free(rows);
    p->n = 0;
    return rc;
}

/* The command line: the model file and how to run it. */
typedef struct {
    const char *model;
    int prec, isa, threads, batch, use_ids, full; /* prec, isa -1: the model's, the best */
    beex_exit_rule rule;                          /* --delta X is {BEEX_EXIT_DELTA, X} */
} run_options;

/* Returns -1 to run, or the exit status: 0 after --help, 2 on a usage error. */
static int parse_args(int argc, char **argv, run_options *ro)
{
    static const struct option opts[] = {{"precision", required_argument, NULL, 'p'},
                                         {"delta", required_argument, NULL, 'd'},
                                         {"rule", required_argument, NULL, 'r'},
                                         {"variant", required_argument, NULL, 'v'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"batch", required_argument, NULL, 'b'},
                                         {"ids", no_argument, NULL, 'i'},
                                         {"full", no_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    *ro = (run_options){.prec = -1, .isa = -1, .batch = 1, .rule = {BEEX_EXIT_DELTA, 0.1}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'p':
            if ((ro->prec = beex_precision_parse(optarg)) < 0) {
                fprintf(stderr, "beex run: unknown precision '%s' (fp32, w1a32, w1a1, w8a8)\n",
                        optarg);
                return 2;
            }
            break;
        case 'd':
            errno = 0;
            ro->rule = (beex_exit_rule){BEEX_EXIT_DELTA, strtod(optarg, &end)};
            if (errno != 0 || end == optarg || *end != '\0' || isnan(ro->rule.param)) {
                fprintf(stderr, "beex run: --delta needs a number, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'r': {
            char why[320];
            if (beex_exit_rule_from_string(optarg, &ro->rule, why, sizeof why) != 0) {
                fprintf(stderr, "beex run: --rule: %s\n", why);
                return 2;
            }
            break;
        }
        case 'v': {
            const char *why = NULL;
            if ((ro->isa = beex_isa_parse(optarg)) < 0) {
                char names[128];
                fprintf(stderr, "beex run: unknown variant '%s' (%s)\n", optarg,
                        beex_isa_names_joined(names, sizeof names, 0, ", ", ", "));
                return 2;
            }
            if (!beex_isa_available((beex_isa)ro->isa, &why)) {
                fprintf(stderr, "beex run: variant %s is not available here: %s\n", optarg, why);
                return 2;
            }
            break;
        }
        case 't':
            if (beex_arg_int("run", "threads", optarg, 1, BEEX_MAX_THREADS, &ro->threads) != 0)
                return 2;
            break;
        case 'b':
            if (beex_arg_int("run", "batch", optarg, 1, 1 << 20, &ro->batch) != 0)
                return 2;
            break;
        case 'i':
            ro->use_ids = 1;
            break;
        case 'f':
            ro->full = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "beex run: expected exactly one MODEL file\n");
        usage(stderr);
        return 2;
    }
    ro->model = argv[optind];
    return -1;
}

static void pending_free(pending *p)
{
    if (p->ids != NULL)
        for (int i = 0; i < p->cap; i++)
            free(p->ids[i]);
    free(p->ids), free(p->lens), free(p->untrunc);
}

/* Room for batch examples of max_len tokens. Returns 0, or -1 (pending_free frees either
 * way). */
static int pending_alloc(pending *p, int batch, int max_len)
{
    p->cap = batch;
    p->ids = calloc((size_t)batch, sizeof *p->ids);
    p->lens = calloc((size_t)batch, sizeof *p->lens);
    p->untrunc = calloc((size_t)batch, sizeof *p->untrunc);
    if (p->ids == NULL || p->lens == NULL || p->untrunc == NULL)
        return -1;
    for (int i = 0; i < batch; i++)
        if ((p->ids[i] = malloc((size_t)max_len * sizeof(int32_t))) == NULL)
            return -1;
    return 0;
}

/* The longest input line: far more than max_len tokens of any model, and a bound on what
 * endless input without a newline (/dev/zero) can make the run hold. */
#define RUN_MAX_LINE (1 << 20)

/* One line of standard input into *buf (NUL-terminated, without its '\n'; NUL bytes inside
 * are kept for the caller to refuse). Returns its length, -1 at the end of input, or -2
 * after printing why: a read error, a line over RUN_MAX_LINE, or no memory. getline() is not
 * used because it reports running out of memory as the end of input. */
static long read_line(char **buf, size_t *cap, long lineno)
{
    size_t n = 0;
    int ch;
    errno = 0;
    while ((ch = getc(stdin)) != EOF && ch != '\n') {
        if (n == RUN_MAX_LINE) {
            fprintf(stderr, "beex run: standard input line %ld is longer than %d bytes (1 MiB)\n",
                    lineno, RUN_MAX_LINE);
            return -2;
        }
        if (n + 1 >= *cap) {
            size_t want = *cap ? 2 * *cap : 4096;
            want = want > RUN_MAX_LINE + 1 ? RUN_MAX_LINE + 1 : want;
            char *grown = realloc(*buf, want);
            if (grown == NULL) {
                fprintf(stderr, "beex run: out of memory reading standard input line %ld\n",
                        lineno);
                return -2;
            }
            *buf = grown, *cap = want;
        }
        (*buf)[n++] = (char)ch;
    }
    if (ch == EOF && ferror(stdin)) {
        fprintf(stderr, "beex run: error reading standard input (line %ld): %s\n", lineno,
                strerror(errno ? errno : EIO));
        return -2;
    }
    if (ch == EOF && n == 0)
        return -1;
    if (*buf == NULL && (*buf = malloc(*cap = 1)) == NULL) {
        fprintf(stderr, "beex run: out of memory reading standard input line %ld\n", lineno);
        return -2;
    }
    (*buf)[n] = '\0';
    return (long)n;
}

/* 1 after printing why when a line cannot be an example: a NUL byte would silently cut it
 * short, and invalid UTF-8 would reach the tokenizer that every data set file is checked for
 * (text/dataset.c refuses both, with the same words). */
static int line_refused(const char *line, size_t n, long lineno)
{
    if (memchr(line, '\0', n) != NULL) {
        fprintf(stderr, "beex run: standard input line %ld: NUL byte in line\n", lineno);
        return 1;
    }
    size_t bad = beex_utf8_invalid_offset(line, n);
    if (bad < n) {
        fprintf(stderr,
                "beex run: standard input line %ld: invalid UTF-8 at byte %zu of the line\n",
                lineno, bad + 1);
        return 1;
    }
    return 0;
}

/* Standard input to the end, batch by batch (a bad line still lets the lines before it
 * through). Returns the exit status: 0, or 1 after printing why. */
static int run_lines(beex_engine *e, const beex_model *m, const beex_vocab *vocab, pending *p,
                     const run_options *ro)
{
    const beex_config *c = &m->cfg;
    char *line = NULL;
    size_t linecap = 0;
    int rc = 1;
    long lineno = 0, done = 0;
    long got;
    while ((got = read_line(&line, &linecap, lineno + 1)) >= 0) {
        lineno++;
        int n;
        int bad = line_refused(line, (size_t)got, lineno);
        if (!bad && ro->use_ids)
            bad = (n = parse_ids(line, lineno, c->vocab, c->max_len, p->ids[p->n])) < 0;
        if (bad) {
            /* The lines before the bad one still get their results, then exit 1. */
            if (p->n > 0)
                (void)flush_batch(e, m, p, done, &ro->rule, ro->full);
            goto out;
        }
        if (!ro->use_ids) {
            beex_encode(vocab, line, p->ids[p->n], c->max_len, &n);
        }
        p->untrunc[p->n] = n;
        p->lens[p->n] = n < c->max_len ? (n > 0 ? n : 1) : c->max_len;
        if (++p->n == p->cap) {
            if (flush_batch(e, m, p, done, &ro->rule, ro->full) != 0)
                goto out;
            done += p->cap;
        }
    }
    if (got == -2) {
        /* The lines before the unreadable one still get their results, then exit 1. */
        if (p->n > 0)
            (void)flush_batch(e, m, p, done, &ro->rule, ro->full);
        goto out;
    }
    if (p->n > 0 && flush_batch(e, m, p, done, &ro->rule, ro->full) != 0)
        goto out;
    rc = 0;
out:
    free(line);
    return rc;
}

int beex_cmd_run(int argc, char **argv)
{
    run_options ro;
    int rc = parse_args(argc, argv, &ro);
    if (rc >= 0)
        return rc;
    char err[512];
    int team = beex_threads_setup(ro.threads, err, sizeof err);
    if (team < 0) {
        fprintf(stderr, "beex run: %s\n", err);
        return 1;
    }
    beex_model *m = NULL;
    if (beex_model_load(ro.model, &m, err, sizeof err) != 0) {
        fprintf(stderr, "beex run: %s\n", err); /* err already names the file */
        return 1;
    }
    const beex_config *c = &m->cfg;
    if ((ro.prec >= 0 ? ro.prec : (int)c->precision) == BEEX_PREC_W8A8 &&
        beex_model_has_act_scales(m) != 1) {
        fprintf(stderr, "beex run: %s: %s\n", ro.model, BEEX_W8A8_UNCALIBRATED);
        beex_model_free(m);
        return 1;
    }
    beex_vocab *vocab = NULL;
    if (!ro.use_ids) {
        vocab = m->vocab ? beex_vocab_from_tokens(m->vocab, c->vocab) : NULL;
        if (vocab == NULL) {
            fprintf(stderr, "beex run: %s has no usable vocabulary; pass token ids with --ids\n",
                    ro.model);
            beex_model_free(m);
            return 1;
        }
    }
    beex_engine_options eo = {ro.prec >= 0 ? (beex_precision)ro.prec : c->precision, ro.isa, team};
    beex_engine *e = NULL;
    pending p = {0};
    rc = 1;
    if (beex_engine_create(m, &eo, &e, err, sizeof err) != 0) {
        fprintf(stderr, "beex run: %s\n", err);
    } else {
        if (beex_engine_fp32_note(e) != NULL)
            fprintf(stderr, "beex run: note: %s\n", beex_engine_fp32_note(e));
        if (pending_alloc(&p, ro.batch, c->max_len) != 0)
            fprintf(stderr, "beex run: out of memory\n");
        else
            rc = run_lines(e, m, vocab, &p, &ro);
    }
    pending_free(&p);
    beex_engine_free(e);
    beex_vocab_free(vocab);
    beex_model_free(m);
    return rc;
}
