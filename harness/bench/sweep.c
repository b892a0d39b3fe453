/* Replay of the whole policy grid on dev and test, the dev Pareto front of the paper's rule,
 * and the choice of the points worth timing. Thresholds are chosen on dev only; the test
 * figures are what gets reported. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/bench/sweep.h"

void beex_sweep_table_free(beex_sweep_table *t)
{
    free(t->dev);
    free(t->test);
    free(t->front);
    memset(t, 0, sizeof *t);
}

int beex_sweep_replay_all(const beex_trace *dev, const beex_trace *test, const beex_replay_setup *s,
                          int quick, beex_sweep_table *out)
{
    memset(out, 0, sizeof *out);
    beex_policy *grid;
    int n = beex_policy_grid(s->cfg->blocks, s->cfg->classes, quick, &grid);
    if (n < 0)
        return -1;
    out->n = n;
    out->dev = calloc((size_t)n, sizeof *out->dev);
    out->test = calloc((size_t)n, sizeof *out->test);
    out->front = calloc((size_t)n, sizeof *out->front);
    double *cost = malloc((size_t)n * sizeof *cost), *qual = malloc((size_t)n * sizeof *qual);
    int *idx = malloc((size_t)n * sizeof *idx), *mark = malloc((size_t)n * sizeof *mark);
    int rc = -1;
    if (!out->dev || !out->test || !out->front || !cost || !qual || !idx || !mark)
        goto done;
    out->full = -1;
    for (int i = 0; i < n; i++) {
        if (beex_replay(dev, &grid[i], s, &out->dev[i], NULL, NULL) != 0 ||
            beex_replay(test, &grid[i], s, &out->test[i], NULL, NULL) != 0)
            goto done;
        if (grid[i].kind == BEEX_POLICY_STATIC && (int)grid[i].param == s->cfg->blocks)
            out->full = i;
    }
    /* Pareto front of the paper's rule on dev. */
    int m = 0;
    for (int i = 0; i < n; i++)
        if (grid[i].kind == BEEX_POLICY_DELTA) {
            idx[m] = i;
            cost[m] = out->dev[i].cost.ops;
            qual[m] = out->dev[i].metric;
            m++;
        }
    beex_pareto_mark(cost, qual, m, mark);
    for (int k = 0; k < m; k++)
        out->front[idx[k]] = mark[k];
    /* The paper's goal: fewest OPs within one point (0.01) of full depth, judged on dev. */
    double floor = out->dev[out->full].metric - 0.01;
    out->selected = -1;
    for (int k = 0; k < m; k++) {
        int i = idx[k];
        if (out->dev[i].metric >= floor - 1e-12 &&
            (out->selected < 0 || out->dev[i].cost.ops < out->dev[out->selected].cost.ops))
            out->selected = i;
    }
    rc = out->selected >= 0 && out->full >= 0 ? 0 : -1;
done:
    free(grid);
    free(cost);
    free(qual);
    free(idx);
    free(mark);
    if (rc != 0)
        beex_sweep_table_free(out);
    return rc;
}

static int cmp_by_ops(const void *a, const void *b, const beex_sweep_table *t)
{
    double x = t->dev[*(const int *)a].cost.ops, y = t->dev[*(const int *)b].cost.ops;
    return (x > y) - (x < y);
}

int beex_sweep_timed_points(const beex_sweep_table *t, int max_points, int *idx)
{
    /* Distinct front points (many deltas give identical decisions): keep one per cost. */
    int *f = malloc((size_t)t->n * sizeof *f);
    if (f == NULL || max_points < 1)
        return (free(f), 0);
    int m = 0;
    for (int i = 0; i < t->n; i++) {
        if (!t->front[i])
            continue;
        int dup = 0;
        for (int k = 0; k < m && !dup; k++)
            dup = t->dev[f[k]].cost.ops == t->dev[i].cost.ops &&
                  t->dev[f[k]].metric == t->dev[i].metric;
        if (!dup)
            f[m++] = i;
    }
    /* insertion sort by dev OPs (m is small) */
    for (int a = 1; a < m; a++)
        for (int b = a; b > 0 && cmp_by_ops(&f[b - 1], &f[b], t) > 0; b--) {
            int tmp = f[b];
            f[b] = f[b - 1];
            f[b - 1] = tmp;
        }
    int n = 0;
    if (m <= max_points) {
        for (int k = 0; k < m; k++)
            idx[n++] = f[k];
    } else {
        /* Evenly spaced along the front, both ends included, plus the selected point. */
        for (int k = 0; k < max_points - 1; k++)
            idx[n++] =
                f[(int)lround((double)k * (m - 1) / (max_points - 2 > 0 ? max_points - 2 : 1))];
        idx[n++] = t->selected;
        /* drop duplicates */
        int w = 0;
        for (int k = 0; k < n; k++) {
            int dup = 0;
            for (int j = 0; j < w && !dup; j++)
                dup = idx[j] == idx[k];
            if (!dup)
                idx[w++] = idx[k];
        }
        n = w;
    }
    int has_sel = 0;
    for (int k = 0; k < n; k++)
        has_sel |= idx[k] == t->selected;
    if (!has_sel && t->selected >= 0)
        idx[n > max_points - 1 ? max_points - 1 : n++] = t->selected;
    free(f);
    return n;
}
