/* --resume continues a run only under the settings its first epochs used: the checkpoint's
 * provenance ("extra" metadata, written by settings_json in trainer.c) is compared with this
 * run's, and a difference is refused before any epoch, naming each setting with its old and
 * new values. Only --epochs may change (growing the run is the point of resuming). */
#include "harness/train/trainer_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char *buf;
    size_t len;
    int n;
} diff_list;

/* Appends "name old -> new" when the two renderings differ; a setting the checkpoint does not
 * record (an older file) is not compared. */
static void diff_text(diff_list *d, const char *name, const char *old, const char *now)
{
    if (old == NULL || strcmp(old, now) == 0)
        return;
    size_t used = strlen(d->buf);
    if (used < d->len)
        snprintf(d->buf + used, d->len - used, "%s%s %s -> %s", d->n ? ", " : "", name, old, now);
    d->n++;
}

static void diff_real(diff_list *d, const char *name, const json_t *old, double now, int single)
{
    char a[40], b[40];
    if (!json_is_number(old))
        return;
    double v = json_number_value(old);
    snprintf(a, sizeof a, "%.*g", single ? 9 : 17, single ? (double)(float)v : v);
    snprintf(b, sizeof b, "%.*g", single ? 9 : 17, single ? (double)(float)now : now);
    diff_text(d, name, a, b);
}

static void diff_int(diff_list *d, const char *name, const json_t *old, long long now)
{
    char a[32], b[32];
    if (!json_is_integer(old))
        return;
    snprintf(a, sizeof a, "%lld", (long long)json_integer_value(old));
    snprintf(b, sizeof b, "%lld", now);
    diff_text(d, name, a, b);
}

/* A path or "none"; absent keys are not compared. */
static void diff_path(diff_list *d, const char *name, const json_t *meta, const char *now)
{
    const json_t *old = json_object_get(meta, name);
    if (old == NULL)
        return;
    diff_text(d, name, json_is_string(old) ? json_string_value(old) : "none",
              now != NULL ? now : "none");
}

/* The loss weights as "w1,w2,...". */
static void weights_text(char *out, size_t len, const float *w, int n)
{
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        size_t used = strlen(out);
        if (used < len)
            snprintf(out + used, len - used, "%s%.9g", i ? "," : "", (double)w[i]);
    }
}

static void diff_weights(diff_list *d, const json_t *old, const float *now, int blocks)
{
    float w[BEEX_TRAIN_MAX_BLOCKS];
    char a[BEEX_TRAIN_MAX_BLOCKS * 18], b[BEEX_TRAIN_MAX_BLOCKS * 18];
    size_t n = json_array_size(old);
    if (!json_is_array(old) || n > BEEX_TRAIN_MAX_BLOCKS)
        return;
    for (size_t i = 0; i < n; i++)
        w[i] = (float)json_number_value(json_array_get(old, i));
    weights_text(a, sizeof a, w, (int)n);
    weights_text(b, sizeof b, now, blocks);
    diff_text(d, "loss_weights", a, b);
}

/* The training precision the checkpoint's run aimed at: recorded since issue 24; before, the
 * saved epoch's precision tells it once the fp32 stage is over. */
static const char *old_precision(const json_t *meta)
{
    const char *p = json_string_value(json_object_get(meta, "train_precision"));
    if (p != NULL)
        return p;
    json_int_t epoch = json_integer_value(json_object_get(meta, "epoch"));
    json_int_t fp32 = json_integer_value(json_object_get(meta, "fp32_epochs"));
    return epoch > fp32 ? json_string_value(json_object_get(meta, "precision")) : NULL;
}

int beex_train_resume_settings(beex_train_options *o, beex_precision target, int blocks,
                               const char *meta_json, const char *path, char *err, size_t errlen)
{
    json_t *meta = meta_json != NULL ? json_loads(meta_json, 0, NULL) : NULL;
    if (!json_is_object(meta)) {
        json_decref(meta);
        return 0; /* no provenance: resume_mismatch refuses it for the missing fingerprint */
    }
    const json_t *fp32 = json_object_get(meta, "fp32_epochs");
    /* The measured default of --fp32-epochs depends on --epochs, which may grow: keep the
     * stage split the run started with unless --fp32-epochs was given. */
    if (o->fp32_epochs_auto && json_is_integer(fp32))
        o->fp32_epochs = (int)json_integer_value(fp32);
    char list[1536] = "";
    diff_list d = {list, sizeof list, 0};
    diff_text(&d, "precision", old_precision(meta), beex_precision_name(target));
    diff_int(&d, "fp32_epochs", fp32, o->fp32_epochs);
    diff_int(&d, "seed", json_object_get(meta, "seed"), (long long)o->seed);
    diff_real(&d, "lr", json_object_get(meta, "lr"), o->lr, 0);
    diff_int(&d, "batch", json_object_get(meta, "batch"), o->batch);
    diff_real(&d, "dropout", json_object_get(meta, "dropout"), o->dropout, 1);
    diff_weights(&d, json_object_get(meta, "loss_weights"), o->loss_weights, blocks);
    diff_real(&d, "warmup", json_object_get(meta, "warmup"), o->warmup, 0);
    diff_text(&d, "lr_decay", json_string_value(json_object_get(meta, "lr_decay")),
              o->lr_decay ? "linear" : "none");
    diff_path(&d, "glove", meta, o->glove);
    diff_int(&d, "glove_words", json_object_get(meta, "glove_words"),
             o->glove ? o->glove_words : 0);
    if (json_is_boolean(json_object_get(meta, "freeze_embed")))
        diff_text(&d, "freeze_embed",
                  json_is_true(json_object_get(meta, "freeze_embed")) ? "on" : "off",
                  o->freeze_embed ? "on" : "off");
    diff_path(&d, "init", meta, o->init);
    /* No exit_regime key: a weighted run (settings_json records only the others). */
    const char *regime = json_string_value(json_object_get(meta, "exit_regime"));
    diff_text(&d, "exit_regime", regime != NULL ? regime : "weighted",
              beex_exit_regime_name(o->exit_regime));
    if (o->exit_regime == BEEX_REGIME_DISTILL) {
        diff_real(&d, "distill_alpha", json_object_get(meta, "distill_alpha"), o->distill_alpha, 0);
        diff_real(&d, "distill_temperature", json_object_get(meta, "distill_temperature"),
                  o->distill_temperature, 0);
    }
    json_decref(meta);
    if (d.n == 0)
        return 0;
    snprintf(err, errlen,
             "--resume: %s was trained with other settings (%s); resume with the same ones or "
             "start a new run",
             path, list);
    return -1;
}
