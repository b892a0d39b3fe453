#include "harness/eval/encode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
