/* Encoding of splits and eval-mode prediction; the forward pass is the trainer's own with
 * dropout off, which tests/harness/train checks against the engine. */
#include "harness/train/tdata.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/train/tnet.h"

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

int beex_predict_split(const beex_tparams *p, const beex_teff *e, beex_precision prec,
                       const beex_tsplit *s, int *pred)
{
    const beex_config *c = &p->cfg;
    int failed = 0;
#pragma omp parallel
    {
        beex_tws *w = beex_tws_new(c);
        float *logits = malloc((size_t)c->blocks * c->classes * sizeof(float));
        if (w == NULL || logits == NULL) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 8)
        for (long i = 0; i < (long)s->n; i++) {
            if (w == NULL || logits == NULL)
                continue;
            beex_tnet_forward(w, p, e, prec, s->ids + (size_t)i * s->max_len, s->len[i], 0.0f, 0, 0,
                              logits);
            for (int b = 0; b < c->blocks; b++) {
                const float *z = logits + (size_t)b * c->classes;
                int best = 0;
                for (int j = 1; j < c->classes; j++)
                    if (z[j] > z[best])
                        best = j;
                pred[(size_t)i * c->blocks + b] = best;
            }
        }
        beex_tws_free(w);
        free(logits);
    }
    return failed ? -1 : 0;
}

beex_metrics beex_metrics_of(const int *pred, const int *label, size_t n, int blocks, int block,
                             int classes, int positive)
{
    beex_metrics m = {NAN, NAN, NAN};
    if (n == 0)
        return m;
    size_t right = 0;
    double tp = 0, fp = 0, fn = 0, tn = 0;
    for (size_t i = 0; i < n; i++) {
        int p = pred[i * (size_t)blocks + block], y = label[i];
        right += p == y;
        if (classes == 2) {
            tp += p == positive && y == positive;
            fp += p == positive && y != positive;
            fn += p != positive && y == positive;
            tn += p != positive && y != positive;
        }
    }
    m.accuracy = (double)right / (double)n;
    if (classes == 2) {
        m.f1 = tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
        double den = sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
        m.mcc = den > 0 ? (tp * tn - fp * fn) / den : 0.0;
    }
    return m;
}
