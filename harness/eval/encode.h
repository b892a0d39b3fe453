/* The one encoder of the evaluation path (docs/statistics.md): a split's texts through the model's
 * vocabulary into token ids, truncated to max_len, labels already mapped onto the model's
 * classes (labels.h). beex eval, beex sweep and the trainer's dev scoring all encode here. */
#ifndef BEEX_EVAL_ENCODE_H
#define BEEX_EVAL_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "harness/text/dataset.h"
#include "harness/text/tokenizer.h"

/* Token ids of one split (or shard of it), labels mapped to the model's classes. */
typedef struct {
    int n;
    int32_t **ids; /* n rows of lens[i] ids */
    int *lens;
    int *labels;
    int *index; /* example number within the split */
} beex_encoded;

/* Encodes examples [first, first + count) of a split; label_map maps data set label indices
 * to model classes. Returns 0, or -1 with err set. */
int beex_encode_split(const beex_split *sp, const beex_vocab *v, int max_len, const int *label_map,
                      int first, int count, beex_encoded *out, char *err, size_t errlen);
void beex_encoded_free(beex_encoded *e);

#endif
