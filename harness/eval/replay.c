#include "harness/eval/replay.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/exit.h"

const char *beex_policy_name(beex_policy_kind k)
{
    const beex_exit_rule_info *ri = beex_exit_rule_info_of((int)k);
    return ri != NULL ? ri->name : "unknown";
}

int beex_policy_exit_block(const beex_trace *t, int i, const beex_policy *p)
{
    const beex_exit_rule_info *ri = beex_exit_rule_info_of((int)p->kind);
    beex_exit_row rows[BEEX_MAX_BLOCKS];
    int B = t->blocks < BEEX_MAX_BLOCKS ? t->blocks : BEEX_MAX_BLOCKS;
    beex_exit_rows_of(t->logits + (size_t)i * t->blocks * t->classes,
                      t->entropy + (size_t)i * t->blocks, B, t->classes, ri != NULL ? ri->uses : 0,
                      rows);
    return beex_exit_offline(p, rows, B);
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
        beex_cost c, f;
        if (t->cost != NULL) { /* another tool's trace: its own costs (trace_byo.h) */
            c = t->cost[(size_t)i * t->blocks + (e - 1)];
            f = t->cost[(size_t)i * t->blocks + (t->blocks - 1)];
        } else {
            c = beex_cost_until(s->cfg, s->precision, t->len[i], e);
            f = beex_cost_until(s->cfg, s->precision, t->len[i], t->blocks);
        }
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
    int count[BEEX_EXIT_RULE_COUNT], cap = 0;
    for (int k = 0; k < BEEX_EXIT_RULE_COUNT; k++) {
        count[k] = beex_exit_rules[k]->grid(blocks, classes, quick, NULL);
        if (count[k] < 0)
            return -1;
        cap += count[k];
    }
    beex_policy *g = malloc((size_t)(cap > 0 ? cap : 1) * sizeof *g);
    double *param = malloc((size_t)(cap > 0 ? cap : 1) * sizeof *param);
    if (g == NULL || param == NULL) {
        free(g);
        free(param);
        return -1;
    }
    int n = 0;
    for (int k = 0; k < BEEX_EXIT_RULE_COUNT; k++) {
        beex_exit_rules[k]->grid(blocks, classes, quick, param + n);
        for (int j = 0; j < count[k]; j++, n++)
            g[n] = (beex_policy){(beex_exit_kind)k, param[n]};
    }
    free(param);
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
