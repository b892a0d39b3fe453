/* Timed runs of one Pareto point: the test set in batches through the early-exit engine,
 * repeated, with the first pass checked example by example against the replay (the engine
 * and the replay share exit.h, so any difference is a bug, not noise). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/timing.h"
#include "harness/bench/counters.h"
#include "harness/bench/sweep_timed.h"
#include "harness/eval/sweep_table.h"
#include "kernels/cpu.h"

/* The replay's rule as the engine's online rule; static depth k runs as "never exit by
 * entropy" (delta = -inf) with every example capped at block k. */
static beex_exit_rule online_rule(const beex_policy *p)
{
    switch (p->kind) {
    case BEEX_POLICY_ENTROPY:
        return (beex_exit_rule){BEEX_EXIT_ENTROPY, p->param};
    case BEEX_POLICY_PATIENCE:
        return (beex_exit_rule){BEEX_EXIT_PATIENCE, p->param};
    case BEEX_POLICY_DELTA:
        return (beex_exit_rule){BEEX_EXIT_ENTROPY_RATIO, p->param};
    default:
        return (beex_exit_rule){BEEX_EXIT_ENTROPY_RATIO, -INFINITY};
    }
}

static int one_pass(beex_engine *e, const beex_encoded *test, int batch, const beex_policy *p,
                    int *cap, beex_exit_result *res)
{
    beex_exit_rule rule = online_rule(p);
    for (int i = 0; i < test->n; i += batch) {
        int nb = test->n - i < batch ? test->n - i : batch;
        if (beex_engine_run_batch_rule(e, (const int32_t *const *)(test->ids + i), test->lens + i,
                                       nb, &rule, p->kind == BEEX_POLICY_STATIC ? cap + i : NULL,
                                       res + i, NULL, NULL) != 0)
            return -1;
    }
    return 0;
}

int beex_sweep_timed_run(beex_engine *e, const beex_encoded *test, const beex_replay_setup *s,
                         const int *replay_exit, const int *replay_pred, beex_timed_run *run,
                         char *err, size_t errlen)
{
    int n = test->n, B = s->cfg->blocks;
    beex_exit_result *res = calloc((size_t)(n > 0 ? n : 1), sizeof *res);
    int *pred = malloc((size_t)(n > 0 ? n : 1) * sizeof *pred);
    int *cap = malloc((size_t)(n > 0 ? n : 1) * sizeof *cap);
    double *per_ex = malloc((size_t)run->reps * sizeof *per_ex);
    run->seconds = malloc((size_t)run->reps * sizeof *run->seconds);
    if (!res || !pred || !cap || !per_ex || !run->seconds || n <= 0 || run->batch < 1) {
        snprintf(err, errlen, n <= 0 ? "no test examples" : "out of memory");
        goto fail;
    }
    /* The engine runs every rule kind online; an unknown one would silently run full depth. */
    if ((unsigned)run->policy.kind >= BEEX_POLICY_KINDS) {
        snprintf(err, errlen, "unknown exit rule kind %d", (int)run->policy.kind);
        goto fail;
    }
    for (int i = 0; i < n; i++)
        cap[i] = (int)run->policy.param;
    /* Warm-up pass, which is also the checked one: it feeds the SDE counters once. */
    if (one_pass(e, test, run->batch, &run->policy, cap, res) != 0) {
        snprintf(err, errlen, "engine failed (%s, %d threads, batch %d)",
                 beex_isa_name((beex_isa)run->isa), run->threads, run->batch);
        goto fail;
    }
    beex_sde_record(res, n);
    memset(run->hist, 0, sizeof run->hist);
    double exit_sum = 0;
    run->mismatched_examples = 0;
    for (int i = 0; i < n; i++) {
        int eb = res[i].exit_block;
        if (eb < 1 || eb > B) {
            snprintf(err, errlen, "engine returned exit block %d for example %d", eb, i);
            goto fail;
        }
        run->hist[eb - 1]++;
        exit_sum += eb;
        pred[i] = res[i].prediction;
        if (eb != replay_exit[i] || pred[i] != replay_pred[i])
            run->mismatched_examples++;
    }
    beex_scores sc;
    if (beex_scores_of(test->labels, pred, n, s->cfg->classes, s->positive, &sc) != 0) {
        snprintf(err, errlen, "engine returned a prediction outside the classes");
        goto fail;
    }
    run->accuracy = sc.accuracy;
    run->metric = beex_scores_get(&sc, s->metric);
    run->mean_exit = exit_sum / n;

    beex_hw_counters hc;
    beex_hw_counters_init(&hc, run->threads);
    beex_hw_counters_start(&hc);
    for (int r = 0; r < run->reps; r++) {
        double t0 = beex_now_seconds();
        if (one_pass(e, test, run->batch, &run->policy, cap, res) != 0) {
            snprintf(err, errlen, "engine failed in repetition %d", r);
            beex_hw_counters_stop(&hc);
            goto fail;
        }
        run->seconds[r] = beex_now_seconds() - t0;
        per_ex[r] = run->seconds[r] / n;
    }
    beex_hw_counters_stop(&hc);
    run->hw = beex_hw_counters_json(&hc);
    run->per_example = beex_stats_of(per_ex, (size_t)run->reps);
    free(res);
    free(pred);
    free(cap);
    free(per_ex);
    return 0;
fail:
    free(res);
    free(pred);
    free(cap);
    free(per_ex);
    beex_timed_run_free(run);
    return -1;
}
