#include "harness/report/sweep_report.h"

#include <stdio.h>
#include <string.h>

#include "harness/report/atomic_file.h"
#include "harness/report/context.h"
#include "kernels/cpu.h"

json_t *beex_config_json(const beex_config *cfg)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:s, s:f}", "vocab", cfg->vocab, "d",
                     cfg->d, "heads", cfg->heads, "dff", cfg->dff, "blocks", cfg->blocks, "max_len",
                     cfg->max_len, "classes", cfg->classes, "precision",
                     beex_precision_name(cfg->precision), "ln_eps", (double)cfg->ln_eps);
}

int beex_config_from_json(const json_t *j, beex_config *cfg, char *err, size_t errlen)
{
    const char *prec = NULL;
    double eps = 1e-6;
    json_error_t je;
    *cfg = beex_config_default();
    if (json_unpack_ex((json_t *)j, &je, 0, "{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:s, s?F}",
                       "vocab", &cfg->vocab, "d", &cfg->d, "heads", &cfg->heads, "dff", &cfg->dff,
                       "blocks", &cfg->blocks, "max_len", &cfg->max_len, "classes", &cfg->classes,
                       "precision", &prec, "ln_eps", &eps) != 0) {
        snprintf(err, errlen, "model configuration: %s", je.text);
        return -1;
    }
    int p = beex_precision_parse(prec);
    if (p < 0) {
        snprintf(err, errlen, "model configuration: unknown precision '%s'", prec);
        return -1;
    }
    cfg->precision = (beex_precision)p;
    cfg->ln_eps = (float)eps;
    return beex_config_check(cfg, err, errlen) == 0 ? 0 : -1;
}

static json_t *hist_json(const int *hist, int blocks)
{
    json_t *a = json_array();
    for (int b = 0; b < blocks; b++)
        json_array_append_new(a, json_integer(hist[b]));
    return a;
}

json_t *beex_replay_point_json(const beex_replay_point *p, int blocks)
{
    json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "policy",
                          beex_policy_name(p->policy.kind), "param", p->policy.param, "metric",
                          p->metric, "accuracy", p->scores.accuracy, "f1", p->scores.f1, "mcc",
                          p->scores.mcc, "mean_exit_block", p->mean_exit, "saving", p->saving,
                          "flops", p->cost.flops, "bops", p->cost.bops, "ops", p->cost.ops);
    json_object_set_new(o, "exit_histogram", hist_json(p->hist, blocks));
    return o;
}

json_t *beex_timed_run_json(const beex_timed_run *r, int blocks)
{
    json_t *o =
        json_pack("{s:s, s:i, s:i, s:f, s:i}", "variant", beex_isa_name((beex_isa)r->isa),
                  "threads", r->threads, "batch", r->batch, "delta", r->delta, "reps", r->reps);
    json_t *samples = json_array();
    for (int i = 0; i < r->reps; i++)
        json_array_append_new(samples, json_real(r->seconds[i]));
    json_object_set_new(o, "seconds_per_pass", samples);
    const beex_stats *s = &r->per_example;
    json_object_set_new(o, "seconds_per_example",
                        json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "median", s->median, "min",
                                  s->min, "max", s->max, "mean", s->mean, "stddev", s->stddev,
                                  "p90", s->p90));
    json_object_set_new(o, "metric", json_real(r->metric));
    json_object_set_new(o, "accuracy", json_real(r->accuracy));
    json_object_set_new(o, "mean_exit_block", json_real(r->mean_exit));
    json_object_set_new(o, "exit_histogram", hist_json(r->hist, blocks));
    json_object_set_new(o, "matches_replay", json_boolean(r->matches));
    json_object_set_new(o, "mismatched_examples", json_integer(r->mismatched_examples));
    if (r->hw != NULL)
        json_object_set(o, "hardware_counters", r->hw);
    return o;
}

json_t *beex_file_json(const char *path)
{
    char fp[17];
    if (beex_file_fingerprint(path, fp) != 0)
        return json_pack("{s:s, s:s}", "path", path, "error", "cannot read");
    return json_pack("{s:s, s:s, s:s}", "path", path, "fingerprint", fp, "fingerprint_kind",
                     "fnv1a64");
}

json_t *beex_inputs_json(const char *model_path, const char *data_dir)
{
    json_t *o = json_object();
    json_object_set_new(o, "model", beex_file_json(model_path));
    json_t *data = json_object();
    static const char *const splits[] = {"train.tsv", "dev.tsv", "test.tsv"};
    for (int i = 0; i < 3; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", data_dir, splits[i]);
        json_object_set_new(data, splits[i], beex_file_json(p));
    }
    json_object_set_new(o, "data", data);
    return o;
}

json_t *beex_sweep_table_json(const beex_sweep_table *t, int blocks)
{
    json_t *o = json_object();
    json_t *pts = json_array(), *front = json_array();
    for (int i = 0; i < t->n; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "dev", beex_replay_point_json(&t->dev[i], blocks));
        json_object_set_new(p, "test", beex_replay_point_json(&t->test[i], blocks));
        json_object_set_new(p, "dev_pareto", json_boolean(t->front[i]));
        json_array_append_new(pts, p);
        if (t->front[i])
            json_array_append_new(front, json_real(t->dev[i].policy.param));
    }
    json_t *full = json_object(), *sel = json_object();
    json_object_set_new(full, "dev", beex_replay_point_json(&t->dev[t->full], blocks));
    json_object_set_new(full, "test", beex_replay_point_json(&t->test[t->full], blocks));
    json_object_set_new(sel, "rule",
                        json_string("fewest dev OPs with dev metric >= full depth "
                                    "- 0.01"));
    json_object_set_new(sel, "dev", beex_replay_point_json(&t->dev[t->selected], blocks));
    json_object_set_new(sel, "test", beex_replay_point_json(&t->test[t->selected], blocks));
    json_object_set_new(o, "full_depth", full);
    json_object_set_new(o, "selected", sel);
    json_object_set_new(o, "pareto_deltas_dev", front);
    json_object_set_new(o, "points", pts);
    return o;
}

int beex_write_replay_csv(const beex_sweep_table *t, int blocks, const char *path, char *err,
                          size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    fprintf(af.f, "policy,param,split,metric,accuracy,f1,mcc,mean_exit_block,saving,flops,bops,"
                  "ops,dev_pareto");
    for (int b = 0; b < blocks; b++)
        fprintf(af.f, ",exit_%d", b + 1);
    fputc('\n', af.f);
    for (int i = 0; i < t->n; i++)
        for (int split = 0; split < 2; split++) {
            const beex_replay_point *p = split ? &t->test[i] : &t->dev[i];
            fprintf(af.f, "%s,%.6g,%s,%.6f,%.6f,%.6f,%.6f,%.4f,%.6f,%.6g,%.6g,%.6g,%d",
                    beex_policy_name(p->policy.kind), p->policy.param, split ? "test" : "dev",
                    p->metric, p->scores.accuracy, p->scores.f1, p->scores.mcc, p->mean_exit,
                    p->saving, p->cost.flops, p->cost.bops, p->cost.ops, t->front[i]);
            for (int b = 0; b < blocks; b++)
                fprintf(af.f, ",%d", p->hist[b]);
            fputc('\n', af.f);
        }
    return beex_atomic_commit(&af, err, errlen);
}

int beex_write_pareto_csv(const beex_sweep_table *t, const char *path, char *err, size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    fprintf(af.f, "delta,dev_metric,test_metric,test_accuracy,test_mean_exit_block,test_ops,"
                  "test_saving,selected\n");
    for (int i = 0; i < t->n; i++)
        if (t->front[i])
            fprintf(af.f, "%.6g,%.6f,%.6f,%.6f,%.4f,%.6g,%.6f,%d\n", t->dev[i].policy.param,
                    t->dev[i].metric, t->test[i].metric, t->test[i].scores.accuracy,
                    t->test[i].mean_exit, t->test[i].cost.ops, t->test[i].saving, i == t->selected);
    return beex_atomic_commit(&af, err, errlen);
}

int beex_write_timed_csv(const beex_timed_run *runs, int n, const beex_sweep_table *t,
                         const char *path, char *err, size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    fprintf(af.f, "variant,threads,batch,delta,reps,median_us_per_example,min_us,max_us,p90_us,"
                  "metric,accuracy,mean_exit_block,ops,matches_replay\n");
    for (int i = 0; i < n; i++) {
        const beex_timed_run *r = &runs[i];
        fprintf(af.f, "%s,%d,%d,%.6g,%d,%.4f,%.4f,%.4f,%.4f,%.6f,%.6f,%.4f,%.6g,%d\n",
                beex_isa_name((beex_isa)r->isa), r->threads, r->batch, r->delta, r->reps,
                r->per_example.median * 1e6, r->per_example.min * 1e6, r->per_example.max * 1e6,
                r->per_example.p90 * 1e6, r->metric, r->accuracy, r->mean_exit,
                t->test[r->table_index].cost.ops, r->matches);
    }
    return beex_atomic_commit(&af, err, errlen);
}

int beex_write_hist_csv(const beex_sweep_table *t, const int *idx, int nidx, int blocks,
                        const char *path, char *err, size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    fprintf(af.f, "block");
    for (int k = 0; k < nidx; k++) {
        const beex_policy *p = &t->test[idx[k]].policy;
        if (p->kind == BEEX_POLICY_STATIC && (int)p->param == blocks)
            fprintf(af.f, ",full depth");
        else
            fprintf(af.f, ",%s=%.3g", beex_policy_name(p->kind), p->param);
    }
    fputc('\n', af.f);
    for (int b = 0; b < blocks; b++) {
        fprintf(af.f, "%d", b + 1);
        for (int k = 0; k < nidx; k++)
            fprintf(af.f, ",%d", t->test[idx[k]].hist[b]);
        fputc('\n', af.f);
    }
    return beex_atomic_commit(&af, err, errlen);
}

int beex_sweep_write_outputs(const char *dir, json_t *doc, const beex_sweep_table *t, int blocks,
                             const beex_timed_run *runs, int nruns, const int *hist_idx, int nhist,
                             char *err, size_t errlen)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/replay.csv", dir);
    if (beex_write_replay_csv(t, blocks, p, err, errlen) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/pareto.csv", dir);
    if (beex_write_pareto_csv(t, p, err, errlen) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/hist.csv", dir);
    if (beex_write_hist_csv(t, hist_idx, nhist, blocks, p, err, errlen) != 0)
        return -1;
    if (nruns > 0) {
        snprintf(p, sizeof p, "%s/timed.csv", dir);
        if (beex_write_timed_csv(runs, nruns, t, p, err, errlen) != 0)
            return -1;
    }
    json_object_set_new(doc, "replay", beex_sweep_table_json(t, blocks));
    json_t *timed = json_array();
    for (int i = 0; i < nruns; i++)
        json_array_append_new(timed, beex_timed_run_json(&runs[i], blocks));
    json_object_set_new(doc, "timed", timed);
    snprintf(p, sizeof p, "%s/sweep.json", dir);
    return beex_json_write_atomic(doc, p, err, errlen);
}

void beex_print_pareto_table(FILE *out, const beex_sweep_table *t, const char *metric_name,
                             const beex_timed_run *runs, int nruns)
{
    const beex_replay_point *full = &t->test[t->full];
    fprintf(out, "full depth: test %s %.4f, OPs %.4g per example\n", metric_name, full->metric,
            full->cost.ops);
    fprintf(out, "%11s %10s %10s %9s %12s %8s  %s\n", "delta", "dev", "test", "mean exit", "OPs",
            "saving", "median us/example (variant/threads/batch)");
    for (int i = 0; i < t->n; i++) {
        if (!t->front[i])
            continue;
        /* Neighbouring deltas with identical decisions print as one range. */
        int last = i, sel = i == t->selected;
        while (last + 1 < t->n && t->front[last + 1] &&
               t->test[last + 1].cost.ops == t->test[i].cost.ops &&
               t->test[last + 1].metric == t->test[i].metric &&
               t->dev[last + 1].metric == t->dev[i].metric) {
            last++;
            sel |= last == t->selected;
        }
        const beex_replay_point *d = &t->dev[i], *s = &t->test[i];
        char range[32];
        if (last > i)
            snprintf(range, sizeof range, "%.3g..%.3g", d->policy.param, t->dev[last].policy.param);
        else
            snprintf(range, sizeof range, "%.3g", d->policy.param);
        fprintf(out, "%11s %10.4f %10.4f %9.3f %12.4g %7.1f%%%s", range, d->metric, s->metric,
                s->mean_exit, s->cost.ops, 100 * s->saving, sel ? " *" : "  ");
        for (int r = 0; r < nruns; r++)
            if (runs[r].table_index >= i && runs[r].table_index <= last)
                fprintf(out, " %s/%d/%d:%.1f", beex_isa_name((beex_isa)runs[r].isa),
                        runs[r].threads, runs[r].batch, runs[r].per_example.median * 1e6);
        fputc('\n', out);
        i = last;
    }
    fprintf(out, "(* = selected on dev: fewest OPs within 1 point of full depth)\n");
}
