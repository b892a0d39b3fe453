/* `beex eval MODEL TASK`: accuracy (binary tasks: also F1 of the positive class and the
 * Matthews correlation) at full depth and per exit block, on dev and test, in eval mode. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/bench/threads.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/model/model.h"
#include "harness/report/atomic_file.h"
#include "harness/report/context.h"
#include "harness/text/dataset.h"
#include "harness/text/tokenizer.h"
#include "harness/train/tdata.h"
#include "harness/train/tparams.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: beex eval MODEL TASK [--precision fp32|w1a32|w1a1] [--json FILE]\n"
                 "                 [--threads N]\n"
                 "MODEL is a training checkpoint; the precision defaults to the one it was\n"
                 "trained in. Prints accuracy per exit block (block N = full depth) on dev and\n"
                 "test; binary tasks add F1 of the positive class (label \"1\", else the second\n"
                 "label) and the Matthews correlation.\n");
}

/* Maps the data set's label indices onto the model's label order by name. */
static int map_labels(const beex_model *m, const beex_dataset *ds, int *map)
{
    for (int i = 0; i < ds->n_labels; i++) {
        map[i] = -1;
        for (int j = 0; j < m->cfg.classes; j++)
            if (m->labels[j] != NULL && strcmp(m->labels[j], ds->labels[i]) == 0)
                map[i] = j;
        if (map[i] < 0) {
            fprintf(stderr, "beex eval: label '%s' of the task is not a class of the model\n",
                    ds->labels[i]);
            return -1;
        }
    }
    return 0;
}

static json_t *eval_split(const char *name, const beex_split *sp, const int *map,
                          const beex_model *m, const beex_vocab *v, const beex_tparams *p,
                          const beex_teff *e, beex_precision prec, int positive)
{
    const beex_config *c = &m->cfg;
    beex_tsplit ts;
    if (beex_tsplit_encode(sp, v, c->max_len, &ts) != 0)
        return NULL;
    for (size_t i = 0; i < ts.n; i++)
        ts.label[i] = map[ts.label[i]];
    int *pred = malloc((ts.n ? ts.n : 1) * (size_t)c->blocks * sizeof(int));
    json_t *arr = NULL;
    if (pred != NULL && beex_predict_split(p, e, prec, &ts, pred) == 0) {
        arr = json_array();
        printf("%-5s (%zu examples)\n  exit  accuracy", name, ts.n);
        if (c->classes == 2)
            printf("      F1     MCC");
        printf("\n");
        for (int b = 0; b < c->blocks; b++) {
            beex_metrics mt =
                beex_metrics_of(pred, ts.label, ts.n, c->blocks, b, c->classes, positive);
            printf("  %4d    %.4f", b + 1, mt.accuracy);
            if (c->classes == 2)
                printf("  %.4f  %+.4f", mt.f1, mt.mcc);
            printf("%s\n", b == c->blocks - 1 ? "   (full depth)" : "");
            json_t *row = json_pack("{s:s, s:i, s:I, s:f}", "split", name, "exit_block", b + 1,
                                    "examples", (json_int_t)ts.n, "accuracy", mt.accuracy);
            if (c->classes == 2) {
                json_object_set_new(row, "f1", json_real(mt.f1));
                json_object_set_new(row, "mcc", json_real(mt.mcc));
            }
            json_array_append_new(arr, row);
        }
    }
    free(pred);
    beex_tsplit_free(&ts);
    return arr;
}

int beex_cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {{"precision", required_argument, 0, 'p'},
                                         {"json", required_argument, 0, 'j'},
                                         {"threads", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int prec = -1, threads = 0, c;
    const char *json_path = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            prec = beex_precision_parse(optarg);
            if (prec < 0) {
                fprintf(stderr, "beex eval: unknown precision '%s'\n", optarg);
                return 2;
            }
            break;
        case 'j':
            json_path = optarg;
            break;
        case 't': {
            if (beex_arg_int("eval", "threads", optarg, 0, 1024, &threads) != 0)
                return 2;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 2) {
        usage(stderr);
        return 2;
    }
    const char *model_path = argv[optind], *task = argv[optind + 1];
    char err[512];
    if (beex_threads_setup(threads, err, sizeof err) < 0) {
        fprintf(stderr, "beex eval: %s\n", err);
        return 1;
    }
    beex_model *m = NULL;
    beex_dataset ds;
    int have_ds = 0, rc = 1;
    beex_vocab *v = NULL;
    beex_tparams p;
    beex_teff e;
    memset(&p, 0, sizeof p);
    memset(&e, 0, sizeof e);
    json_t *doc = NULL;
    if (beex_model_load(model_path, &m, err, sizeof err) != 0) {
        fprintf(stderr, "beex eval: %s\n", err);
        goto out;
    }
    if (m->is_deployment || m->tok_embed == NULL) {
        fprintf(stderr, "beex eval: %s is a deployment file; evaluate the training checkpoint\n",
                model_path);
        goto out;
    }
    if (beex_dataset_load(task, &ds, err, sizeof err) != 0) {
        fprintf(stderr, "beex eval: %s\n", err);
        goto out;
    }
    have_ds = 1;
    int map[4096];
    if (ds.n_labels > 4096 || map_labels(m, &ds, map) != 0)
        goto out;
    beex_precision pr = prec >= 0 ? (beex_precision)prec : m->cfg.precision;
    v = beex_vocab_from_tokens(m->vocab, m->cfg.vocab);
    if (v == NULL || beex_tparams_init(&p, &m->cfg, NULL) != 0 ||
        beex_teff_init(&e, &m->cfg) != 0 || beex_tparams_from_model(&p, m) != 0) {
        fprintf(stderr, "beex eval: out of memory or inconsistent model %s\n", model_path);
        goto out;
    }
    beex_teff_update(&e, &p, pr, 0);
    int positive = 1;
    for (int j = 0; j < m->cfg.classes; j++)
        if (m->labels[j] != NULL && strcmp(m->labels[j], "1") == 0)
            positive = j;
    printf("model %s, task %s, precision %s, %d blocks\n", model_path, task,
           beex_precision_name(pr), m->cfg.blocks);
    json_t *rows = json_array();
    const char *names[2] = {"dev", "test"};
    const beex_split *splits[2] = {&ds.dev, &ds.test};
    for (int s = 0; s < 2; s++) {
        json_t *r = eval_split(names[s], splits[s], map, m, v, &p, &e, pr, positive);
        if (r == NULL) {
            fprintf(stderr, "beex eval: out of memory evaluating %s\n", names[s]);
            json_decref(rows);
            goto out;
        }
        json_array_extend(rows, r);
        json_decref(r);
    }
    if (json_path != NULL) {
        char fp[17] = "unknown";
        (void)beex_file_fingerprint(model_path, fp);
        doc = json_pack("{s:o, s:s, s:s, s:s, s:s, s:o}", "context", beex_context_json(), "model",
                        model_path, "model_fingerprint", fp, "task", task, "precision",
                        beex_precision_name(pr), "results", rows);
        if (doc == NULL || beex_json_write_atomic(doc, json_path, err, sizeof err) != 0) {
            fprintf(stderr, "beex eval: %s\n", doc ? err : "cannot build the JSON document");
            goto out;
        }
    } else {
        json_decref(rows);
    }
    rc = 0;
out:
    json_decref(doc);
    beex_tparams_free(&p);
    beex_teff_free(&e);
    beex_vocab_free(v);
    if (have_ds)
        beex_dataset_free(&ds);
    beex_model_free(m);
    return rc;
}
