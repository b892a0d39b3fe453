#include "harness/eval/exits.h"

#include <stdio.h>
#include <stdlib.h>

int beex_exit_scores(const beex_trace *t, int positive, beex_scores *scores)
{
    if (t->n <= 0)
        return -1;
    int *pred = malloc((size_t)t->n * sizeof *pred), *lab = malloc((size_t)t->n * sizeof *lab);
    int rc = pred != NULL && lab != NULL ? 0 : -1;
    for (int b = 0; b < t->blocks && rc == 0; b++) {
        for (int i = 0; i < t->n; i++) {
            pred[i] = beex_trace_pred(t, i, b);
            lab[i] = t->label[i];
        }
        rc = beex_scores_of(lab, pred, t->n, t->classes, positive, &scores[b]);
    }
    free(pred);
    free(lab);
    return rc;
}

int beex_exit_points(const beex_trace *t, const beex_replay_setup *s, int resamples, uint64_t seed,
                     beex_replay_point *points, char *err, size_t errlen)
{
    int B = t->blocks, n = t->n;
    int *preds = calloc((size_t)B * (n > 0 ? n : 1), sizeof *preds);
    beex_point_stats *st = malloc((size_t)B * sizeof *st);
    int rc = -1;
    if (preds == NULL || st == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (int b = 0; b < B; b++) {
        beex_policy p = {BEEX_POLICY_STATIC, b + 1};
        if (beex_replay(t, &p, s, &points[b], NULL, preds + (size_t)b * n) != 0) {
            snprintf(err, errlen, "the trace does not fit the model or is empty");
            goto done;
        }
    }
    beex_bootstrap_setup bs = {n,        t->classes, s->positive, s->metric,
                               t->label, resamples,  seed,        0.95};
    if (beex_bootstrap_points(&bs, preds, B, B - 1, NULL, NULL, NULL, st, err, errlen) != 0)
        goto done;
    for (int b = 0; b < B; b++)
        points[b].stats = st[b];
    rc = 0;
done:
    free(preds);
    free(st);
    return rc;
}
