/* The training loop. Determinism: the example order and each example's dropout masks depend
 * only on (seed, epoch, example); the step (tstep.c, tnet.c) computes every gradient element
 * on one thread in a fixed order, so the same seed gives identical bytes on any number of
 * threads. */
#include "harness/train/trainer.h"
#include "harness/base/prng.h"
#include "harness/train/trainer_internal.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/base/threads.h"
#include "harness/eval/exits.h"
#include "harness/eval/labels.h"
#include "harness/eval/trace.h"
#include "harness/model/calibrate.h"
#include "harness/model/engine.h"
#include "harness/text/dataset.h"
#include "harness/train/adam.h"
#include "harness/train/tparams.h"
#include "harness/train/tstep.h"

void beex_train_options_default(beex_train_options *o)
{
    memset(o, 0, sizeof *o);
    o->cfg = beex_config_default();
    o->cfg.d = 100;
    o->cfg.heads = 4;
    o->lr = 1e-3;
    o->batch = 32;
    o->epochs = 6;
    o->seed = 1;
    o->dropout = 0.1f;
    o->exit_regime = BEEX_REGIME_WEIGHTED;
    o->distill_alpha = 0.5;
    o->distill_temperature = 2.0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void shuffle(size_t *perm, size_t n, uint64_t seed, int epoch)
{
    uint64_t s = beex_mix64(seed ^ beex_mix64((uint64_t)epoch + 0x5EEDull));
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        s = beex_mix64(s);
        size_t j = (size_t)(s % i);
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

/* Learning rate of one step. It depends only on the position inside the stage (fp32 twin
 * epochs, then BAT epochs), never on Adam's step counter, so --resume reproduces it. Why a
 * warm-up: the post-LN blocks of docs/model.md are known to diverge early without one. */
double beex_train_step_lr(const beex_train_options *o, int epoch, size_t step_in_epoch,
                          size_t steps_per_epoch)
{
    int split = o->fp32_epochs < o->epochs ? o->fp32_epochs : o->epochs; /* end of stage 1 */
    int stage_first = epoch < split ? 0 : split;
    int stage_epochs = epoch < split ? split : o->epochs - split;
    double total = (double)stage_epochs * (double)steps_per_epoch;
    double s = (double)(epoch - stage_first) * (double)steps_per_epoch + (double)step_in_epoch;
    double f = 1.0, w = o->warmup * total;
    if (w >= 1.0 && s + 1.0 < w)
        f = (s + 1.0) / w;
    if (o->lr_decay)
        f *= 1.0 - s / total;
    return o->lr * f;
}

static char *settings_json(const beex_train_options *o, int epoch, beex_precision prec,
                           const double *dev_acc, int blocks, double train_loss)
{
    json_t *j = json_object();
    json_t *lw = json_array(), *acc = json_array();
    for (int i = 0; i < blocks; i++) {
        json_array_append_new(lw, json_real(o->loss_weights[i]));
        json_array_append_new(acc, json_real(dev_acc[i]));
    }
    json_object_set_new(j, "trainer", json_string("beex train"));
    json_object_set_new(j, "task", json_string(o->task));
    /* --resume refuses a checkpoint trained on other data (issue 11 item 6). */
    json_object_set_new(j, "train_data_fingerprint", json_string(o->train_fp));
    json_object_set_new(j, "precision", json_string(beex_precision_name(prec)));
    /* The run's target precision; "precision" is the saved epoch's (fp32 in the first
     * stage). --resume compares it (trainer_resume.c). */
    json_object_set_new(j, "train_precision", json_string(beex_precision_name(o->cfg.precision)));
    json_object_set_new(j, "fp32_epochs", json_integer(o->fp32_epochs));
    json_object_set_new(j, "epoch", json_integer(epoch));
    json_object_set_new(j, "epochs", json_integer(o->epochs));
    json_object_set_new(j, "lr", json_real(o->lr));
    json_object_set_new(j, "batch", json_integer(o->batch));
    json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(j, "dropout", json_real(o->dropout));
    /* No thread count: it changes no bit of the model (tnet.c), so a checkpoint trained on
     * two threads is byte-identical to one trained on one. */
    json_object_set_new(j, "loss_weights", lw);
    json_object_set_new(j, "glove", o->glove ? json_string(o->glove) : json_null());
    json_object_set_new(j, "warmup", json_real(o->warmup));
    json_object_set_new(j, "lr_decay", json_string(o->lr_decay ? "linear" : "none"));
    json_object_set_new(j, "freeze_embed", json_boolean(o->freeze_embed));
    json_object_set_new(j, "glove_words", json_integer(o->glove ? o->glove_words : 0));
    json_object_set_new(j, "init", o->init ? json_string(o->init) : json_null());
    /* Only a regime other than the default is recorded, so that a weighted run's checkpoint
     * keeps the bytes it had before the regimes (tests/cli/test_same_bytes.sh); no key reads
     * as weighted. */
    if (o->exit_regime != BEEX_REGIME_WEIGHTED)
        json_object_set_new(j, "exit_regime", json_string(beex_exit_regime_name(o->exit_regime)));
    if (o->exit_regime == BEEX_REGIME_DISTILL) {
        json_object_set_new(j, "distill_alpha", json_real(o->distill_alpha));
        json_object_set_new(j, "distill_temperature", json_real(o->distill_temperature));
    }
    json_object_set_new(j, "dev_accuracy_per_exit", acc);
    json_object_set_new(j, "train_loss", json_real(train_loss));
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

/* The current latent weights into the model, every quantized form derived; in w8a8 also the
 * activation scales, calibrated on the first BEEX_CALIB_DEFAULT_EXAMPLES training examples in
 * the fp32 twin of these weights (docs/model.md section 6): the scales the deployment file
 * will hold, and the ones the next epoch's fake quantization uses. */
static int model_at(beex_train_ctx *c, beex_precision prec, int threads, char *err, size_t errlen)
{
    /* The scales of these very weights are in the model already when no optimiser step ran
     * since they were made: an epoch's end (dev scoring, two saves) and the next epoch's start
     * calibrate once, not four times. */
    int current = prec == BEEX_PREC_W8A8 && c->calib_valid && c->calib_step == c->step.adam.step;
    beex_tparams_to_model(&c->step.p, c->model);
    c->model->cfg.precision = prec;
    if (!current) {
        beex_model_set_act_scales(c->model, NULL); /* stale once the weights moved */
        c->calib_valid = 0;
    }
    if (beex_model_derive_binary(c->model) != 0) {
        snprintf(err, errlen, "cannot derive the binary and int8 weights");
        return -1;
    }
    if (prec != BEEX_PREC_W8A8 || current)
        return 0;
    const beex_tsplit *t = &c->train;
    int n = t->n < BEEX_CALIB_DEFAULT_EXAMPLES ? (int)t->n : BEEX_CALIB_DEFAULT_EXAMPLES;
    const int32_t **ids = malloc((size_t)(n > 0 ? n : 1) * sizeof *ids);
    if (ids == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++)
        ids[i] = t->ids + (size_t)i * t->max_len;
    int rc = beex_calibrate(c->model, ids, t->len, n, threads, err, errlen);
    free(ids);
    if (rc == 0 && beex_teff_set_act_scales(&c->step.eff, c->model) != 0) {
        snprintf(err, errlen, "calibration left a layer without an activation scale");
        rc = -1;
    }
    c->calib_valid = rc == 0;
    c->calib_step = c->step.adam.step;
    return rc;
}

static int save_model(beex_train_ctx *c, const beex_train_options *o, beex_precision prec,
                      int epoch, const double *dev_acc, double train_loss, const char *path,
                      char *err, size_t errlen)
{
    if (model_at(c, prec, o->threads, err, errlen) != 0)
        return -1;
    free(c->model->metadata_json);
    c->model->metadata_json =
        settings_json(o, epoch, prec, dev_acc, c->model->cfg.blocks, train_loss);
    return beex_model_save_checkpoint(c->model, path, err, errlen);
}

/* Dev accuracy of every exit of the current weights, through the one evaluation path: the
 * latent weights go into the model, an engine runs the trace, harness/eval scores it. */
static int score_dev(beex_train_ctx *c, beex_precision prec, int threads, double *dev_acc,
                     char *err, size_t errlen)
{
    if (model_at(c, prec, threads, err, errlen) != 0)
        return -1;
    beex_engine *e = NULL;
    beex_engine_options eo = {prec, -1, threads};
    beex_trace tr;
    memset(&tr, 0, sizeof tr);
    beex_scores sc[BEEX_MAX_BLOCKS];
    int rc = -1;
    if (beex_engine_create(c->model, &eo, &e, err, errlen) == 0 &&
        beex_trace_run(e, &c->dev, NULL, &tr, err, errlen) == 0) {
        rc = beex_exit_scores(&tr, c->positive, sc);
        if (rc != 0)
            snprintf(err, errlen, "scoring dev failed");
        for (int b = 0; rc == 0 && b < c->model->cfg.blocks; b++)
            dev_acc[b] = sc[b].accuracy;
    }
    beex_trace_free(&tr);
    beex_engine_free(e);
    return rc;
}

/* A checkpoint is resumed only on the data it was trained on: the same labels in the same order
 * and the same train.tsv bytes. */
static int resume_mismatch(const beex_model *last, const beex_dataset *ds, const char *train_fp,
                           const char *path, char *err, size_t errlen)
{
    int same = last->cfg.classes == ds->n_labels;
    for (int i = 0; same && i < ds->n_labels; i++)
        same = last->labels[i] != NULL && strcmp(last->labels[i], ds->labels[i]) == 0;
    if (!same) {
        snprintf(err, errlen, "--resume: %s has classes other than the task's labels ('%s', ...)",
                 path, ds->n_labels > 0 ? ds->labels[0] : "");
        return -1;
    }
    json_t *meta = last->metadata_json ? json_loads(last->metadata_json, 0, NULL) : NULL;
    const char *fp = json_string_value(json_object_get(meta, "train_data_fingerprint"));
    int rc = 0;
    if (fp == NULL || strcmp(fp, train_fp) != 0) {
        snprintf(err, errlen,
                 "--resume: %s was trained on other data (train.tsv fingerprint %s, now %s)", path,
                 fp ? fp : "not recorded", train_fp);
        rc = -1;
    }
    json_decref(meta);
    return rc;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void progress_line(int epoch, int epochs, size_t done, size_t total, double loss, double acc,
                          double rate, beex_precision prec)
{
    int width = 24, fill = total ? (int)(width * done / total) : width;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    fprintf(stderr, "\repoch %d/%d %-5s [%s] %3d%% loss %.4f acc %.3f %6.0f ex/s ", epoch, epochs,
            beex_precision_name(prec), bar, total ? (int)(100 * done / total) : 100, loss, acc,
            rate);
    fflush(stderr);
}

/* What beex_train_run refuses before any work (and again after --resume has taken the
 * checkpoint's stage split). */
static int check_options(const beex_train_options *o, char *err, size_t errlen)
{
    if (o->batch < 1 || o->epochs < 1 || !(o->lr > 0) || o->dropout < 0 || o->dropout >= 1 ||
        o->fp32_epochs < 0) {
        snprintf(err, errlen,
                 "invalid options: batch >= 1, epochs >= 1, lr > 0, dropout in [0, 1)");
        return -1;
    }
    if (o->cfg.precision != BEEX_PREC_FP32 && o->fp32_epochs >= o->epochs) {
        snprintf(err, errlen, "--fp32-epochs %d leaves no %s epoch of the %d", o->fp32_epochs,
                 beex_precision_name(o->cfg.precision), o->epochs);
        return -1;
    }
    if (o->exit_regime < 0 || o->exit_regime >= BEEX_REGIME_COUNT) {
        snprintf(err, errlen, "unknown exit regime %d (%s)", (int)o->exit_regime,
                 BEEX_REGIME_NAMES);
        return -1;
    }
    if (o->exit_regime == BEEX_REGIME_DISTILL &&
        (!(o->distill_alpha >= 0 && o->distill_alpha <= 1) ||
         !(o->distill_temperature > 0 && isfinite(o->distill_temperature)))) {
        snprintf(err, errlen,
                 "distill needs an alpha in [0, 1] and a temperature > 0, got %g and %g",
                 o->distill_alpha, o->distill_temperature);
        return -1;
    }
    return 0;
}

/* --resume: the last checkpoint's parameters and the optimiser state into the step, checked
 * against this run's configuration and data; the progress so far into st. */
static int resume(beex_train_ctx *c, beex_train_options *o, beex_train_state *st, char *err,
                  size_t errlen)
{
    beex_model *last = NULL;
    if (beex_model_load(c->last_path, &last, err, errlen) != 0)
        return -1;
    int bad = beex_tparams_from_model(&c->step.p, last);
    if (!bad && (resume_mismatch(last, &c->ds, o->train_fp, c->last_path, err, errlen) != 0 ||
                 beex_train_resume_settings(o, c->step.cfg.precision, c->step.cfg.blocks,
                                            last->metadata_json, c->last_path, err, errlen) != 0 ||
                 check_options(o, err, errlen) != 0)) {
        beex_model_free(last);
        return -1;
    }
    beex_model_free(last);
    if (bad) {
        snprintf(err, errlen, "%s does not match this run's configuration", c->last_path);
        return -1;
    }
    if (beex_train_state_load(c->state_path, &c->step.adam, st, err, errlen) != 0)
        return -1;
    if (st->params_fingerprint != beex_params_fingerprint(c->step.p.base, c->step.p.n)) {
        snprintf(err, errlen, "%s and %s come from different runs", c->last_path, c->state_path);
        return -1;
    }
    if (!o->quiet)
        fprintf(stderr, "train: resuming after epoch %d (best dev %.4f at epoch %d)\n",
                st->epochs_done, st->best_dev, st->best_epoch);
    return 0;
}

/* An epoch's order of the n train examples, and one mini-batch's inputs and results. */
typedef struct {
    size_t *perm;
    double *ex_loss;
    int *ex_right;
    const int32_t **bids;
    int *blen, *blabel;
    uint64_t *bseed;
} batch_buffers;

static void batch_buffers_free(batch_buffers *b)
{
    free(b->perm);
    free(b->ex_loss);
    free(b->ex_right);
    free(b->bids);
    free(b->blen);
    free(b->blabel);
    free(b->bseed);
}

static int batch_buffers_alloc(batch_buffers *b, size_t n, int batch)
{
    b->perm = malloc(n * sizeof *b->perm);
    b->ex_loss = malloc((size_t)batch * sizeof(double));
    b->ex_right = malloc((size_t)batch * sizeof(int));
    b->bids = malloc((size_t)batch * sizeof *b->bids);
    b->blen = malloc((size_t)batch * sizeof *b->blen);
    b->blabel = malloc((size_t)batch * sizeof *b->blabel);
    b->bseed = malloc((size_t)batch * sizeof *b->bseed);
    return b->perm == NULL || b->ex_loss == NULL || b->ex_right == NULL || b->bids == NULL ||
                   b->blen == NULL || b->blabel == NULL || b->bseed == NULL
               ? -1
               : 0;
}

/* One epoch of training steps in precision prec, the examples in the epoch's seeded order:
 * the sum of the example losses, the examples predicted right and the seconds it took. */
static int train_epoch(beex_train_ctx *c, const beex_train_options *o, int epoch,
                       beex_precision prec, batch_buffers *bb, double *loss_out, size_t *right_out,
                       double *seconds, char *err, size_t errlen)
{
    const beex_config *cfg = &c->step.cfg;
    size_t n = c->train.n;
    shuffle(bb->perm, n, o->seed, epoch);
    double t0 = now_s(), loss_sum = 0.0, last_draw = 0.0;
    size_t right = 0;
    for (size_t b0 = 0; b0 < n; b0 += (size_t)o->batch) {
        int bn = (int)(n - b0 < (size_t)o->batch ? n - b0 : (size_t)o->batch);
        for (int j = 0; j < bn; j++) {
            size_t ex = bb->perm[b0 + (size_t)j];
            bb->bids[j] = c->train.ids + ex * (size_t)cfg->max_len;
            bb->blen[j] = c->train.len[ex];
            bb->blabel[j] = c->train.label[ex];
            bb->bseed[j] = beex_mix64(o->seed ^ beex_mix64(((uint64_t)epoch << 32) ^ ex));
        }
        beex_tbatch batch = {bn, bb->bids, bb->blen, bb->blabel, bb->bseed};
        beex_tobjective obj = {o->exit_regime, c->lw, (float)o->distill_alpha,
                               (float)o->distill_temperature};
        double lr = beex_train_step_lr(o, epoch, b0 / (size_t)o->batch,
                                       (n + (size_t)o->batch - 1) / (size_t)o->batch);
        if (beex_tstep_run_obj(&c->step, &batch, prec, o->dropout, &obj, lr, o->freeze_embed,
                               bb->ex_loss, bb->ex_right) != 0) {
            snprintf(err, errlen, "out of memory in a training step");
            return -1;
        }
        for (int j = 0; j < bn; j++) {
            loss_sum += bb->ex_loss[j];
            right += (size_t)bb->ex_right[j];
        }
        size_t done = b0 + (size_t)bn;
        double t = now_s();
        if (o->progress && (t - last_draw > 0.25 || done == n)) {
            last_draw = t;
            progress_line(epoch + 1, o->epochs, done, n, loss_sum / (double)done,
                          (double)right / (double)done, (double)done / (t - t0), prec);
        }
    }
    *seconds = now_s() - t0;
    *loss_out = loss_sum;
    *right_out = right;
    return 0;
}

/* After an epoch: dev accuracy per exit (through the engine, as beex eval and beex sweep see
 * it), the epoch's line, the best checkpoint when dev improved at the final precision, and
 * the last checkpoint and optimiser state for --resume. */
static int finish_epoch(beex_train_ctx *c, const beex_train_options *o, int epoch,
                        beex_precision prec, double train_loss, size_t right, double train_s,
                        beex_train_state *st, char *err, size_t errlen)
{
    const beex_config *cfg = &c->step.cfg;
    size_t n = c->train.n;
    double dev_acc[BEEX_TRAIN_MAX_BLOCKS];
    if (score_dev(c, prec, o->threads, dev_acc, err, errlen) != 0)
        return -1;
    double dev_full = dev_acc[cfg->blocks - 1];
    int selectable = prec == cfg->precision;
    int improved = selectable && dev_full > st->best_dev;
    if (o->progress)
        fputc('\n', stderr);
    if (!o->quiet) {
        fprintf(stderr, "epoch %d/%d %s: train loss %.4f acc %.3f, dev acc", epoch + 1, o->epochs,
                beex_precision_name(prec), train_loss, (double)right / (double)n);
        for (int b = 0; b < cfg->blocks; b++)
            fprintf(stderr, " %.3f", dev_acc[b]);
        fprintf(stderr, " (%.1f s, %.0f ex/s)%s\n", train_s, (double)n / train_s,
                improved ? " *best" : "");
    }
    if (improved) {
        st->best_dev = dev_full;
        st->best_epoch = epoch + 1;
        if (save_model(c, o, prec, epoch + 1, dev_acc, train_loss, o->out, err, errlen) != 0)
            return -1;
    }
    st->epochs_done = epoch + 1;
    st->params_fingerprint = beex_params_fingerprint(c->step.p.base, c->step.p.n);
    if (save_model(c, o, prec, epoch + 1, dev_acc, train_loss, c->last_path, err, errlen) != 0 ||
        beex_train_state_save(c->state_path, &c->step.adam, st, err, errlen) != 0)
        return -1;
    return 0;
}

int beex_train_run(beex_train_options *o, char *err, size_t errlen)
{
    if (check_options(o, err, errlen) != 0)
        return -1;
    if (beex_threads_setup(o->threads, err, errlen) < 0)
        return -1;
    beex_train_ctx c;
    memset(&c, 0, sizeof c);
    batch_buffers bb;
    memset(&bb, 0, sizeof bb);
    beex_train_state st = {0, 0, -1.0, 0};
    int rc = -1;
    if (beex_train_prepare(&c, o, err, errlen) != 0)
        goto done;
    if (o->resume && file_exists(c.last_path) && file_exists(c.state_path) &&
        resume(&c, o, &st, err, errlen) != 0)
        goto done;
    size_t n = c.train.n;
    if (batch_buffers_alloc(&bb, n, o->batch) != 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    double t_start = now_s();
    int first_epoch = st.epochs_done;
    int stop = o->stop_after > 0 && st.epochs_done + o->stop_after < o->epochs
                   ? st.epochs_done + o->stop_after
                   : o->epochs;
    for (int epoch = st.epochs_done; epoch < stop; epoch++) {
        beex_precision prec = epoch < o->fp32_epochs ? BEEX_PREC_FP32 : c.step.cfg.precision;
        if (epoch == o->fp32_epochs && o->fp32_epochs > 0)
            beex_adam_reset(&c.step.adam); /* a new stage: the fp32 moments do not fit BAT */
        double loss_sum, train_s;
        size_t right;
        /* w8a8: the epoch fake-quantizes with the scales of its starting weights. */
        if (prec == BEEX_PREC_W8A8 && model_at(&c, prec, o->threads, err, errlen) != 0)
            goto done;
        if (train_epoch(&c, o, epoch, prec, &bb, &loss_sum, &right, &train_s, err, errlen) != 0)
            goto done;
        double train_loss = loss_sum / (double)n;
        o->final_loss_out = train_loss;
        if (epoch == first_epoch)
            o->first_loss_out = train_loss;
        if (finish_epoch(&c, o, epoch, prec, train_loss, right, train_s, &st, err, errlen) != 0)
            goto done;
    }
    o->seconds_out = now_s() - t_start;
    o->best_dev_out = st.best_dev;
    o->best_epoch_out = st.best_epoch;
    rc = 0;
done:
    batch_buffers_free(&bb);
    beex_train_ctx_free(&c);
    return rc;
}
