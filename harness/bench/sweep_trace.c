/* The trace pass: encode a split with the model's vocabulary and run every example through
 * all blocks, keeping each block's logits and entropy for the offline replay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/bench/sweep.h"

void beex_progress(const char *what, long done, long total)
{
    static int tty = -1;
    if (tty < 0)
        tty = isatty(STDERR_FILENO);
    if (total <= 0)
        return;
    if (!tty) {
        if (done == total)
            fprintf(stderr, "%s: %ld/%ld done\n", what, done, total);
        return;
    }
    /* Redraw only when the shown percentage changes: cheap inside hot loops. */
    long pct = done * 100 / total, prev = (done - 1) * 100 / total;
    if (done != 0 && done != total && pct == prev)
        return;
    int width = 30, fill = (int)(done * width / total);
    char bar[31];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r%-28.28s [%s] %3ld%% (%ld/%ld)", what, bar, pct, done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

void beex_encoded_free(beex_encoded *e)
{
    if (e->ids != NULL)
        for (int i = 0; i < e->n; i++)
            free(e->ids[i]);
    free(e->ids);
    free(e->lens);
    free(e->labels);
    free(e->index);
    memset(e, 0, sizeof *e);
}

int beex_encode_split(const beex_split *sp, const beex_vocab *v, int max_len, const int *label_map,
                      int first, int count, beex_encoded *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (first < 0 || count < 0 || (size_t)first + (size_t)count > sp->n || max_len < 1) {
        snprintf(err, errlen, "examples %d..%d outside the split of %zu", first, first + count,
                 sp->n);
        return -1;
    }
    size_t n = count > 0 ? (size_t)count : 1;
    out->ids = calloc(n, sizeof *out->ids);
    out->lens = calloc(n, sizeof *out->lens);
    out->labels = calloc(n, sizeof *out->labels);
    out->index = calloc(n, sizeof *out->index);
    if (!out->ids || !out->lens || !out->labels || !out->index)
        goto oom;
    out->n = count;
    for (int i = 0; i < count; i++) {
        const beex_example *ex = &sp->ex[first + i];
        out->ids[i] = malloc((size_t)max_len * sizeof(int32_t));
        if (out->ids[i] == NULL)
            goto oom;
        out->lens[i] = beex_encode(v, ex->text, out->ids[i], max_len, NULL);
        out->labels[i] = label_map[ex->label];
        out->index[i] = first + i;
        if (out->lens[i] < 1) {
            snprintf(err, errlen, "example %d encodes to no token", first + i);
            beex_encoded_free(out);
            return -1;
        }
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory encoding %d examples", count);
    beex_encoded_free(out);
    return -1;
}

int beex_sweep_trace(beex_engine *e, const beex_encoded *enc, const char *what, beex_trace *out,
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
        if (beex_engine_trace(e, enc->ids[i], enc->lens[i], z, h) != 0) {
            snprintf(err, errlen, "forward pass failed on example %d", enc->index[i]);
            beex_trace_free(out);
            return -1;
        }
        beex_progress(what, i + 1, enc->n);
    }
    return 0;
}
