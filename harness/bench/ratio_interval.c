/* Medians of per-round ratios and their bootstrap intervals (see ratio_interval.h). */
#include "harness/bench/ratio_interval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/base/paired_tests.h"
#include "harness/base/prng.h"

int beex_median_interval(const double *v, int n, uint64_t seed, beex_ratio_ci *out)
{
    out->n = 0;
    out->median = out->lo = out->hi = out->rel_width = NAN;
    out->wide = 1;
    double *x = malloc((size_t)(n > 0 ? n : 1) * sizeof *x);
    double *draw = malloc((size_t)(n > 0 ? n : 1) * sizeof *draw);
    double *med = malloc(BEEX_RATIO_RESAMPLES * sizeof *med);
    if (x == NULL || draw == NULL || med == NULL) {
        free(x), free(draw), free(med);
        return -1;
    }
    int m = 0;
    for (int r = 0; r < n; r++)
        if (isfinite(v[r]))
            x[m++] = v[r];
    out->n = m;
    if (m > 0)
        out->median = beex_quantile_sorted_inplace(x, (size_t)m, 0.5);
    if (m >= BEEX_RATIO_MIN_ROUNDS) {
        /* Each resample draws m rounds with replacement from its own stream of the seed. */
        for (int b = 0; b < BEEX_RATIO_RESAMPLES; b++) {
            uint64_t s = beex_prng_stream(seed, (uint64_t)b);
            for (int k = 0; k < m; k++)
                draw[k] = x[beex_prng_below(&s, (uint32_t)m)];
            med[b] = beex_quantile_sorted_inplace(draw, (size_t)m, 0.5);
        }
        beex_percentile_interval(med, BEEX_RATIO_RESAMPLES, 0.95, &out->lo, &out->hi);
        out->rel_width = (out->hi - out->lo) / fabs(out->median);
        out->wide = !(out->rel_width <= BEEX_RATIO_MAX_REL_WIDTH);
    }
    free(x), free(draw), free(med);
    return 0;
}

int beex_ratio_interval(const double *num, const double *den, int n, uint64_t seed,
                        beex_ratio_ci *out)
{
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (v == NULL)
        return -1;
    for (int r = 0; r < n; r++)
        v[r] = num[r] > 0.0 && den[r] > 0.0 && isfinite(num[r]) && isfinite(den[r])
                   ? num[r] / den[r]
                   : NAN;
    int rc = beex_median_interval(v, n, seed, out);
    free(v);
    return rc;
}

const char *beex_ratio_warning(const beex_ratio_ci *ci, char *buf, size_t len)
{
    if (!ci->wide)
        return NULL;
    if (ci->n < BEEX_RATIO_MIN_ROUNDS)
        snprintf(buf, len, "only %d round%s: no interval (%d needed); no claim can rest on it",
                 ci->n, ci->n == 1 ? "" : "s", BEEX_RATIO_MIN_ROUNDS);
    else
        snprintf(buf, len,
                 "95 %% interval [%.3g, %.3g] is %.0f %% of the median wide (limit %.0f %%): "
                 "too wide to support a claim",
                 ci->lo, ci->hi, 100.0 * ci->rel_width, 100.0 * BEEX_RATIO_MAX_REL_WIDTH);
    return buf;
}
