#include "harness/eval/intervals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/paired_tests.h"
#include "harness/base/prng.h"

/* canon[p] = index of the first point whose decisions equal point p's; uniq lists those. */
static int dedupe(const int *preds, int P, int n, int *canon, int *uniq)
{
    uint64_t *h = malloc((size_t)(P > 0 ? P : 1) * sizeof *h);
    if (h == NULL)
        return -1;
    int U = 0;
    for (int p = 0; p < P; p++) {
        const int *v = preds + (size_t)p * n;
        uint64_t x = 1469598103934665603ull;
        for (int i = 0; i < n; i++)
            x = (x ^ (uint64_t)(unsigned)v[i]) * 1099511628211ull;
        h[p] = x;
        canon[p] = p;
        for (int k = 0; k < U; k++) {
            int q = uniq[k];
            if (h[q] == x && memcmp(preds + (size_t)q * n, v, (size_t)n * sizeof *v) == 0) {
                canon[p] = q;
                break;
            }
        }
        if (canon[p] == p)
            uniq[U++] = p;
    }
    free(h);
    return U;
}

static double metric_of(const beex_scores *sc, int m)
{
    return m == 0 ? sc->accuracy : m == 1 ? sc->f1 : sc->mcc;
}

/* Scores of every distinct point on every resample: out[(b * U + u) * 3 + metric]. */
static int resample_all(const beex_bootstrap_setup *s, const int *preds, const int *uniq, int U,
                        double *out)
{
    int n = s->n, C = s->classes, B = s->resamples, failed = 0;
#pragma omp parallel
    {
        int *w = malloc((size_t)n * sizeof *w);
        int *idx = malloc((size_t)n * sizeof *idx);
        double *cm = malloc((size_t)C * C * sizeof *cm);
        if (w == NULL || idx == NULL || cm == NULL) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int b = 0; b < B; b++) {
            if (w == NULL || idx == NULL || cm == NULL)
                continue;
            uint64_t st = beex_prng_stream(s->seed, (uint64_t)b);
            memset(w, 0, (size_t)n * sizeof *w);
            for (int k = 0; k < n; k++)
                w[beex_prng_below(&st, (uint32_t)n)]++;
            int m = 0;
            for (int i = 0; i < n; i++)
                if (w[i] > 0)
                    idx[m++] = i;
            for (int u = 0; u < U; u++) {
                const int *pr = preds + (size_t)uniq[u] * n;
                memset(cm, 0, (size_t)C * C * sizeof *cm);
                for (int k = 0; k < m; k++) {
                    int i = idx[k];
                    cm[s->labels[i] * C + pr[i]] += w[i];
                }
                beex_scores sc;
                double *o = out + ((size_t)b * U + u) * 3;
                if (beex_scores_of_cm(cm, C, s->positive, &sc) != 0) {
                    o[0] = o[1] = o[2] = NAN;
                    continue;
                }
                for (int k = 0; k < 3; k++)
                    o[k] = metric_of(&sc, k);
            }
        }
        free(w);
        free(idx);
        free(cm);
    }
    return failed ? -1 : 0;
}

/* The arguments beex_bootstrap_points refuses: sizes, and labels, static-depth references
 * and predictions out of range. Returns 0, or -1 with err set. */
static int check_bootstrap_args(const beex_bootstrap_setup *s, const int *preds, int P, int full,
                                const int *iso_lower, const int *iso_upper,
                                const double *iso_weight, char *err, size_t errlen)
{
    int n = s->n, B = s->resamples;
    if (n <= 0 || P <= 0 || full < 0 || full >= P || B < BEEX_BOOTSTRAP_MIN_RESAMPLES ||
        s->classes < 2) {
        snprintf(err, errlen, "bootstrap: bad arguments (n %d, points %d, resamples %d)", n, P, B);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (s->labels[i] < 0 || s->labels[i] >= s->classes) {
            snprintf(err, errlen, "bootstrap: label %d outside the %d classes", s->labels[i],
                     s->classes);
            return -1;
        }
    for (int p = 0; iso_lower != NULL && p < P; p++)
        if (iso_lower[p] < 0 || iso_lower[p] >= P || iso_upper[p] < 0 || iso_upper[p] >= P ||
            !(iso_weight[p] >= 0 && iso_weight[p] <= 1)) {
            snprintf(err, errlen, "bootstrap: point %d has a bad static-depth reference", p);
            return -1;
        }
    for (size_t i = 0; i < (size_t)P * (size_t)n; i++)
        if (preds[i] < 0 || preds[i] >= s->classes) {
            snprintf(err, errlen, "bootstrap: prediction %d outside the %d classes", preds[i],
                     s->classes);
            return -1;
        }
    return 0;
}

int beex_bootstrap_points(const beex_bootstrap_setup *s, const int *preds, int P, int full,
                          const int *iso_lower, const int *iso_upper, const double *iso_weight,
                          beex_point_stats *out, char *err, size_t errlen)
{
    int n = s->n, B = s->resamples, hm = (int)s->metric;
    if (check_bootstrap_args(s, preds, P, full, iso_lower, iso_upper, iso_weight, err, errlen) != 0)
        return -1;
    int *canon = malloc((size_t)P * sizeof *canon), *uniq = malloc((size_t)P * sizeof *uniq);
    int *slot = malloc((size_t)P * sizeof *slot);
    double *tmp = malloc((size_t)B * sizeof *tmp), *samples = NULL, *point = NULL;
    int rc = -1;
    if (canon == NULL || uniq == NULL || slot == NULL || tmp == NULL)
        goto done;
    int U = dedupe(preds, P, n, canon, uniq);
    if (U < 0)
        goto done;
    for (int u = 0; u < U; u++)
        slot[uniq[u]] = u;
    samples = malloc((size_t)B * U * 3 * sizeof *samples);
    point = malloc((size_t)U * 3 * sizeof *point);
    if (samples == NULL || point == NULL || resample_all(s, preds, uniq, U, samples) != 0)
        goto done;
    for (int u = 0; u < U; u++) {
        beex_scores sc;
        if (beex_scores_of(s->labels, preds + (size_t)uniq[u] * n, n, s->classes, s->positive,
                           &sc) != 0)
            goto done;
        for (int k = 0; k < 3; k++)
            point[u * 3 + k] = metric_of(&sc, k);
    }
#define AT(b, p, k) samples[((size_t)(b)*U + slot[canon[p]]) * 3 + (k)]
#define POINT(p, k) point[slot[canon[p]] * 3 + (k)]
    for (int p = 0; p < P; p++) {
        beex_point_stats *o = &out[p];
        memset(o, 0, sizeof *o);
        o->valid = 1;
        for (int k = 0; k < 3; k++) {
            for (int b = 0; b < B; b++)
                tmp[b] = AT(b, p, k);
            beex_percentile_interval(tmp, (size_t)B, s->level, &o->ci[k].lo, &o->ci[k].hi);
        }
        o->diff_full = POINT(p, hm) - POINT(full, hm);
        for (int b = 0; b < B; b++)
            tmp[b] = AT(b, p, hm) - AT(b, full, hm);
        beex_percentile_interval(tmp, (size_t)B, s->level, &o->diff_full_ci.lo,
                                 &o->diff_full_ci.hi);
        const int *a = preds + (size_t)p * n, *f = preds + (size_t)full * n;
        for (int i = 0; i < n; i++) {
            int ra = a[i] == s->labels[i], rf = f[i] == s->labels[i];
            o->mcnemar_b += ra && !rf;
            o->mcnemar_c += rf && !ra;
        }
        o->mcnemar_p = beex_mcnemar_exact_p(o->mcnemar_b, o->mcnemar_c);
        if (iso_lower == NULL) {
            o->iso_gain = NAN;
            o->iso_gain_ci.lo = o->iso_gain_ci.hi = NAN;
            o->iso_lower = o->iso_upper = -1;
            continue;
        }
        int lo = iso_lower[p], hi = iso_upper[p];
        double wt = iso_weight[p];
        o->iso_lower = lo;
        o->iso_upper = hi;
        o->iso_weight = wt;
        o->iso_gain = POINT(p, hm) - ((1 - wt) * POINT(lo, hm) + wt * POINT(hi, hm));
        for (int b = 0; b < B; b++)
            tmp[b] = AT(b, p, hm) - ((1 - wt) * AT(b, lo, hm) + wt * AT(b, hi, hm));
        beex_percentile_interval(tmp, (size_t)B, s->level, &o->iso_gain_ci.lo, &o->iso_gain_ci.hi);
    }
#undef AT
#undef POINT
    rc = 0;
done:
    if (rc != 0)
        snprintf(err, errlen, "bootstrap: out of memory (%d points x %d resamples)", P, B);
    free(canon);
    free(uniq);
    free(slot);
    free(tmp);
    free(samples);
    free(point);
    return rc;
}
