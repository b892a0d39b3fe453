/* Everything a training run needs before its first step: the task's data and the train
 * split's fingerprint, the vocabulary (the train split's, plus GloVe's most frequent words;
 * or the --init checkpoint's), the model (random, GloVe embeddings, or the checkpoint), the
 * encoded splits and the step's buffers. */
#include "harness/train/trainer_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/fingerprint.h"
#include "harness/base/threads.h"
#include "harness/eval/labels.h"
#include "harness/text/glove.h"
#include "harness/train/tparams.h"

void beex_train_ctx_free(beex_train_ctx *c)
{
    if (c->have_ds)
        beex_dataset_free(&c->ds);
    beex_vocab_free(c->vocab);
    beex_tsplit_free(&c->train);
    beex_encoded_free(&c->dev);
    beex_model_free(c->model);
    beex_tstep_free(&c->step);
}

/* Vocabulary strings and labels travel in the checkpoint. */
static int set_model_strings(beex_model *m, const beex_vocab *v, const beex_dataset *ds)
{
    for (int i = 0; i < m->cfg.vocab; i++) {
        free(m->vocab[i]);
        if ((m->vocab[i] = strdup(beex_vocab_token(v, i))) == NULL)
            return -1;
    }
    for (int i = 0; i < m->cfg.classes; i++) {
        free(m->labels[i]);
        if ((m->labels[i] = strdup(ds->labels[i])) == NULL)
            return -1;
    }
    return 0;
}

static int load_glove(beex_train_ctx *c, const beex_train_options *o, char *err, size_t errlen)
{
    int d = c->model->cfg.d;
    if (d != 100) {
        snprintf(err, errlen, "--glove needs --d 100 (GloVe vectors are 100-d), got d = %d", d);
        return -1;
    }
    size_t n = (size_t)c->model->cfg.vocab * 100;
    float *vec = calloc(n, sizeof(float));
    int found = 0;
    if (vec == NULL) {
        snprintf(err, errlen, "out of memory for GloVe vectors");
        return -1;
    }
    if (beex_glove_lookup(o->glove, c->vocab, vec, &found, err, errlen) != 0) {
        free(vec);
        return -1;
    }
    /* Rows GloVe knows replace the random init; the others ([PAD], [UNK], rare words) keep
     * their small random vectors. */
    for (int v = 0; v < c->model->cfg.vocab; v++) {
        const float *r = vec + (size_t)v * 100;
        int any = 0;
        for (int k = 0; k < 100; k++)
            any |= r[k] != 0.0f;
        if (any)
            memcpy(c->model->tok_embed + (size_t)v * 100, r, 100 * sizeof(float));
    }
    free(vec);
    if (!o->quiet)
        fprintf(stderr, "train: GloVe vectors for %d of %d vocabulary entries\n", found,
                c->model->cfg.vocab);
    return 0;
}

/* Appends the o->glove_words most frequent GloVe words that the training vocabulary lacks.
 * Why: on mr 29 % of the test word types never occur in training; without a row they all
 * read as [UNK], with one they keep their pre-trained vector (training never moves a row
 * whose word it never sees). Only GloVe's own frequency list is used, never dev/test text. */
static int add_glove_words(beex_train_ctx *c, const beex_train_options *o, char *err, size_t errlen)
{
    int n = 0;
    char **words = beex_glove_first_words(o->glove, o->glove_words, &n, err, errlen);
    if (words == NULL)
        return -1;
    int have = beex_vocab_size(c->vocab);
    char **tokens = malloc((size_t)(have + n) * sizeof *tokens);
    int m = 0, rc = -1;
    if (tokens != NULL) {
        for (int i = 0; i < have; i++)
            tokens[m++] = (char *)beex_vocab_token(c->vocab, i);
        for (int i = 0; i < n; i++)
            if (words[i][0] != '\0' && beex_vocab_lookup(c->vocab, words[i]) == BEEX_UNK_ID)
                tokens[m++] = words[i];
        beex_vocab *grown = beex_vocab_from_tokens(tokens, m);
        if (grown != NULL) {
            if (!o->quiet)
                fprintf(stderr, "train: vocabulary %d training words + %d GloVe words\n", have,
                        m - have);
            beex_vocab_free(c->vocab);
            c->vocab = grown;
            rc = 0;
        }
    }
    if (rc != 0)
        snprintf(err, errlen, "out of memory for the vocabulary");
    free(tokens);
    for (int i = 0; i < n; i++)
        free(words[i]);
    free(words);
    return rc;
}

/* --init: the checkpoint's model, vocabulary and architecture (cfg), with the task's labels
 * in the same order; only the precision is this run's. */
static int model_from_init(beex_train_ctx *c, beex_train_options *o, beex_config *cfg, char *err,
                           size_t errlen)
{
    if (beex_model_load(o->init, &c->model, err, errlen) != 0)
        return -1;
    if (c->model->is_deployment || c->model->tok_embed == NULL) {
        snprintf(err, errlen, "--init %s: a deployment file has no latent weights", o->init);
        return -1;
    }
    if (c->model->cfg.classes != c->ds.n_labels) {
        snprintf(err, errlen, "--init %s: %d classes, task %s has %d", o->init,
                 c->model->cfg.classes, o->task, c->ds.n_labels);
        return -1;
    }
    /* Classes are matched by name, and the trainer indexes them as the data set does: the
     * same names in the same order, or an error naming both. */
    char why[400];
    int *map = malloc((size_t)c->ds.n_labels * sizeof *map), same = map != NULL;
    if (map != NULL && beex_label_map(&c->ds, c->model, map, why, sizeof why) != 0) {
        snprintf(err, errlen, "--init %s: %s", o->init, why);
        free(map);
        return -1;
    }
    for (int i = 0; same && i < c->ds.n_labels; i++)
        same = map[i] == i;
    free(map);
    if (!same) {
        snprintf(err, errlen, "--init %s: the task %s orders its labels differently", o->init,
                 o->task);
        return -1;
    }
    c->vocab = beex_vocab_from_tokens(c->model->vocab, c->model->cfg.vocab);
    beex_precision want = cfg->precision;
    *cfg = c->model->cfg; /* architecture comes from the checkpoint */
    cfg->precision = want;
    o->cfg = *cfg;
    return 0;
}

/* A new model: the vocabulary of the train split (plus GloVe's most frequent words), the
 * task's classes. */
static int model_new(beex_train_ctx *c, beex_train_options *o, beex_config *cfg, char *err,
                     size_t errlen)
{
    const char **texts = malloc((c->ds.train.n ? c->ds.train.n : 1) * sizeof *texts);
    if (texts == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < c->ds.train.n; i++)
        texts[i] = c->ds.train.ex[i].text;
    c->vocab = beex_vocab_build(texts, c->ds.train.n, cfg->vocab);
    free(texts);
    if (c->vocab != NULL && o->glove != NULL && o->glove_words > 0 &&
        add_glove_words(c, o, err, errlen) != 0)
        return -1;
    if (c->vocab != NULL)
        cfg->vocab = beex_vocab_size(c->vocab);
    cfg->classes = c->ds.n_labels;
    o->cfg = *cfg;
    if (c->vocab != NULL && beex_model_alloc(cfg, &c->model, err, errlen) != 0)
        return -1;
    return 0;
}

/* Loss weights, the encoded train and dev splits, the trainer's buffers and the checkpoint
 * paths. */
static int prepare_training(beex_train_ctx *c, beex_train_options *o, const beex_config *cfg,
                            char *err, size_t errlen)
{
    int any = 0, n = cfg->blocks;
    for (int i = 0; i < n; i++)
        any |= o->loss_weights[i] != 0.0f;
    /* The weights the regime uses (tloss.h), recorded in the checkpoint as loss_weights: the
     * given ones or w_i = i (weighted, distill), 1 (equal, ge), the last exit's alone (last,
     * last+heads, whose earlier heads learn apart from the blocks). */
    for (int i = 0; i < n; i++) {
        float w = any ? o->loss_weights[i] : (float)(i + 1);
        if (o->exit_regime == BEEX_REGIME_EQUAL || o->exit_regime == BEEX_REGIME_GE)
            w = 1.0f;
        else if (o->exit_regime == BEEX_REGIME_LAST || o->exit_regime == BEEX_REGIME_LAST_HEADS)
            w = i == n - 1 ? 1.0f : 0.0f;
        c->lw[i] = o->loss_weights[i] = w;
    }
    if (beex_tsplit_encode(&c->ds.train, c->vocab, cfg->max_len, &c->train) != 0 ||
        beex_tstep_init(&c->step, cfg, o->lr, beex_threads_count()) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (c->train.n == 0 || c->ds.dev.n == 0) {
        snprintf(err, errlen, "task %s: empty train or dev split", o->task);
        return -1;
    }
    /* Model classes are the data set's labels in its order (checked above for --init). */
    int *identity = malloc((size_t)c->ds.n_labels * sizeof *identity);
    for (int i = 0; identity != NULL && i < c->ds.n_labels; i++)
        identity[i] = i;
    int enc = identity != NULL ? beex_encode_split(&c->ds.dev, c->vocab, cfg->max_len, identity, 0,
                                                   (int)c->ds.dev.n, &c->dev, err, errlen)
                               : -1;
    free(identity);
    if (enc != 0) {
        if (identity == NULL)
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->positive = beex_positive_class(c->model, NULL, err, errlen);
    if (beex_tparams_from_model(&c->step.p, c->model) != 0) {
        snprintf(err, errlen, "model shape does not match the configuration");
        return -1;
    }
    snprintf(c->last_path, sizeof c->last_path, "%s.last.safetensors", o->out);
    snprintf(c->state_path, sizeof c->state_path, "%s.state", o->out);
    return 0;
}

int beex_train_prepare(beex_train_ctx *c, beex_train_options *o, char *err, size_t errlen)
{
    if (beex_dataset_load(o->task, &c->ds, err, errlen) != 0)
        return -1;
    c->have_ds = 1;
    if (c->ds.n_labels > BEEX_MAX_CLASSES) {
        snprintf(err, errlen,
                 "task %s has %d labels, more than %d, the most beex eval and beex sweep can "
                 "score",
                 o->task, c->ds.n_labels, BEEX_MAX_CLASSES);
        return -1;
    }
    char train_path[4200];
    snprintf(train_path, sizeof train_path, "%s/train.tsv", c->ds.dir);
    if (beex_file_fingerprint(train_path, o->train_fp) != 0) {
        snprintf(err, errlen, "%s: cannot read", train_path);
        return -1;
    }
    beex_config cfg = o->cfg;
    if ((o->init != NULL ? model_from_init(c, o, &cfg, err, errlen)
                         : model_new(c, o, &cfg, err, errlen)) != 0)
        return -1;
    if (c->vocab == NULL) {
        snprintf(err, errlen, "cannot build the vocabulary");
        return -1;
    }
    if (cfg.blocks > BEEX_TRAIN_MAX_BLOCKS) {
        snprintf(err, errlen, "at most %d blocks", BEEX_TRAIN_MAX_BLOCKS);
        return -1;
    }
    if (o->init == NULL) {
        beex_model_init_random(c->model, o->seed);
        if (o->glove != NULL && load_glove(c, o, err, errlen) != 0)
            return -1;
    }
    if (set_model_strings(c->model, c->vocab, &c->ds) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return prepare_training(c, o, &cfg, err, errlen);
}
