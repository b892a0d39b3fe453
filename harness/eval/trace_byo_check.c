/* The checks of beex-exit-trace/1 (docs/traces.md) that the reader and the converters share:
 * one example's numbers, and a dev/test pair belonging together. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/eval/trace_byo.h"

void beex_byo_header_free(beex_byo_header *h)
{
    if (h->class_names != NULL)
        for (int c = 0; c < h->classes; c++)
            free(h->class_names[c]);
    free(h->class_names);
    h->class_names = NULL;
}

void beex_byo_free(beex_byo_trace *b)
{
    beex_byo_header_free(&b->h);
    beex_trace_free(&b->t);
}

int beex_byo_check_values(const double *v, int exits, int classes, int probs, int *bad_exit,
                          char *why, size_t len)
{
    for (int e = 0; e < exits; e++) {
        double sum = 0;
        *bad_exit = e;
        for (int c = 0; c < classes; c++) {
            double x = v[(size_t)e * classes + c];
            if (!isfinite(x) || !isfinite((float)x)) {
                snprintf(why, len, "exit %d, class %d: %g is not a finite %s", e + 1, c, x,
                         probs ? "probability" : "logit (as a float)");
                return -1;
            }
            if (probs && x < 0) {
                snprintf(why, len, "exit %d, class %d: probability %g is negative", e + 1, c, x);
                return -1;
            }
            sum += x;
        }
        if (probs && !(fabs(sum - 1.0) <= BEEX_BYO_PROB_TOLERANCE)) {
            snprintf(why, len, "exit %d: probabilities sum to %.9g, not 1 (tolerance %g)", e + 1,
                     sum, BEEX_BYO_PROB_TOLERANCE);
            return -1;
        }
    }
    return 0;
}

int beex_byo_check_costs(const char *name, const double *c, int exits, int positive, char *why,
                         size_t len)
{
    for (int b = 0; b < exits; b++) {
        if (!isfinite(c[b]) || (positive ? c[b] <= 0 : c[b] < 0)) {
            snprintf(why, len, "\"%s\" of exit %d is %g: it must be a finite number %s 0", name,
                     b + 1, c[b], positive ? ">" : ">=");
            return -1;
        }
        if (b > 0 && c[b] < c[b - 1]) {
            snprintf(why, len,
                     "\"%s\" of exit %d (%g) is below that of exit %d (%g): costs are cumulative "
                     "(what reaching the exit costs) and never fall",
                     name, b + 1, c[b], b, c[b - 1]);
            return -1;
        }
    }
    return 0;
}

int beex_byo_check_pair(const beex_byo_trace *dev, const char *dev_path, const beex_byo_trace *test,
                        const char *test_path, char *err, size_t errlen)
{
    const beex_byo_header *d = &dev->h, *t = &test->h;
    if (strcmp(d->split, "dev") != 0 || strcmp(t->split, "test") != 0) {
        int dev_wrong = strcmp(d->split, "dev") != 0;
        snprintf(err, errlen,
                 "%s: line 1: \"split\" is \"%s\", but the file was given as the %s trace (DEV "
                 "first, then TEST)",
                 dev_wrong ? dev_path : test_path, dev_wrong ? d->split : t->split,
                 dev_wrong ? "dev" : "test");
        return -1;
    }
    if (d->exits != t->exits || d->classes != t->classes) {
        snprintf(err, errlen,
                 "%s: line 1: %d exits x %d classes, but %s: line 1: %d x %d: dev and test must "
                 "come from one model",
                 dev_path, d->exits, d->classes, test_path, t->exits, t->classes);
        return -1;
    }
    for (int c = 0; c < d->classes; c++)
        if (strcmp(d->class_names[c], t->class_names[c]) != 0) {
            snprintf(err, errlen, "%s: line 1: class %d is \"%.60s\", but \"%.60s\" in %s",
                     dev_path, c, d->class_names[c], t->class_names[c], test_path);
            return -1;
        }
    const char *what[3] = {"metric", "positive", "x_beex_model"};
    const char *dv[3] = {d->metric, d->positive, d->model};
    const char *tv[3] = {t->metric, t->positive, t->model};
    for (int k = 0; k < 3; k++)
        if (dv[k][0] != '\0' && tv[k][0] != '\0' && strcmp(dv[k], tv[k]) != 0) {
            snprintf(err, errlen, "%s: line 1: \"%s\" is \"%.60s\", but \"%.60s\" in %s", dev_path,
                     what[k], dv[k], tv[k], test_path);
            return -1;
        }
    return 0;
}
