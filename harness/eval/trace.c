#include "harness/eval/trace.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/progress.h"
#include "harness/model/exit.h"
#include "kernels/cpu.h"

int beex_trace_alloc(beex_trace *t, int n, int blocks, int classes)
{
    memset(t, 0, sizeof *t);
    if (n < 0 || blocks < 1 || blocks > BEEX_MAX_BLOCKS || classes < 1)
        return -1;
    size_t nn = n > 0 ? (size_t)n : 1;
    t->n = n;
    t->blocks = blocks;
    t->classes = classes;
    t->index = calloc(nn, sizeof *t->index);
    t->label = calloc(nn, sizeof *t->label);
    t->len = calloc(nn, sizeof *t->len);
    t->logits = calloc(nn * blocks * classes, sizeof *t->logits);
    t->entropy = calloc(nn * blocks, sizeof *t->entropy);
    if (!t->index || !t->label || !t->len || !t->logits || !t->entropy) {
        beex_trace_free(t);
        return -1;
    }
    return 0;
}

void beex_trace_free(beex_trace *t)
{
    free(t->index);
    free(t->label);
    free(t->len);
    free(t->logits);
    free(t->entropy);
    free(t->cost);
    memset(t, 0, sizeof *t);
}

int beex_trace_pred(const beex_trace *t, int i, int block)
{
    return beex_argmax(t->logits + ((size_t)i * t->blocks + block) * t->classes, t->classes);
}

int beex_trace_run(beex_engine *e, const beex_encoded *enc, const char *what, beex_trace *out,
                   char *err, size_t errlen)
{
    const beex_config *cfg = beex_engine_config(e);
    if (beex_trace_alloc(out, enc->n, cfg->blocks, cfg->classes) != 0) {
        snprintf(err, errlen, "cannot allocate a trace of %d examples x %d blocks", enc->n,
                 cfg->blocks);
        return -1;
    }
    for (int i = 0; i < enc->n; i++) {
        out->index[i] = enc->index[i];
        out->label[i] = enc->labels[i];
        out->len[i] = enc->lens[i] < cfg->max_len ? enc->lens[i] : cfg->max_len;
        float *z = out->logits + (size_t)i * cfg->blocks * cfg->classes;
        float *h = out->entropy + (size_t)i * cfg->blocks;
        int rc = beex_engine_trace(e, enc->ids[i], enc->lens[i], z, h);
        if (rc == BEEX_ENONFINITE) {
            int b = 0;
            while (b < cfg->blocks && isfinite(h[b]))
                b++;
            snprintf(err, errlen,
                     "example %d, block %d: non-finite logit or entropy (weights out of range?)",
                     enc->index[i], b + 1);
            beex_trace_free(out);
            return -1;
        }
        if (rc != 0) {
            snprintf(err, errlen, "forward pass failed on example %d", enc->index[i]);
            beex_trace_free(out);
            return -1;
        }
        if (what != NULL)
            beex_progress(what, i + 1, enc->n);
    }
    return 0;
}

int beex_trace_split(beex_engine *e, const beex_split *sp, const beex_vocab *v,
                     const int *label_map, int first, int count, const char *what, beex_trace *out,
                     char *err, size_t errlen)
{
    beex_encoded enc;
    if (beex_encode_split(sp, v, beex_engine_config(e)->max_len, label_map, first, count, &enc, err,
                          errlen) != 0)
        return -1;
    int rc = beex_trace_run(e, &enc, what, out, err, errlen);
    beex_encoded_free(&enc);
    return rc;
}
