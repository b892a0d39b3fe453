/* The one label mapping of the evaluation path: a data set's labels onto a model's classes,
 * by name only. A label the model does not know is an error in every command (matching by
 * position would score a model against another task's classes without a word). */
#ifndef BEEX_EVAL_LABELS_H
#define BEEX_EVAL_LABELS_H

#include <stddef.h>

#include "harness/model/model.h"
#include "harness/text/dataset.h"

/* map[i] = model class of data set label i, for every label of ds (ds->n_labels entries).
 * Errors name both label sets. Returns 0, or -1 with err set. */
int beex_label_map(const beex_dataset *ds, const beex_model *m, int *map, char *err, size_t errlen);

/* The class whose F1 a binary task reports. `name` (may be NULL) picks it by name; otherwise
 * the first class named "1", "pos", "positive", "spam", "true" or "yes", else class 1.
 * Returns -1 for more than two classes (macro F1), -2 when `name` is given but is not a class
 * or the model has more than two classes (err set). */
int beex_positive_class(const beex_model *m, const char *name, char *err, size_t errlen);

#endif
