/* The accuracy check's one computation: the reference model traced on dev and test through
 * the evaluation path (harness/eval/), every exit rule replayed as `beex sweep` does with its
 * default grid and bootstrap, the dev-selected point taken, and a record of what must not
 * change from machine to machine: the inputs' sha256, the test accuracy at full depth and at
 * that point, its rule and parameter, its exit histogram. `beex machine reference` writes the
 * record; `beex machine run` computes it again and compares, so they cannot disagree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/machine/machine_internal.h"
#include "harness/base/fingerprint.h"
#include "harness/base/input_file.h"
#include "harness/base/threads.h"
#include "harness/eval/labels.h"
#include "harness/eval/trace.h"
#include "harness/report/sweep_report.h"
#include "harness/text/tokenizer.h"

int beex_machine_eval_load(const char *model, const char *task, beex_machine_eval *ev, char *err,
                           size_t errlen)
{
    memset(ev, 0, sizeof *ev);
    snprintf(ev->model_path, sizeof ev->model_path, "%s", model);
    if (beex_model_load(model, &ev->model, err, errlen) != 0)
        return -1;
    if (beex_dataset_resolve(task, ev->data_dir, sizeof ev->data_dir, err, errlen) != 0 ||
        beex_dataset_load(task, &ev->ds, err, errlen) != 0)
        return -1;
    ev->ds_loaded = 1;
    if (ev->ds.n_labels > 256) {
        snprintf(err, errlen, "%s: more than 256 labels", task);
        return -1;
    }
    char why[400];
    if (beex_label_map(&ev->ds, ev->model, ev->label_map, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s on %s: %s", model, task, why);
        return -1;
    }
    ev->positive = beex_positive_class(ev->model, NULL, err, errlen);
    if (ev->positive == -2)
        return -1;
    const beex_config *cfg = &ev->model->cfg;
    if (ev->model->vocab == NULL ||
        (ev->vocab = beex_vocab_from_tokens(ev->model->vocab, cfg->vocab)) == NULL) {
        snprintf(err, errlen, "%s: the model carries no vocabulary", model);
        return -1;
    }
    return beex_encode_split(&ev->ds.test, ev->vocab, cfg->max_len, ev->label_map, 0,
                             (int)ev->ds.test.n, &ev->test, err, errlen);
}

void beex_machine_eval_free(beex_machine_eval *ev)
{
    beex_encoded_free(&ev->test);
    if (ev->vocab != NULL)
        beex_vocab_free(ev->vocab);
    if (ev->ds_loaded)
        beex_dataset_free(&ev->ds);
    beex_model_free(ev->model);
    free(ev->selected_exit);
    json_decref(ev->record);
    memset(ev, 0, sizeof *ev);
}

static json_t *hist_json(const int *hist, int blocks)
{
    json_t *a = json_array();
    for (int b = 0; b < blocks; b++)
        json_array_append_new(a, json_integer(hist[b]));
    return a;
}

static json_t *point_json(const beex_replay_point *p, int blocks)
{
    return json_pack("{s:s, s:f, s:f, s:f, s:f, s:o}", "rule", beex_policy_name(p->policy.kind),
                     "param", p->policy.param, "accuracy", p->scores.accuracy, "metric", p->metric,
                     "mean_exit", p->mean_exit, "hist", hist_json(p->hist, blocks));
}

/* The inputs' sha256: the model file and the task's three files. */
static int inputs_json(const beex_machine_eval *ev, json_t *rec, char *err, size_t errlen)
{
    char sha[65];
    if (beex_file_sha256(ev->model_path, sha) != 0) {
        snprintf(err, errlen, "%s: cannot read", ev->model_path);
        return -1;
    }
    json_object_set_new(rec, "model",
                        json_pack("{s:s, s:s}", "path", ev->model_path, "sha256", sha));
    json_t *data = json_object();
    static const char *const files[3] = {"train.tsv", "dev.tsv", "test.tsv"};
    for (int i = 0; i < 3; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", ev->data_dir, files[i]);
        if (beex_file_sha256(p, sha) != 0) {
            json_decref(data);
            snprintf(err, errlen, "%s: cannot read", p);
            return -1;
        }
        json_object_set_new(data, files[i], json_string(sha));
    }
    json_object_set_new(rec, "task", json_pack("{s:s, s:o}", "path", ev->data_dir, "sha256", data));
    return 0;
}

int beex_machine_eval_run(beex_machine_eval *ev, char *err, size_t errlen)
{
    const beex_config *cfg = &ev->model->cfg;
    beex_precision prec = cfg->precision;
    beex_engine *e = NULL;
    beex_engine_options eo = {prec, -1, 0};
    beex_trace tdev, ttest;
    beex_sweep_table table;
    memset(&tdev, 0, sizeof tdev), memset(&ttest, 0, sizeof ttest), memset(&table, 0, sizeof table);
    int rc = -1;
    if (beex_threads_setup(0, err, errlen) < 0 ||
        beex_engine_create(ev->model, &eo, &e, err, errlen) != 0)
        goto done;
    if (beex_trace_split(e, &ev->ds.dev, ev->vocab, ev->label_map, 0, (int)ev->ds.dev.n, NULL,
                         &tdev, err, errlen) != 0 ||
        beex_trace_split(e, &ev->ds.test, ev->vocab, ev->label_map, 0, (int)ev->ds.test.n, NULL,
                         &ttest, err, errlen) != 0)
        goto done;
    /* `beex sweep`'s defaults: the full grid, 2000 resamples, seed 1, the task's metric. */
    beex_metric metric = beex_metric_for_task(ev->data_dir);
    beex_config ccfg = *cfg;
    beex_replay_setup rs = {&ccfg, prec, metric, ev->positive};
    beex_sweep_table_options to = {0, BEEX_BOOTSTRAP_MIN_RESAMPLES, BEEX_BOOTSTRAP_DEFAULT_SEED};
    if (beex_sweep_replay_all(&tdev, &ttest, &rs, &to, &table, err, errlen) != 0)
        goto done;
    ev->selected_exit = malloc((size_t)(ttest.n > 0 ? ttest.n : 1) * sizeof *ev->selected_exit);
    int *preds = malloc((size_t)(ttest.n > 0 ? ttest.n : 1) * sizeof *preds);
    beex_replay_point sel;
    int bad = ev->selected_exit == NULL || preds == NULL ||
              beex_replay(&ttest, &table.test[table.selected].policy, &rs, &sel, ev->selected_exit,
                          preds) != 0;
    free(preds);
    if (bad) {
        snprintf(err, errlen, "cannot replay the selected point");
        goto done;
    }
    json_t *rec = json_pack("{s:s, s:i}", "kind", BEEX_MACHINE_REFERENCE_KIND, "reference_version",
                            BEEX_MACHINE_REFERENCE_VERSION);
    if (inputs_json(ev, rec, err, errlen) != 0) {
        json_decref(rec);
        goto done;
    }
    json_object_set_new(rec, "precision", json_string(beex_precision_name(prec)));
    json_object_set_new(rec, "metric", json_string(beex_metric_name(metric)));
    json_object_set_new(rec, "blocks", json_integer(cfg->blocks));
    json_object_set_new(rec, "dev_examples", json_integer(tdev.n));
    json_object_set_new(rec, "test_examples", json_integer(ttest.n));
    json_object_set_new(rec, "full_depth", point_json(&table.test[table.full], cfg->blocks));
    json_t *s = point_json(&table.test[table.selected], cfg->blocks);
    json_object_set_new(s, "selection",
                        json_string("beex sweep's selected point: the fewest dev OPs with dev "
                                    "metric >= full depth - 1 point, over every rule"));
    json_object_set_new(s, "grid", json_string("full (beex sweep's default)"));
    json_object_set_new(s, "bootstrap",
                        json_pack("{s:i, s:i}", "resamples", BEEX_BOOTSTRAP_MIN_RESAMPLES, "seed",
                                  BEEX_BOOTSTRAP_DEFAULT_SEED));
    json_object_set_new(rec, "selected", s);
    ev->record = rec;
    rc = 0;
done:
    beex_engine_free(e);
    beex_trace_free(&tdev);
    beex_trace_free(&ttest);
    beex_sweep_table_free(&table);
    return rc;
}

static const json_t *at(const json_t *j, const char *a, const char *b, const char *c)
{
    j = json_object_get(j, a);
    if (b != NULL)
        j = json_object_get(j, b);
    if (c != NULL)
        j = json_object_get(j, c);
    return j;
}

json_t *beex_machine_reference_diff(const json_t *want, const json_t *got)
{
    /* What must be equal, exactly: inputs by content, then the figures. Paths may differ. */
    static const struct {
        const char *a, *b, *c, *what;
    } keys[] = {
        {"model", "sha256", NULL, "the model file's sha256"},
        {"task", "sha256", "train.tsv", "train.tsv's sha256"},
        {"task", "sha256", "dev.tsv", "dev.tsv's sha256"},
        {"task", "sha256", "test.tsv", "test.tsv's sha256"},
        {"precision", NULL, NULL, "the precision"},
        {"test_examples", NULL, NULL, "the number of test examples"},
        {"full_depth", "accuracy", NULL, "the test accuracy at full depth"},
        {"full_depth", "hist", NULL, "the exit histogram at full depth"},
        {"selected", "rule", NULL, "the dev-selected rule"},
        {"selected", "param", NULL, "the dev-selected parameter"},
        {"selected", "accuracy", NULL, "the test accuracy at the dev-selected point"},
        {"selected", "hist", NULL, "the exit histogram at the dev-selected point"},
    };
    json_t *out = json_array();
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const json_t *w = at(want, keys[k].a, keys[k].b, keys[k].c);
        const json_t *g = at(got, keys[k].a, keys[k].b, keys[k].c);
        int same = w != NULL && g != NULL && json_equal((json_t *)w, (json_t *)g);
        /* Numbers as the record stores them: results files carry 10 significant digits
         * (harness/base/atomic_file.c), so a fresh measurement is compared at that precision
         * (and 3 and 3.0 are one number). The histograms, integers, are compared exactly. */
        if (!same && json_is_number(w) && json_is_number(g)) {
            char ws10[40], gs10[40];
            snprintf(ws10, sizeof ws10, "%.10g", json_number_value(w));
            snprintf(gs10, sizeof gs10, "%.10g", json_number_value(g));
            same = strcmp(ws10, gs10) == 0;
        }
        if (same)
            continue;
        char *ws = w != NULL
                       ? json_dumps(w, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17))
                       : NULL;
        char *gs = g != NULL
                       ? json_dumps(g, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17))
                       : NULL;
        char msg[600];
        snprintf(msg, sizeof msg, "%s differs from the reference: measured %.200s, recorded %.200s",
                 keys[k].what, gs != NULL ? gs : "(missing)", ws != NULL ? ws : "(missing)");
        free(ws), free(gs);
        json_array_append_new(out, json_string(msg));
    }
    return out;
}

json_t *beex_machine_reference_read(const char *path, char *err, size_t errlen)
{
    char why[4600];
    json_t *doc = beex_input_json(path, BEEX_INPUT_MAX_JSON, why, sizeof why);
    if (doc == NULL) {
        snprintf(err, errlen,
                 "--reference %s; write one with `beex machine reference MODEL TASK --out %s`", why,
                 path);
        return NULL;
    }
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    if (kind == NULL || strcmp(kind, BEEX_MACHINE_REFERENCE_KIND) != 0) {
        snprintf(err, errlen, "--reference %s: not a reference record (kind %s expected)", path,
                 BEEX_MACHINE_REFERENCE_KIND);
        json_decref(doc);
        return NULL;
    }
    return doc;
}
