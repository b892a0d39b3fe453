#include "harness/eval/replay.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/canon_math.h"
#include "harness/model/exit.h"

static const char *const policy_names[BEEX_POLICY_KINDS] = {"delta", "entropy", "patience",
                                                            "static"};

const char *beex_policy_name(beex_policy_kind k)
{
    return (unsigned)k < BEEX_POLICY_KINDS ? policy_names[k] : "unknown";
}

int beex_policy_exit_block(const beex_trace *t, int i, const beex_policy *p)
{
    const float *h = t->entropy + (size_t)i * t->blocks;
    switch (p->kind) {
    case BEEX_POLICY_DELTA:
        return beex_exit_entropy_ratio(h, t->blocks, p->param);
    case BEEX_POLICY_ENTROPY:
        return beex_exit_entropy_abs(h, t->blocks, p->param);
    case BEEX_POLICY_PATIENCE: {
        int am[BEEX_MAX_BLOCKS];
        for (int b = 0; b < t->blocks; b++)
            am[b] = beex_argmax(t->logits + ((size_t)i * t->blocks + b) * t->classes, t->classes);
        return beex_exit_patience(am, t->blocks, (int)p->param);
    }
    case BEEX_POLICY_STATIC:
    default:
        return beex_exit_static(t->blocks, (int)p->param);
    }
}

int beex_replay(const beex_trace *t, const beex_policy *p, const beex_replay_setup *s,
                beex_replay_point *out, int *exit_blocks, int *preds)
{
    if (t->n <= 0 || t->blocks > BEEX_MAX_BLOCKS || t->classes != s->cfg->classes ||
        t->blocks != s->cfg->blocks)
        return -1;
    memset(out, 0, sizeof *out);
    out->policy = *p;
    int *pred = malloc((size_t)t->n * sizeof *pred);
    int *lab = malloc((size_t)t->n * sizeof *lab);
    if (pred == NULL || lab == NULL) {
        free(pred);
        free(lab);
        return -1;
    }
    double flops = 0, bops = 0, iops = 0, full_ops = 0, exit_sum = 0;
    for (int i = 0; i < t->n; i++) {
        int e = beex_policy_exit_block(t, i, p);
        const float *z = t->logits + ((size_t)i * t->blocks + (e - 1)) * t->classes;
        pred[i] = beex_argmax(z, t->classes);
        lab[i] = t->label[i];
        out->hist[e - 1]++;
        exit_sum += e;
        beex_cost c = beex_cost_until(s->cfg, s->precision, t->len[i], e);
        beex_cost f = beex_cost_until(s->cfg, s->precision, t->len[i], t->blocks);
        flops += c.flops;
        bops += c.bops;
        iops += c.iops;
        full_ops += f.ops;
        if (exit_blocks != NULL)
            exit_blocks[i] = e;
        if (preds != NULL)
            preds[i] = pred[i];
    }
    int rc = beex_scores_of(lab, pred, t->n, t->classes, s->positive, &out->scores);
    free(pred);
    free(lab);
    if (rc != 0)
        return -1;
    out->metric = beex_scores_get(&out->scores, s->metric);
    out->mean_exit = exit_sum / t->n;
    out->mode_block = 1;
    for (int b = 1; b < t->blocks; b++)
        if (out->hist[b] > out->hist[out->mode_block - 1])
            out->mode_block = b + 1;
    out->mode_share = (double)out->hist[out->mode_block - 1] / t->n;
    out->static_equivalent = out->mode_share >= BEEX_STATIC_EQUIVALENT_SHARE ? out->mode_block : 0;
    out->cost.flops = flops / t->n;
    out->cost.bops = bops / t->n;
    out->cost.iops = iops / t->n;
    out->cost.ops = beex_cost_ops(out->cost.flops, out->cost.iops, out->cost.bops);
    out->saving = full_ops > 0 ? 1.0 - out->cost.ops * t->n / full_ops : 0.0;
    return 0;
}

int beex_policy_grid(int blocks, int classes, int quick, beex_policy **out)
{
    int step = quick ? 5 : 1;
    int n_delta = 150 / step + 2, n_tau = 100 / step + 1;
    int cap = n_delta + n_tau + 2 * blocks;
    beex_policy *g = malloc((size_t)cap * sizeof *g);
    if (g == NULL)
        return -1;
    int n = 0;
    /* Integer steps so that the printed values are exactly the grid (-0.50, -0.49, ...). */
    for (int k = -50; k <= 100; k += step)
        g[n++] = (beex_policy){BEEX_POLICY_DELTA, k / 100.0};
    g[n++] = (beex_policy){BEEX_POLICY_DELTA, 1.01};
    double hmax = beex_canon_log((double)(classes > 1 ? classes : 2));
    for (int k = 0; k <= 100; k += step)
        g[n++] = (beex_policy){BEEX_POLICY_ENTROPY, hmax * k / 100.0};
    for (int p = 1; p < blocks; p++)
        g[n++] = (beex_policy){BEEX_POLICY_PATIENCE, p};
    for (int k = 1; k <= blocks; k++)
        g[n++] = (beex_policy){BEEX_POLICY_STATIC, k};
    *out = g;
    return n;
}

void beex_pareto_mark(const double *cost, const double *quality, const int *include, int n,
                      int *on_front)
{
    for (int i = 0; i < n; i++) {
        on_front[i] = include == NULL || include[i];
        for (int j = 0; j < n && on_front[i]; j++) {
            if (j == i || (include != NULL && !include[j]))
                continue;
            int no_worse = cost[j] <= cost[i] && quality[j] >= quality[i];
            int better = cost[j] < cost[i] || quality[j] > quality[i];
            if (no_worse && better)
                on_front[i] = 0;
        }
    }
}
