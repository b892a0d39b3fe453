/* The units of a study and the settings each one's results depend on. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/study/study.h"
#include "harness/base/fingerprint.h"
#include "harness/eval/metrics.h"
#include "harness/text/dataset.h"

static const char *const split_files[3] = {"train.tsv", "dev.tsv", "test.tsv"};

/* The last path component, which names the task in unit ids and tables. */
static int task_name(const char *arg, char *out, size_t len, char *err, size_t errlen)
{
    size_t end = strlen(arg);
    while (end > 1 && arg[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && arg[start - 1] != '/')
        start--;
    if (end - start == 0 || end - start >= len) {
        snprintf(err, errlen, "--tasks: '%s' does not end in a usable name (1-%zu characters)", arg,
                 len - 1);
        return -1;
    }
    memcpy(out, arg + start, end - start);
    out[end - start] = '\0';
    for (const char *c = out; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_' || *c == '.')) {
            snprintf(err, errlen,
                     "--tasks: the name '%s' of '%s' has a character other than "
                     "letters, digits, '-', '_' and '.'",
                     out, arg);
            return -1;
        }
    return 0;
}

static int plan_task(const beex_study_options *o, int t, beex_study_task *task, char *err,
                     size_t errlen)
{
    task->arg = o->tasks[t];
    if (task_name(o->tasks[t], task->name, sizeof task->name, err, errlen) != 0)
        return -1;
    char why[512];
    if (beex_dataset_resolve(o->tasks[t], task->dir, sizeof task->dir, why, sizeof why) != 0) {
        snprintf(err, errlen, "--tasks: %s", why);
        return -1;
    }
    for (int s = 0; s < 3; s++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", task->dir, split_files[s]);
        if (beex_file_fingerprint(p, task->fp[s]) != 0) {
            snprintf(err, errlen, "--tasks: task %s: %s cannot be read", o->tasks[t], p);
            return -1;
        }
    }
    task->metric = (int)beex_metric_for_task(task->name);
    return 0;
}

static int add_glove(beex_study_plan *plan, const char *path, char *err, size_t errlen)
{
    if (path == NULL)
        return 0;
    for (int g = 0; g < plan->n_gloves; g++)
        if (strcmp(plan->gloves[g].path, path) == 0)
            return 0;
    if (plan->n_gloves == 8) {
        snprintf(err, errlen, "--glove: at most 8 different files in one study");
        return -1;
    }
    if (beex_file_fingerprint(path, plan->gloves[plan->n_gloves].fp) != 0) {
        snprintf(err, errlen, "--glove %s: cannot be read", path);
        return -1;
    }
    plan->gloves[plan->n_gloves++].path = path;
    return 0;
}

int beex_study_plan_make(const beex_study_options *o, beex_study_plan *plan, char *err,
                         size_t errlen)
{
    memset(plan, 0, sizeof *plan);
    plan->o = o;
    for (int t = 0; t < o->n_tasks; t++) {
        if (plan_task(o, t, &plan->tasks[t], err, errlen) != 0)
            return -1;
        for (int u = 0; u < t; u++)
            if (strcmp(plan->tasks[u].name, plan->tasks[t].name) == 0) {
                snprintf(err, errlen, "--tasks: %s and %s have the same name '%s'", o->tasks[u],
                         o->tasks[t], plan->tasks[t].name);
                return -1;
            }
        plan->n_tasks++;
    }
    int folds = o->folds > 0 ? o->folds : 1;
    size_t n = (size_t)o->n_tasks * (size_t)o->n_precisions * (size_t)o->n_seeds * (size_t)folds;
    plan->units = calloc(n > 0 ? n : 1, sizeof *plan->units);
    if (plan->units == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int t = 0; t < o->n_tasks; t++)
        for (int p = 0; p < o->n_precisions; p++) {
            beex_train_options base;
            if (beex_recipe_resolve(&o->recipe, plan->tasks[t].name, o->precisions[p], &base, err,
                                    errlen) != 0 ||
                add_glove(plan, base.glove, err, errlen) != 0)
                return -1;
            base.threads = o->threads;
            base.quiet = 1;
            for (int s = 0; s < o->n_seeds; s++)
                for (int f = 0; f < folds; f++) {
                    beex_study_unit *u = &plan->units[plan->n_units++];
                    u->task = t;
                    u->precision = o->precisions[p];
                    u->seed = o->seeds[s];
                    u->fold = o->folds > 0 ? f : -1;
                    u->train = base;
                    u->train.seed = o->seeds[s];
                    int len = snprintf(u->id, sizeof u->id, "%s-%s-s%llu", plan->tasks[t].name,
                                       beex_precision_name((beex_precision)u->precision), u->seed);
                    if (o->folds > 0)
                        snprintf(u->id + len, sizeof u->id - (size_t)len, "-f%dof%d", f, o->folds);
                }
        }
    return 0;
}

void beex_study_plan_free(beex_study_plan *plan)
{
    free(plan->units);
    memset(plan, 0, sizeof *plan);
}

static const char *glove_fp(const beex_study_plan *plan, const char *path)
{
    for (int g = 0; g < plan->n_gloves; g++)
        if (strcmp(plan->gloves[g].path, path) == 0)
            return plan->gloves[g].fp;
    return "unknown";
}

/* The training settings of a task x precision (no seed, no data). */
static json_t *recipe_json(const beex_study_plan *plan, const beex_train_options *t)
{
    const beex_config *c = &t->cfg;
    json_t *j = json_object();
    json_object_set_new(j, "precision", json_string(beex_precision_name(c->precision)));
    json_object_set_new(j, "epochs", json_integer(t->epochs));
    json_object_set_new(j, "fp32_epochs", json_integer(t->fp32_epochs));
    json_object_set_new(j, "lr", json_real(t->lr));
    json_object_set_new(j, "batch", json_integer(t->batch));
    json_object_set_new(j, "warmup", json_real(t->warmup));
    json_object_set_new(j, "lr_decay", json_string(t->lr_decay ? "linear" : "none"));
    json_object_set_new(j, "dropout", json_real(t->dropout));
    json_object_set_new(j, "model",
                        json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "d", c->d, "heads", c->heads,
                                  "dff", c->dff, "blocks", c->blocks, "max_len", c->max_len,
                                  "vocab", c->vocab));
    json_object_set_new(j, "glove",
                        t->glove ? json_pack("{s:s, s:s}", "path", t->glove, "fingerprint",
                                             glove_fp(plan, t->glove))
                                 : json_null());
    json_object_set_new(j, "glove_words", json_integer(t->glove ? t->glove_words : 0));
    json_object_set_new(j, "freeze_embed", json_boolean(t->freeze_embed));
    beex_exit_regime r = t->exit_regime;
    json_object_set_new(j, "loss_weights",
                        json_string(r == BEEX_REGIME_EQUAL || r == BEEX_REGIME_GE ? "w_i = 1"
                                    : r == BEEX_REGIME_LAST || r == BEEX_REGIME_LAST_HEADS
                                        ? "the last exit's alone"
                                        : "w_i = i"));
    /* Only a regime other than the default is recorded, so that the settings of the units
     * trained before the regimes existed stay the same (and those units are not redone). */
    if (r != BEEX_REGIME_WEIGHTED)
        json_object_set_new(j, "exit_regime", json_string(beex_exit_regime_name(r)));
    if (r == BEEX_REGIME_DISTILL) {
        json_object_set_new(j, "distill_alpha", json_real(t->distill_alpha));
        json_object_set_new(j, "distill_temperature", json_real(t->distill_temperature));
    }
    return j;
}

static json_t *data_json(const beex_study_task *t)
{
    json_t *d = json_object();
    for (int s = 0; s < 3; s++)
        json_object_set_new(d, split_files[s], json_string(t->fp[s]));
    return d;
}

static json_t *sweep_json(const beex_study_options *o, const beex_study_task *t)
{
    json_t *s = json_object();
    json_object_set_new(s, "metric", json_string(beex_metric_name((beex_metric)t->metric)));
    json_object_set_new(s, "resamples", json_integer(o->resamples));
    json_object_set_new(s, "bootstrap_seed", json_integer((json_int_t)o->boot_seed));
    json_object_set_new(s, "quick", json_boolean(o->quick));
    /* What a timed unit times (a unit timed otherwise is swept again, its model kept). */
    json_object_set_new(s, "timed",
                        o->timed ? json_pack("{s:i, s:s, s:i}", "threads", o->threads, "points",
                                             "selected, full depth, the entropy-ratio choice; "
                                             "every rule run online; batch 1",
                                             "reps", 3)
                                 : json_false());
    return s;
}

json_t *beex_study_unit_settings(const beex_study_plan *plan, int i)
{
    const beex_study_unit *u = &plan->units[i];
    const beex_study_task *t = &plan->tasks[u->task];
    json_t *train = json_object();
    json_object_set_new(train, "task", json_string(t->name));
    json_object_set_new(train, "data", data_json(t));
    json_object_set_new(train, "split",
                        u->fold < 0
                            ? json_string("the task's own")
                            : json_pack("{s:i, s:i, s:s}", "fold", u->fold, "folds", plan->o->folds,
                                        "rule", "crc32(text) mod K; test fold f, dev fold f+1"));
    json_object_set_new(train, "seed", json_integer((json_int_t)u->seed));
    json_object_update_new(train, recipe_json(plan, &u->train));
    return json_pack("{s:o, s:o}", "train", train, "sweep", sweep_json(plan->o, t));
}

json_t *beex_study_plan_json(const beex_study_plan *plan)
{
    const beex_study_options *o = plan->o;
    json_t *j = json_object(), *tasks = json_array(), *precs = json_array(), *seeds = json_array(),
           *training = json_array();
    for (int t = 0; t < plan->n_tasks; t++)
        json_array_append_new(tasks,
                              json_pack("{s:s, s:o, s:s}", "name", plan->tasks[t].name, "data",
                                        data_json(&plan->tasks[t]), "metric",
                                        beex_metric_name((beex_metric)plan->tasks[t].metric)));
    for (int p = 0; p < o->n_precisions; p++)
        json_array_append_new(precs,
                              json_string(beex_precision_name((beex_precision)o->precisions[p])));
    for (int s = 0; s < o->n_seeds; s++)
        json_array_append_new(seeds, json_integer((json_int_t)o->seeds[s]));
    /* one recipe per task x precision: the units of a row differ only in seed and fold */
    int per_row = o->n_seeds * (o->folds > 0 ? o->folds : 1);
    for (int i = 0; i < plan->n_units; i += per_row) {
        const beex_study_unit *u = &plan->units[i];
        json_t *r = recipe_json(plan, &u->train);
        json_object_set_new(r, "task", json_string(plan->tasks[u->task].name));
        json_array_append_new(training, r);
    }
    json_object_set_new(j, "tasks", tasks);
    json_object_set_new(j, "precisions", precs);
    json_object_set_new(j, "seeds", seeds);
    json_object_set_new(j, "folds", o->folds > 0 ? json_integer(o->folds) : json_null());
    json_object_set_new(j, "split",
                        json_string(o->folds > 0
                                        ? "K-fold cross-validation over train+dev+test pooled: "
                                          "fold crc32(text) mod K; fold f tests, fold f+1 mod K "
                                          "is dev (best epoch, thresholds), the rest train"
                                        : "each task's own train/dev/test"));
    json_object_set_new(j, "training", training);
    json_object_set_new(j, "sweep", sweep_json(o, &plan->tasks[0]));
    json_object_del(json_object_get(j, "sweep"), "metric"); /* per task, in "tasks" */
    return j;
}
