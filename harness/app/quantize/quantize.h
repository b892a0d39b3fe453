/* `beex quantize` end to end (docs/model.md section 3b): a checkpoint and a data file in, the
 * same checkpoint with the w8a8 activation scales of its layers out. The texts of the first
 * examples of the file run through the model's fp32 twin (harness/model/calibrate.h); the
 * latent weights are written back unchanged, so the output still runs in every precision. */
#ifndef BEEX_APP_QUANTIZE_QUANTIZE_H
#define BEEX_APP_QUANTIZE_QUANTIZE_H

#include <stddef.h>

#include "harness/model/calibrate.h"

#define BEEX_QUANTIZE_DEFAULT_EXAMPLES BEEX_CALIB_DEFAULT_EXAMPLES

typedef struct {
    const char *model;  /* checkpoint (latent weights) */
    const char *data;   /* LABEL<TAB>TEXT lines; the labels are not read */
    const char *out;    /* the calibrated checkpoint, written atomically */
    int calib_examples; /* the first N examples of data (fewer when it has fewer) */
    int threads;        /* team size for the fp32 pass */
} beex_quantize_options;

/* Runs it; prints a summary on stdout (examples used, the scales per block). Returns 0, or -1
 * with err naming the file and the problem. */
int beex_quantize_run(const beex_quantize_options *o, char *err, size_t errlen);

/* The first `max` texts of a LABEL<TAB>TEXT file, read with the data set reader's rules
 * (harness/text/dataset.h: blank lines skipped, a tab required, valid UTF-8, no NUL byte).
 * *texts points into *buf; free both. Returns the count (>= 1), or -1 with err set. */
int beex_quantize_read_texts(const char *path, int max, char **buf, char ***texts, char *err,
                             size_t errlen);

#endif
