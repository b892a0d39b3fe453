/* A data set split encoded once into token ids for training and evaluation, and the
 * per-exit predictions and metrics (accuracy, binary F1, Matthews correlation) on it. */
#ifndef BEEX_TRAIN_TDATA_H
#define BEEX_TRAIN_TDATA_H

#include <stddef.h>
#include <stdint.h>

#include "harness/text/dataset.h"
#include "harness/text/tokenizer.h"
#include "harness/train/tparams.h"

typedef struct {
    size_t n;
    int max_len;
    int32_t *ids; /* n * max_len, [PAD] after each example's end */
    int *len;     /* tokens per example, 1..max_len */
    int *label;
} beex_tsplit;

int beex_tsplit_encode(const beex_split *s, const beex_vocab *v, int max_len, beex_tsplit *out);
void beex_tsplit_free(beex_tsplit *s);

/* Eval-mode predictions of every exit: pred[i * blocks + b] = argmax of exit b+1 for
 * example i. Parallel over examples (OpenMP). Returns 0, -1 when out of memory. */
int beex_predict_split(const beex_tparams *p, const beex_teff *e, beex_precision prec,
                       const beex_tsplit *s, int *pred);

typedef struct {
    double accuracy;
    double f1;  /* binary: F1 of class `positive`; NAN otherwise */
    double mcc; /* binary Matthews correlation; NAN otherwise */
} beex_metrics;

/* Metrics of the predictions of exit `block` (0-based). */
beex_metrics beex_metrics_of(const int *pred, const int *label, size_t n, int blocks, int block,
                             int classes, int positive);

#endif
