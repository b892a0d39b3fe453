/* Training settings of a study, per task x precision: the trainer's defaults, then the lines
 * of a recipe file that match the unit (in file order), then the command line's training
 * options, which win (as train_report.sh's EXTRA does). A recipe line reads like a
 * `beex train` command line after a task and a precision:
 *
 *     # TASK  PRECISION  OPTIONS          (TASK and PRECISION may be *)
 *     *       *          --epochs 4
 *     mr      fp32       --glove-words 20000 --warmup 0.1 --lr-decay linear --epochs 6
 *     mr      w1a1       --fp32-epochs 6 --epochs 10
 */
#ifndef BEEX_APP_STUDY_RECIPE_H
#define BEEX_APP_STUDY_RECIPE_H

#include <stddef.h>

#include "harness/train/trainer.h"

typedef struct {
    char *task;    /* task name (last path component) or "*" */
    int precision; /* -1: any */
    char *key;     /* option name without dashes: "epochs" */
    char *value;   /* NULL for a flag */
    char *origin;  /* "FILE:LINE" or "command line", for messages */
} beex_recipe_entry;

typedef struct {
    beex_recipe_entry *e;
    int n, cap;
} beex_study_recipe;

/* 1 when the option takes a value, 0 for a flag (freeze-embed), -1 when it is not a training
 * option a study accepts. The accepted names, for help texts: */
int beex_recipe_key_arity(const char *key);
#define BEEX_RECIPE_KEYS                                                                           \
    "epochs fp32-epochs lr batch warmup lr-decay dropout d heads dff blocks max-len vocab "        \
    "glove glove-words freeze-embed exit-regime distill-alpha distill-temperature"

/* Sets one option on o after checking its value. Returns 0, or -1 with err saying
 * "--KEY needs ..., got 'VALUE'". */
int beex_recipe_apply(beex_train_options *o, const char *key, const char *value, char *err,
                      size_t errlen);

/* Appends an entry after checking key and value (so a bad recipe fails before any work).
 * Returns 0, or -1 with err set (prefixed with origin). */
int beex_recipe_add(beex_study_recipe *r, const char *task, int precision, const char *key,
                    const char *value, const char *origin, char *err, size_t errlen);
/* Appends every entry of another recipe (the command line's after the file's). */
int beex_recipe_append(beex_study_recipe *r, const beex_study_recipe *more, char *err,
                       size_t errlen);
/* Reads a recipe file. Returns 0, or -1 with err naming FILE:LINE. */
int beex_recipe_read_file(beex_study_recipe *r, const char *path, char *err, size_t errlen);
void beex_recipe_free(beex_study_recipe *r);

/* The options of a unit: defaults, then the matching entries in order, then the measured
 * two-stage default of `beex train` (2 fp32 epochs first for w1a32 / w1a1 when epochs > 2 and
 * no entry set fp32-epochs). Returns 0, or -1 with err (an entry's value that cannot apply,
 * d not divisible by heads). */
int beex_recipe_resolve(const beex_study_recipe *r, const char *task_name, int precision,
                        beex_train_options *o, char *err, size_t errlen);

#endif
