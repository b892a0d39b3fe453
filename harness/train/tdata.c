/* Encoding of the training split into fixed-width rows. */
#include "harness/train/tdata.h"

#include <stdlib.h>
#include <string.h>

int beex_tsplit_encode(const beex_split *s, const beex_vocab *v, int max_len, beex_tsplit *out)
{
    memset(out, 0, sizeof *out);
    out->n = s->n;
    out->max_len = max_len;
    size_t n = s->n ? s->n : 1;
    out->ids = calloc(n * (size_t)max_len, sizeof(int32_t));
    out->len = calloc(n, sizeof(int));
    out->label = calloc(n, sizeof(int));
    if (out->ids == NULL || out->len == NULL || out->label == NULL) {
        beex_tsplit_free(out);
        return -1;
    }
    for (size_t i = 0; i < s->n; i++) {
        out->len[i] = beex_encode(v, s->ex[i].text, out->ids + i * (size_t)max_len, max_len, NULL);
        out->label[i] = s->ex[i].label;
    }
    return 0;
}

void beex_tsplit_free(beex_tsplit *s)
{
    free(s->ids);
    free(s->len);
    free(s->label);
    memset(s, 0, sizeof *s);
}
