/* The training split encoded once into fixed-width token ids for batching. Evaluation (dev
 * scoring, beex eval) goes through harness/eval/ instead, the one evaluation path. */
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

#endif
