/* K-fold cross-validation of a data set (docs/statistics.md, "Small data sets"): train, dev and
 * test are pooled so that every example is a test example once; an example's fold is zlib's
 * crc32 of its text modulo K (split.h's rule with K in place of 10: identical texts share a
 * fold). Fold f is the test part, fold (f + 1) mod K the dev part carved from the training
 * side (thresholds and the best epoch are chosen on it, never on the test fold), and the
 * other K - 2 folds train. With K = 10, fold 0 reproduces split.h's own split. */
#ifndef BEEX_TEXT_FOLDS_H
#define BEEX_TEXT_FOLDS_H

#include <stddef.h>

#include "harness/text/dataset.h"

#define BEEX_FOLDS_MIN 3
#define BEEX_FOLDS_MAX 100

int beex_fold_of_text(const char *text, int k);

/* Writes fold f of k of ds into the existing directory dir as train.tsv, dev.tsv and
 * test.tsv (LABEL<TAB>TEXT, examples in the order train, dev, test of ds), plus a copy of
 * the source's labels.txt when it has one (the label order must not depend on which labels
 * a fold's training part happens to hold). Returns 0, or -1 with err naming the file or the
 * empty part. */
int beex_folds_write(const beex_dataset *ds, int k, int f, const char *dir, char *err,
                     size_t errlen);

#endif
