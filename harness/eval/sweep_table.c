#include "harness/eval/sweep_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void beex_sweep_table_free(beex_sweep_table *t)
{
    free(t->dev);
    free(t->test);
    free(t->front);
    free(t->delta_front);
    memset(t, 0, sizeof *t);
}

/* For every point, the two static depths whose mean OPs bracket its own on this split, and
 * the interpolation weight on the upper one (docs/statistics.md: iso-cost gain). Static OPs grow
 * with depth, so the bracket is found by a scan. */
static void iso_references(const beex_replay_point *pts, int n, const int *static_index, int blocks,
                           int *lower, int *upper, double *weight)
{
    for (int p = 0; p < n; p++) {
        double x = pts[p].cost.ops;
        int lo = 0, hi = blocks - 1;
        for (int k = 0; k < blocks; k++)
            if (pts[static_index[k]].cost.ops <= x)
                lo = k;
        hi = lo;
        if (lo < blocks - 1 && pts[static_index[lo]].cost.ops < x)
            hi = lo + 1;
        double a = pts[static_index[lo]].cost.ops, b = pts[static_index[hi]].cost.ops;
        lower[p] = static_index[lo];
        upper[p] = static_index[hi];
        weight[p] = hi > lo && b > a ? (x - a) / (b - a) : 0.0;
        if (weight[p] > 1)
            weight[p] = 1;
    }
}

static void entropy_summary(const beex_trace *t, double *mean, double *rise_share)
{
    for (int b = 0; b < t->blocks; b++)
        mean[b] = 0;
    long rises = 0;
    for (int i = 0; i < t->n; i++) {
        const float *h = t->entropy + (size_t)i * t->blocks;
        int rose = 0;
        for (int b = 0; b < t->blocks; b++) {
            mean[b] += h[b];
            rose |= b > 0 && h[b] > h[b - 1];
        }
        rises += rose;
    }
    for (int b = 0; b < t->blocks; b++)
        mean[b] /= t->n > 0 ? t->n : 1;
    if (rise_share != NULL)
        *rise_share = t->n > 0 ? (double)rises / t->n : 0;
}

/* Fewest dev OPs among points passing `ok`; ties go to the higher dev metric, then to a
 * static depth (a rule that decides exactly like one is that static depth, and says so
 * plainly), then to the grid order. */
static int fewest_ops(const beex_sweep_table *t, const int *ok)
{
    int best = -1;
    for (int i = 0; i < t->n; i++) {
        if (!ok[i])
            continue;
        const beex_replay_point *d = &t->dev[i];
        if (best < 0) {
            best = i;
            continue;
        }
        const beex_replay_point *b = &t->dev[best];
        int cheaper = d->cost.ops < b->cost.ops, same = d->cost.ops == b->cost.ops;
        int better = d->metric > b->metric, tie = d->metric == b->metric;
        int prefer_static =
            d->policy.kind == BEEX_POLICY_STATIC && b->policy.kind != BEEX_POLICY_STATIC;
        if (cheaper || (same && better) || (same && tie && prefer_static))
            best = i;
    }
    return best;
}

static int score_split(const beex_trace *tr, const beex_policy *grid, int n,
                       const beex_replay_setup *s, beex_replay_point *pts, int *preds)
{
    for (int i = 0; i < n; i++)
        if (beex_replay(tr, &grid[i], s, &pts[i], NULL, preds + (size_t)i * tr->n) != 0)
            return -1;
    return 0;
}

static int bootstrap_split(const beex_trace *tr, const beex_replay_setup *s,
                           const beex_sweep_table_options *o, const int *preds, beex_sweep_table *t,
                           beex_replay_point *pts, char *err, size_t errlen)
{
    int n = t->n, B = s->cfg->blocks, rc = -1;
    int *lower = malloc((size_t)n * sizeof *lower), *upper = malloc((size_t)n * sizeof *upper);
    double *weight = malloc((size_t)n * sizeof *weight);
    beex_point_stats *st = malloc((size_t)n * sizeof *st);
    if (!lower || !upper || !weight || !st) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    iso_references(pts, n, t->static_index, B, lower, upper, weight);
    beex_bootstrap_setup bs = {tr->n,     s->cfg->classes, s->positive, s->metric,
                               tr->label, o->resamples,    o->seed,     0.95};
    if (beex_bootstrap_points(&bs, preds, n, t->full, lower, upper, weight, st, err, errlen) != 0)
        goto done;
    for (int i = 0; i < n; i++)
        pts[i].stats = st[i];
    rc = 0;
done:
    free(lower);
    free(upper);
    free(weight);
    free(st);
    return rc;
}

int beex_sweep_replay_all(const beex_trace *dev, const beex_trace *test, const beex_replay_setup *s,
                          const beex_sweep_table_options *o, beex_sweep_table *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof *out);
    int B = s->cfg->blocks;
    if (dev->n <= 0 || test->n <= 0 || dev->blocks != B || test->blocks != B ||
        dev->classes != s->cfg->classes || test->classes != s->cfg->classes) {
        snprintf(err, errlen,
                 "traces (%d dev, %d test examples; %d x %d) do not fit the model (%d blocks, "
                 "%d classes) or are empty",
                 dev->n, test->n, dev->blocks, dev->classes, B, s->cfg->classes);
        return -1;
    }
    beex_policy *grid;
    int n = beex_policy_grid(B, s->cfg->classes, o->quick, &grid);
    if (n < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    out->n = n;
    out->metric = s->metric;
    out->blocks = B;
    out->dev = calloc((size_t)n, sizeof *out->dev);
    out->test = calloc((size_t)n, sizeof *out->test);
    out->front = calloc((size_t)n, sizeof *out->front);
    out->delta_front = calloc((size_t)n, sizeof *out->delta_front);
    int *dpred = malloc((size_t)n * dev->n * sizeof *dpred);
    int *tpred = malloc((size_t)n * test->n * sizeof *tpred);
    double *cost = malloc((size_t)n * sizeof *cost), *qual = malloc((size_t)n * sizeof *qual);
    int *ok = malloc((size_t)n * sizeof *ok);
    int rc = -1;
    snprintf(err, errlen, "out of memory");
    if (!out->dev || !out->test || !out->front || !out->delta_front || !dpred || !tpred || !cost ||
        !qual || !ok)
        goto done;
    snprintf(err, errlen, "replay failed (a label or prediction outside the classes)");
    if (score_split(dev, grid, n, s, out->dev, dpred) != 0 ||
        score_split(test, grid, n, s, out->test, tpred) != 0)
        goto done;
    out->full = -1;
    for (int i = 0; i < n; i++)
        if (grid[i].kind == BEEX_POLICY_STATIC) {
            int k = (int)grid[i].param;
            out->static_index[k - 1] = i;
            if (k == B)
                out->full = i;
        }
    if (bootstrap_split(dev, s, o, dpred, out, out->dev, err, errlen) != 0 ||
        bootstrap_split(test, s, o, tpred, out, out->test, err, errlen) != 0)
        goto done;

    /* Fronts on dev: all rules together, and the paper's rule alone. */
    for (int i = 0; i < n; i++) {
        cost[i] = out->dev[i].cost.ops;
        qual[i] = out->dev[i].metric;
        ok[i] = grid[i].kind == BEEX_POLICY_DELTA;
    }
    beex_pareto_mark(cost, qual, NULL, n, out->front);
    beex_pareto_mark(cost, qual, ok, n, out->delta_front);

    /* Selections. Full depth always passes the first two, so they always exist. */
    double floor = out->dev[out->full].metric - BEEX_SELECTION_TOLERANCE - 1e-12;
    for (int i = 0; i < n; i++)
        ok[i] = out->dev[i].metric >= floor;
    out->selected = fewest_ops(out, ok);
    for (int i = 0; i < n; i++)
        ok[i] =
            i == out->full || out->dev[i].stats.diff_full_ci.lo > -BEEX_SELECTION_TOLERANCE + 1e-12;
    out->selected_sig = fewest_ops(out, ok);
    for (int i = 0; i < n; i++)
        ok[i] = grid[i].kind == BEEX_POLICY_DELTA && out->dev[i].metric >= floor;
    out->selected_delta = fewest_ops(out, ok);

    entropy_summary(dev, out->entropy_mean_dev, NULL);
    entropy_summary(test, out->entropy_mean_test, &out->entropy_rise_share);
    out->entropy_falls = 1;
    for (int b = 1; b < B; b++)
        out->entropy_falls &= out->entropy_mean_test[b] <= out->entropy_mean_test[b - 1];
    for (int i = 0; i < n; i++)
        if (grid[i].kind != BEEX_POLICY_STATIC) {
            int beats = out->test[i].stats.iso_gain_ci.lo > 0;
            out->beat_tested++;
            out->beat_all += beats;
            out->beat_front += beats && out->front[i];
        }
    rc = 0;
done:
    free(grid);
    free(dpred);
    free(tpred);
    free(cost);
    free(qual);
    free(ok);
    if (rc != 0)
        beex_sweep_table_free(out);
    return rc;
}

static void sort_by_dev_ops(const beex_sweep_table *t, int *f, int m)
{
    for (int a = 1; a < m; a++)
        for (int b = a; b > 0 && t->dev[f[b - 1]].cost.ops > t->dev[f[b]].cost.ops; b--) {
            int tmp = f[b];
            f[b] = f[b - 1];
            f[b - 1] = tmp;
        }
}

static int same_decisions(const beex_sweep_table *t, int a, int b)
{
    return t->dev[a].cost.ops == t->dev[b].cost.ops && t->dev[a].metric == t->dev[b].metric &&
           t->test[a].cost.ops == t->test[b].cost.ops && t->test[a].metric == t->test[b].metric;
}

/* by_decisions: also skip a point deciding like one already taken (front points); chosen
 * points are timed under their own names even then, so every speed-up finds its pair. */
static int add_unique(const beex_sweep_table *t, int *idx, int n, int i, int by_decisions)
{
    if (i < 0)
        return n;
    for (int k = 0; k < n; k++)
        if (idx[k] == i || (by_decisions && same_decisions(t, idx[k], i)))
            return n;
    idx[n] = i;
    return n + 1;
}

int beex_sweep_timed_points(const beex_sweep_table *t, int max_points, int *idx)
{
    if (max_points < 1)
        return 0;
    int *f = malloc((size_t)t->n * sizeof *f);
    if (f == NULL)
        return 0;
    /* The selected point and full depth (the reference of every speed-up) first, then the
     * other chosen points, so that they are always timed. */
    int n = 0;
    n = add_unique(t, idx, n, t->selected, 0);
    if (n < max_points)
        n = add_unique(t, idx, n, t->full, 0);
    if (n < max_points)
        n = add_unique(t, idx, n, t->selected_delta, 0);
    if (n < max_points)
        n = add_unique(t, idx, n, t->selected_sig, 0);
    /* Then front points (the engine runs every rule online: model/exit.h), evenly spread by dev OPs
     * (both ends first). */
    int m = 0;
    for (int i = 0; i < t->n; i++)
        if (t->front[i])
            f[m++] = i;
    sort_by_dev_ops(t, f, m);
    int slots = max_points - n;
    for (int k = 0; k < slots && m > 0; k++) {
        int j = slots > 1 ? (int)lround((double)k * (m - 1) / (slots - 1)) : m - 1;
        n = add_unique(t, idx, n, f[j], 1);
    }
    /* Fill remaining slots with any other front point, cheapest first. */
    for (int k = 0; k < m && n < max_points; k++)
        n = add_unique(t, idx, n, f[k], 1);
    free(f);
    /* Report in order of dev OPs. */
    sort_by_dev_ops(t, idx, n);
    return n;
}
