/* `beex data stats TASK`: examples per split and class, token-length percentiles, and how
 * much of dev and test the training vocabulary covers (optionally GloVe's coverage of the
 * vocabulary). TASK is a task name or a directory in the TSV layout. */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/atomic_file.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/text/dataset.h"
#include "harness/text/glove.h"
#include "harness/text/tokenizer.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex data stats TASK [--vocab N] [--glove JSON] [--json FILE]\n"
            "  TASK          task name (datasets/data/TASK) or directory with train/dev/test.tsv\n"
            "  --vocab N     vocabulary size built from train, with [PAD] [UNK] (default 8192)\n"
            "  --glove JSON  also report how many vocabulary words have a GloVe vector\n"
            "                (the file datasets/glove.sh prints)\n"
            "  --json FILE   also write the figures as JSON\n");
}

typedef struct {
    const beex_vocab *v;
    long tokens, known;
} coverage_ctx;

static void count_known(const char *tok, void *ctx)
{
    coverage_ctx *c = ctx;
    c->tokens++;
    c->known += beex_vocab_lookup(c->v, tok) != BEEX_UNK_ID;
}

static void count_tokens(const char *tok, void *ctx)
{
    (void)tok;
    (*(int *)ctx)++;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static int percentile(const int *sorted, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return sorted[rank > 0 ? rank - 1 : 0];
}

static json_t *split_stats(const beex_dataset *ds, const beex_split *s, const char *name,
                           const beex_vocab *v)
{
    json_t *j = json_object();
    json_object_set_new(j, "examples", json_integer((json_int_t)s->n));
    json_t *classes = json_object();
    long *per = calloc((size_t)ds->n_labels, sizeof *per);
    int *len = malloc((s->n ? s->n : 1) * sizeof *len);
    if (per == NULL || len == NULL) {
        free(per);
        free(len);
        json_decref(classes);
        json_decref(j);
        return NULL;
    }
    coverage_ctx cov = {v, 0, 0};
    for (size_t i = 0; i < s->n; i++) {
        per[s->ex[i].label]++;
        len[i] = 0;
        beex_tokenize_each(s->ex[i].text, count_tokens, &len[i]);
        if (v != NULL)
            beex_tokenize_each(s->ex[i].text, count_known, &cov);
    }
    printf("%-6s %8zu", name, s->n);
    for (int l = 0; l < ds->n_labels; l++) {
        json_object_set_new(classes, ds->labels[l], json_integer(per[l]));
        printf(" %8ld", per[l]);
    }
    json_object_set_new(j, "classes", classes);
    qsort(len, s->n, sizeof *len, cmp_int);
    int p50 = percentile(len, s->n, 50), p90 = percentile(len, s->n, 90),
        p99 = percentile(len, s->n, 99), max = len[s->n - 1];
    printf("   | tokens p50 %d p90 %d p99 %d max %d", p50, p90, p99, max);
    json_t *tl = json_pack("{s:i, s:i, s:i, s:i}", "p50", p50, "p90", p90, "p99", p99, "max", max);
    json_object_set_new(j, "token_length", tl);
    if (v != NULL) {
        double c = cov.tokens ? (double)cov.known / (double)cov.tokens : 0.0;
        printf(" | in-vocab %.1f%% of %ld tokens", 100.0 * c, cov.tokens);
        json_object_set_new(j, "vocab_coverage", json_real(c));
        json_object_set_new(j, "tokens", json_integer(cov.tokens));
    }
    printf("\n");
    free(per);
    free(len);
    return j;
}

/* Returns -1 to go on with the task argv[optind], or the exit status: 0 after --help, 2 on a
 * usage error, 1 when --json cannot be written. */
static int parse_args(int argc, char **argv, int *vocab_size, const char **json_path,
                      const char **glove_path)
{
    static const struct option opts[] = {{"vocab", required_argument, NULL, 'v'},
                                         {"glove", required_argument, NULL, 'g'},
                                         {"json", required_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "v:g:j:h", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            if (beex_arg_int("data stats", "vocab", optarg, 2, 10000000, vocab_size) != 0)
                return 2;
            break;
        case 'g':
            *glove_path = optarg;
            break;
        case 'j':
            *json_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "beex data stats: expected one TASK\n");
        usage(stderr);
        return 2;
    }
    if (*json_path != NULL &&
        (beex_arg_output("data stats", "json", *json_path) != 0 ||
         beex_arg_output_not_task("data stats", "json", *json_path, argv[optind]) != 0 ||
         beex_arg_output_not_input("data stats", "json", *json_path, "the --glove file",
                                   *glove_path) != 0))
        return 1;
    return -1;
}

/* The vocabulary a model trained on this task would get (cap vocab_size), and in *distinct
 * every distinct training token (to say how much the cap cuts; -1 when unknown). NULL when
 * out of memory. */
static beex_vocab *train_vocab(const beex_dataset *ds, int vocab_size, int *distinct)
{
    const char **texts = malloc(ds->train.n * sizeof *texts);
    beex_vocab *v = NULL;
    *distinct = -1;
    if (texts != NULL) {
        for (size_t i = 0; i < ds->train.n; i++)
            texts[i] = ds->train.ex[i].text;
        v = beex_vocab_build(texts, ds->train.n, vocab_size);
        beex_vocab *all = beex_vocab_build(texts, ds->train.n, INT_MAX);
        *distinct = all != NULL ? beex_vocab_size(all) - 2 : -1;
        beex_vocab_free(all);
        free(texts);
    }
    return v;
}

/* How many vocabulary words have a GloVe vector: printed, and into doc. Returns 0, or 1 after
 * printing why not. */
static int glove_coverage(const char *glove_path, const beex_vocab *v, json_t *doc)
{
    char err[512];
    int n = beex_vocab_size(v), found = 0, rc = 0;
    float *rows = calloc((size_t)n * BEEX_GLOVE_DIM, sizeof *rows);
    if (rows == NULL || beex_glove_lookup(glove_path, v, rows, &found, err, sizeof err) != 0) {
        fprintf(stderr, "beex data stats: %s\n", rows == NULL ? "out of memory" : err);
        rc = 1;
    } else {
        printf("glove: %d of %d vocabulary words have a vector (%.1f%%)\n", found, n - 2,
               100.0 * found / (n > 2 ? n - 2 : 1));
        json_object_set_new(doc, "glove_found", json_integer(found));
    }
    free(rows);
    return rc;
}

int beex_cmd_data_stats(int argc, char **argv)
{
    int vocab_size = 8192, distinct;
    const char *json_path = NULL, *glove_path = NULL;
    int rc = parse_args(argc, argv, &vocab_size, &json_path, &glove_path);
    if (rc >= 0)
        return rc;
    char err[512];
    beex_dataset ds;
    if (beex_dataset_load(argv[optind], &ds, err, sizeof err) != 0) {
        fprintf(stderr, "beex data stats: %s\n", err);
        return 1;
    }
    beex_vocab *v = train_vocab(&ds, vocab_size, &distinct);
    if (v == NULL) {
        fprintf(stderr, "beex data stats: out of memory building the vocabulary\n");
        beex_dataset_free(&ds);
        return 1;
    }
    printf("task %s (%s): %d classes, vocabulary %d (cap %d; %d distinct train tokens)\n",
           argv[optind], ds.dir, ds.n_labels, beex_vocab_size(v), vocab_size, distinct);
    printf("%-6s %8s", "split", "examples");
    for (int l = 0; l < ds.n_labels; l++)
        printf(" %8.8s", ds.labels[l]);
    printf("\n");
    json_t *doc = json_object(), *splits = json_object(), *labels = json_array();
    for (int l = 0; l < ds.n_labels; l++)
        json_array_append_new(labels, json_string(ds.labels[l]));
    json_object_set_new(doc, "task", json_string(argv[optind]));
    json_object_set_new(doc, "dir", json_string(ds.dir));
    json_object_set_new(doc, "labels", labels);
    json_object_set_new(doc, "vocab_size", json_integer(beex_vocab_size(v)));
    json_object_set_new(doc, "distinct_train_tokens", json_integer(distinct));
    const beex_split *sp[3] = {&ds.train, &ds.dev, &ds.test};
    static const char *const names[3] = {"train", "dev", "test"};
    rc = 0;
    for (int s = 0; s < 3 && rc == 0; s++) {
        json_t *j = split_stats(&ds, sp[s], names[s], s == 0 ? NULL : v);
        if (j == NULL) {
            fprintf(stderr, "beex data stats: out of memory\n");
            rc = 1;
        }
        json_object_set_new(splits, names[s], j);
    }
    json_object_set_new(doc, "splits", splits);
    if (rc == 0 && glove_path != NULL)
        rc = glove_coverage(glove_path, v, doc);
    if (rc == 0 && json_path != NULL && beex_json_write_atomic(doc, json_path, err, sizeof err)) {
        fprintf(stderr, "beex data stats: %s\n", err);
        rc = 1;
    }
    json_decref(doc);
    beex_vocab_free(v);
    beex_dataset_free(&ds);
    return rc;
}
