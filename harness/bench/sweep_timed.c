/* Timed runs of one Pareto point: the test set in batches through the early-exit engine,
 * repeated, with the first pass checked example by example against the replay (the engine
 * and the replay share exit.h, so any difference is a bug, not noise). A point offered more
 * than one thread first measures whether they help (thread_choice.h) and runs on one thread
 * when they do not: at batch 1 a pass is tens of microseconds per example, and two threads
 * were slower than one on every variant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/timing.h"
#include "harness/bench/counters.h"
#include "harness/bench/sweep_timed.h"
#include "harness/bench/thread_choice.h"
#include "harness/eval/sweep_table.h"
#include "harness/model/engine_solo.h"
#include "kernels/cpu.h"

/* The replay's rule is the engine's online rule (model/exit_rules.h): every kind, static
 * depth included, runs through the same decision the replay looped over. */
static int one_pass(beex_engine *e, const beex_encoded *test, int n, int batch,
                    const beex_policy *p, beex_exit_result *res)
{
    for (int i = 0; i < n; i += batch) {
        int nb = n - i < batch ? n - i : batch;
        if (beex_engine_run_batch_rule(e, (const int32_t *const *)(test->ids + i), test->lens + i,
                                       nb, p, NULL, res + i, NULL, NULL) != 0)
            return -1;
    }
    return 0;
}

/* The calibration: passes over the first `n` test examples on the team or on one thread. */
typedef struct {
    beex_engine *team, *one;
    const beex_encoded *test;
    int n, batch;
    const beex_policy *policy;
    beex_exit_result *res;
} calib_ctx;

static int calib_pass(void *p, int solo, double *seconds)
{
    const calib_ctx *c = p;
    double t0 = beex_now_seconds();
    int rc = one_pass(solo ? c->one : c->team, c->test, c->n, c->batch, c->policy, c->res);
    *seconds = beex_now_seconds() - t0;
    return rc;
}

/* Rounds and examples of the calibration: five ABBA rounds over at least 32 examples and two
 * batches, a few hundred milliseconds at most on the scalar variant at batch 1, a few
 * percent of a timed point's own passes. */
#define CHOICE_ROUNDS 5
#define CHOICE_MIN_EXAMPLES 32

/* Which engine the point runs on: the team when it measured faster than one thread, else the
 * team's one-thread twin (harness/model/engine_solo.h); run->threads_used and the choice's
 * figures say which and why. Returns NULL with err set when the twin cannot be made or a
 * calibration pass fails. */
static beex_engine *choose_engine(beex_engine *e, const beex_encoded *test, beex_timed_run *run,
                                  beex_exit_result *res, char *err, size_t errlen)
{
    int offered = beex_engine_threads(e);
    run->threads_used = 1;
    if (offered <= 1)
        return e;
    beex_engine *one = beex_engine_solo(e);
    if (one == NULL) {
        snprintf(err, errlen, "out of memory for the one-thread engine");
        return NULL;
    }
    int n = 2 * run->batch > CHOICE_MIN_EXAMPLES ? 2 * run->batch : CHOICE_MIN_EXAMPLES;
    calib_ctx c = {e, one, test, n < test->n ? n : test->n, run->batch, &run->policy, res};
    beex_thread_choice ch;
    if (beex_thread_choose(calib_pass, &c, offered, CHOICE_ROUNDS, &ch) != 0) {
        snprintf(err, errlen, "engine failed while choosing threads (%s, %d threads, batch %d)",
                 beex_isa_name((beex_isa)run->isa), offered, run->batch);
        return NULL;
    }
    run->threads_used = ch.used;
    run->choice_rounds = ch.rounds;
    run->choice_examples = c.n;
    run->choice_one = ch.median_one;
    run->choice_team = ch.median_team;
    run->choice_ratio = ch.ratio;
    return ch.used > 1 ? e : one;
}

int beex_sweep_timed_begin(beex_engine *e, const beex_encoded *test, const beex_replay_setup *s,
                           const int *replay_exit, const int *replay_pred, beex_timed_run *run,
                           beex_sweep_timed_state *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    int n = test->n, B = s->cfg->blocks;
    st->test = test;
    st->run = run;
    st->res = calloc((size_t)(n > 0 ? n : 1), sizeof *st->res);
    int *pred = malloc((size_t)(n > 0 ? n : 1) * sizeof *pred);
    run->seconds = malloc((size_t)run->reps * sizeof *run->seconds);
    if (!st->res || !pred || !run->seconds || n <= 0 || run->batch < 1) {
        snprintf(err, errlen, n <= 0 ? "no test examples" : "out of memory");
        goto fail;
    }
    /* The engine runs every rule of the list online; an unknown kind is refused. */
    if (beex_exit_rule_info_of((int)run->policy.kind) == NULL) {
        snprintf(err, errlen, "unknown exit rule kind %d", (int)run->policy.kind);
        goto fail;
    }
    st->e = choose_engine(e, test, run, st->res, err, errlen);
    if (st->e == NULL)
        goto fail;
    /* Warm-up pass, which is also the checked one: it feeds the SDE counters once. */
    if (one_pass(st->e, test, n, run->batch, &run->policy, st->res) != 0) {
        snprintf(err, errlen, "engine failed (%s, %d threads, batch %d)",
                 beex_isa_name((beex_isa)run->isa), run->threads, run->batch);
        goto fail;
    }
    beex_sde_record(st->res, n);
    memset(run->hist, 0, sizeof run->hist);
    double exit_sum = 0;
    run->mismatched_examples = 0;
    for (int i = 0; i < n; i++) {
        int eb = st->res[i].exit_block;
        if (eb < 1 || eb > B) {
            snprintf(err, errlen, "engine returned exit block %d for example %d", eb, i);
            goto fail;
        }
        run->hist[eb - 1]++;
        exit_sum += eb;
        pred[i] = st->res[i].prediction;
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
    free(pred);
    beex_hw_counters_init(&st->hc, run->threads_used);
    return 0;
fail:
    free(pred);
    free(st->res);
    st->res = NULL;
    beex_timed_run_free(run);
    return -1;
}

int beex_sweep_timed_rep(beex_sweep_timed_state *st, int r, char *err, size_t errlen)
{
    beex_timed_run *run = st->run;
    int n = st->test->n;
    /* Counters run around each repetition alone (PAPI_stop adds into the totals), so that
     * the passes of the configurations interleaved with this one never count here. */
    beex_hw_counters_start(&st->hc);
    double t0 = beex_now_seconds();
    int rc = one_pass(st->e, st->test, n, run->batch, &run->policy, st->res);
    run->seconds[r] = beex_now_seconds() - t0;
    beex_hw_counters_stop(&st->hc);
    if (rc != 0)
        snprintf(err, errlen, "engine failed in repetition %d", r);
    return rc;
}

void beex_sweep_timed_end(beex_sweep_timed_state *st, int ok)
{
    beex_timed_run *run = st->run;
    if (ok && run->seconds != NULL) {
        double *per_ex = malloc((size_t)run->reps * sizeof *per_ex);
        for (int r = 0; per_ex != NULL && r < run->reps; r++)
            per_ex[r] = run->seconds[r] / st->test->n;
        run->hw = beex_hw_counters_json(&st->hc);
        if (per_ex != NULL)
            run->per_example = beex_stats_of(per_ex, (size_t)run->reps);
        free(per_ex);
    }
    free(st->res);
    st->res = NULL;
}

int beex_sweep_timed_run(beex_engine *e, const beex_encoded *test, const beex_replay_setup *s,
                         const int *replay_exit, const int *replay_pred, beex_timed_run *run,
                         char *err, size_t errlen)
{
    beex_sweep_timed_state st;
    if (beex_sweep_timed_begin(e, test, s, replay_exit, replay_pred, run, &st, err, errlen) != 0)
        return -1;
    for (int r = 0; r < run->reps; r++)
        if (beex_sweep_timed_rep(&st, r, err, errlen) != 0) {
            beex_sweep_timed_end(&st, 0);
            beex_timed_run_free(run);
            return -1;
        }
    beex_sweep_timed_end(&st, 1);
    return 0;
}
