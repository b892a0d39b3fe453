/* Traces: every example of a split through every block of the engine, keeping each exit's
 * logits and entropy. Every metric of the evaluation path is computed from a trace, so that
 * "exit k" in beex eval and static depth k in beex sweep are one number by construction. */
#ifndef BEEX_EVAL_TRACE_H
#define BEEX_EVAL_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "harness/eval/encode.h"
#include "harness/model/cost.h"
#include "harness/model/engine.h"

#define BEEX_MAX_BLOCKS 64

/* Per example and block: logits and entropy, as beex_engine_trace returns them. */
typedef struct {
    int n, blocks, classes;
    int32_t *index; /* n: example number within its split (shards keep the global one) */
    int32_t *label; /* n */
    int32_t *len;   /* n: token count T after truncation */
    float *logits;  /* n * blocks * classes */
    float *entropy; /* n * blocks */
    /* Where it came from: "model=<fingerprint> data=<fingerprint>" of the model file and the
     * split's data file, so that a trace is never scored against another model or data. */
    char origin[96];
    /* NULL for beex's own traces, whose cost per exit the replay takes from the model's config
     * (cost.h). Another tool's trace (trace_byo.h) brings its own: n * blocks entries, the
     * cumulative cost of reaching exit b of example i at [i * blocks + b]. Freed with the
     * trace. */
    beex_cost *cost;
} beex_trace;

int beex_trace_alloc(beex_trace *t, int n, int blocks, int classes);
void beex_trace_free(beex_trace *t);

/* Full-depth pass over every encoded example, with a progress bar labelled `what` (NULL: no
 * bar). A non-finite logit or entropy is an error naming the example and block: a NaN must
 * never pass for a prediction. Returns 0, or -1 with err set. */
int beex_trace_run(beex_engine *e, const beex_encoded *enc, const char *what, beex_trace *out,
                   char *err, size_t errlen);

/* Encodes examples [first, first + count) of a split (encode.h) and traces them. */
int beex_trace_split(beex_engine *e, const beex_split *sp, const beex_vocab *v,
                     const int *label_map, int first, int count, const char *what, beex_trace *out,
                     char *err, size_t errlen);

/* Argmax of exit `block` (0-based) of example i. */
int beex_trace_pred(const beex_trace *t, int i, int block);

#endif
