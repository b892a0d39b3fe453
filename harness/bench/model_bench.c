/* Timing loop of `beex bench model`: the engine is created (weights repacked) outside the
 * timed region; one untimed warm-up batch; then batches until both min_reps and min_time
 * are reached (or max_reps). */
#include "harness/bench/model_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One batch of c->batch examples starting at example `first` (cycling through n). */
static int run_once(beex_engine *e, const beex_mb_case *c, const int32_t *const *ids,
                    const int *lens, int n, int first, double delta, const int *max_exit,
                    const int32_t **bids, int *blens, int *bcap, beex_exit_result *res)
{
    for (int i = 0; i < c->batch; i++) {
        int k = (first + i) % n;
        bids[i] = ids[k];
        blens[i] = lens[k];
        bcap[i] = max_exit ? max_exit[k] : 1 << 30;
    }
    return beex_engine_run_batch_capped(e, bids, blens, c->batch, delta, bcap, res, NULL, NULL);
}

int beex_mb_measure(const beex_model *m, const beex_mb_case *c, const int32_t *const *ids,
                    const int *lens, int n, double delta, const int *max_exit, beex_mb_result *out,
                    char *err, size_t errlen)
{
    beex_engine *e = NULL;
    const int32_t **bids = malloc((size_t)c->batch * sizeof *bids);
    int *blens = malloc((size_t)c->batch * sizeof *blens);
    int *bcap = malloc((size_t)c->batch * sizeof *bcap);
    beex_exit_result *res = malloc((size_t)c->batch * sizeof *res);
    double *samples = malloc((size_t)c->max_reps * sizeof *samples);
    double *cpu = malloc((size_t)c->max_reps * sizeof *cpu);
    int rc = -1;
    if (!bids || !blens || !bcap || !res || !samples || !cpu || n < 1) {
        snprintf(err, errlen, "out of memory (or no examples)");
        goto out;
    }
    beex_engine_options o = {c->precision, c->isa, c->threads};
    if (beex_engine_create(m, &o, &e, err, errlen) != 0)
        goto out;
    beex_engine_set_split(e, c->parallel == BEEX_MB_ACROSS_EXAMPLES ? BEEX_SPLIT_EXAMPLES
                                                                    : BEEX_SPLIT_OPS);
    int first = 0;
    if (run_once(e, c, ids, lens, n, first, delta, max_exit, bids, blens, bcap, res) != 0) {
        snprintf(err, errlen, "the forward pass failed");
        goto out;
    }
    double start = beex_now_seconds();
    int reps = 0;
    while (reps < c->max_reps && (reps < c->min_reps || beex_now_seconds() - start < c->min_time)) {
        first = (first + c->batch) % n;
        double t0 = beex_now_seconds(), c0 = cpu_now();
        if (run_once(e, c, ids, lens, n, first, delta, max_exit, bids, blens, bcap, res) != 0) {
            snprintf(err, errlen, "the forward pass failed");
            goto out;
        }
        samples[reps] = beex_now_seconds() - t0;
        cpu[reps++] = cpu_now() - c0;
    }
    out->reps = reps;
    /* the repetitions in their order for the JSON; the statistics sort copies */
    out->samples = malloc((size_t)reps * sizeof *out->samples);
    out->cpu = malloc((size_t)reps * sizeof *out->cpu);
    if (out->samples == NULL || out->cpu == NULL) {
        beex_mb_result_free(out);
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    memcpy(out->samples, samples, (size_t)reps * sizeof *samples);
    memcpy(out->cpu, cpu, (size_t)reps * sizeof *cpu);
    out->batch_seconds = beex_stats_of(samples, (size_t)reps);
    out->cpu_seconds = beex_stats_of(cpu, (size_t)reps);
    out->examples_per_s = c->batch / out->batch_seconds.median;
    rc = 0;
out:
    beex_engine_free(e);
    free(bids), free(blens), free(bcap), free(res), free(samples), free(cpu);
    return rc;
}

void beex_mb_result_free(beex_mb_result *r)
{
    free(r->samples);
    free(r->cpu);
    r->samples = r->cpu = NULL;
}
