/* The trainer's private state, shared by trainer_setup.c (data, vocabulary, model, the
 * encoded splits: everything before the first step) and trainer.c (steps, epochs, dev scores,
 * checkpoints, resuming). */
#ifndef BEEX_TRAIN_TRAINER_INTERNAL_H
#define BEEX_TRAIN_TRAINER_INTERNAL_H

#include <stddef.h>

#include "harness/eval/encode.h"
#include "harness/model/model.h"
#include "harness/text/dataset.h"
#include "harness/text/tokenizer.h"
#include "harness/train/tdata.h"
#include "harness/train/trainer.h"
#include "harness/train/tstep.h"

/* Everything one run holds; freed in one place (beex_train_ctx_free). */
typedef struct {
    beex_dataset ds;
    int have_ds;
    beex_vocab *vocab;
    beex_tsplit train;
    beex_encoded dev; /* scored through the one evaluation path (harness/eval/) */
    int positive;
    beex_model *model;
    beex_tstep step; /* parameters, gradients, optimiser, workspaces */
    float lw[BEEX_TRAIN_MAX_BLOCKS];
    char last_path[4096], state_path[4096];
    /* w8a8: the model's activation scales were calibrated on the weights of optimiser step
     * calib_step (valid while calib_valid). */
    int calib_valid;
    uint64_t calib_step;
} beex_train_ctx;

/* Builds data, vocabulary, model and buffers from o (o->cfg gets the architecture actually
 * used: the checkpoint's with --init, the vocabulary's size and the task's classes
 * otherwise; o->train_fp the train split's fingerprint). Returns 0, or -1 with err set; free
 * c with beex_train_ctx_free either way. */
int beex_train_prepare(beex_train_ctx *c, beex_train_options *o, char *err, size_t errlen);
void beex_train_ctx_free(beex_train_ctx *c);
/* --resume: refuses (-1, err naming each setting with its old and new values) when o differs
 * from the settings recorded in the checkpoint's provenance meta_json (path names it) in
 * anything but --epochs; with o->fp32_epochs_auto, first takes the recorded fp32_epochs. */
int beex_train_resume_settings(beex_train_options *o, beex_precision target, int blocks,
                               const char *meta_json, const char *path, char *err, size_t errlen);

#endif
