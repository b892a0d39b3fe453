/* Timing loop of `beex bench model`: engines are created (weights repacked) outside the
 * timed region; one untimed warm-up batch; then batches until both min_reps and min_time
 * are reached (or max_reps). */
#include "harness/bench/model_bench.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

/* One timed batch of b examples starting at example `first` (cycling). */
static int run_once(beex_engine **eng, int neng, const beex_mb_case *c, const int32_t *const *ids,
                    const int *lens, int n, int first, double delta, const int *max_exit,
                    const int32_t **bids, int *blens, int *bcap, beex_exit_result *res)
{
    for (int i = 0; i < c->batch; i++) {
        int k = (first + i) % n;
        bids[i] = ids[k];
        blens[i] = lens[k];
        bcap[i] = max_exit ? max_exit[k] : 1 << 30;
    }
    if (neng == 1)
        return beex_engine_run_batch_capped(eng[0], bids, blens, c->batch, delta, bcap, res, NULL,
                                            NULL);
    int rc = 0;
#pragma omp parallel num_threads(neng) reduction(| : rc)
    {
        int t = omp_get_thread_num();
        int i0 = c->batch * t / neng, i1 = c->batch * (t + 1) / neng;
        if (i1 > i0)
            rc |= beex_engine_run_batch_capped(eng[t], bids + i0, blens + i0, i1 - i0, delta,
                                               bcap + i0, res + i0, NULL, NULL) != 0;
    }
    return rc;
}

int beex_mb_measure(const beex_model *m, const beex_mb_case *c, const int32_t *const *ids,
                    const int *lens, int n, double delta, const int *max_exit, beex_mb_result *out,
                    char *err, size_t errlen)
{
    int across = c->parallel == BEEX_MB_ACROSS_EXAMPLES && c->threads > 1 && c->batch > 1;
    int neng = across ? (c->threads < c->batch ? c->threads : c->batch) : 1;
    beex_engine **eng = calloc((size_t)neng, sizeof *eng);
    const int32_t **bids = malloc((size_t)c->batch * sizeof *bids);
    int *blens = malloc((size_t)c->batch * sizeof *blens);
    int *bcap = malloc((size_t)c->batch * sizeof *bcap);
    beex_exit_result *res = malloc((size_t)c->batch * sizeof *res);
    double *samples = malloc((size_t)c->max_reps * sizeof *samples);
    int rc = -1;
    if (!eng || !bids || !blens || !bcap || !res || !samples || n < 1) {
        snprintf(err, errlen, "out of memory (or no examples)");
        goto out;
    }
    for (int t = 0; t < neng; t++) {
        beex_engine_options o = {c->precision, c->isa, across ? 1 : c->threads};
        if (beex_engine_create(m, &o, &eng[t], err, errlen) != 0)
            goto out;
    }
    int first = 0;
    if (run_once(eng, neng, c, ids, lens, n, first, delta, max_exit, bids, blens, bcap, res)) {
        snprintf(err, errlen, "the forward pass failed");
        goto out;
    }
    double start = beex_now_seconds();
    int reps = 0;
    while (reps < c->max_reps && (reps < c->min_reps || beex_now_seconds() - start < c->min_time)) {
        first = (first + c->batch) % n;
        double t0 = beex_now_seconds();
        if (run_once(eng, neng, c, ids, lens, n, first, delta, max_exit, bids, blens, bcap, res)) {
            snprintf(err, errlen, "the forward pass failed");
            goto out;
        }
        samples[reps++] = beex_now_seconds() - t0;
    }
    out->reps = reps;
    out->batch_seconds = beex_stats_of(samples, (size_t)reps);
    out->examples_per_s = c->batch / out->batch_seconds.median;
    rc = 0;
out:
    if (eng != NULL)
        for (int t = 0; t < neng; t++)
            beex_engine_free(eng[t]);
    free(eng), free(bids), free(blens), free(bcap), free(res), free(samples);
    return rc;
}
