#include "harness/report/sweep_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/atomic_file.h"
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

static json_t *interval_json(beex_interval ci)
{
    return json_pack("[f, f]", ci.lo, ci.hi);
}

void beex_policy_label(const beex_policy *p, char *out, size_t len)
{
    const beex_exit_rule_info *ri = beex_exit_rule_info_of((int)p->kind);
    if (ri != NULL && ri->integer_param)
        snprintf(out, len, "%s %d", ri->name, beex_exit_param_int(p->param));
    else
        snprintf(out, len, "%s %.3g", beex_policy_name(p->kind), p->param);
}

static json_t *vs_full_json(const beex_point_stats *st)
{
    return json_pack("{s:f, s:o, s:f, s:{s:I, s:I}}", "diff", st->diff_full, "ci95",
                     interval_json(st->diff_full_ci), "mcnemar_p", st->mcnemar_p, "discordant",
                     "only_this_right", (json_int_t)st->mcnemar_b, "only_full_right",
                     (json_int_t)st->mcnemar_c);
}

static json_t *iso_json(const beex_point_stats *st, const beex_replay_point *all)
{
    return json_pack("{s:f, s:o, s:[i, i], s:f}", "value", st->iso_gain, "ci95",
                     interval_json(st->iso_gain_ci), "between_static_depths",
                     (int)all[st->iso_lower].policy.param, (int)all[st->iso_upper].policy.param,
                     "weight_on_deeper", st->iso_weight);
}

/* `all` is the split's whole table (iso-cost references index into it), or NULL. */
static json_t *point_json(const beex_replay_point *p, int blocks, const beex_replay_point *all)
{
    json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:i, s:f, s:f, s:f, s:f, s:f}",
                          "policy", beex_policy_name(p->policy.kind), "param", p->policy.param,
                          "metric", p->metric, "accuracy", p->scores.accuracy, "f1", p->scores.f1,
                          "mcc", p->scores.mcc, "mean_exit_block", p->mean_exit, "mode_block",
                          p->mode_block, "mode_share", p->mode_share, "saving", p->saving, "flops",
                          p->cost.flops, "bops", p->cost.bops, "ops", p->cost.ops);
    json_object_set_new(o, "iops", json_real(p->cost.iops)); /* int8 work (w8a8), in ops */
    json_object_set_new(o, "static_equivalent",
                        p->static_equivalent ? json_integer(p->static_equivalent) : json_null());
    json_object_set_new(o, "exit_histogram", hist_json(p->hist, blocks));
    const beex_point_stats *st = &p->stats;
    if (st->valid) {
        json_object_set_new(o, "ci95",
                            json_pack("{s:o, s:o, s:o}", "accuracy", interval_json(st->ci[0]), "f1",
                                      interval_json(st->ci[1]), "mcc", interval_json(st->ci[2])));
        json_object_set_new(o, "vs_full_depth", vs_full_json(st));
        if (all != NULL && st->iso_lower >= 0)
            json_object_set_new(o, "iso_cost_gain", iso_json(st, all));
    }
    return o;
}

json_t *beex_replay_point_json(const beex_replay_point *p, int blocks)
{
    return point_json(p, blocks, NULL);
}

json_t *beex_timed_run_json(const beex_timed_run *r, int blocks)
{
    json_t *o =
        json_pack("{s:s, s:i, s:i, s:s, s:f, s:i}", "variant", beex_isa_name((beex_isa)r->isa),
                  "threads", r->threads, "batch", r->batch, "policy",
                  beex_policy_name(r->policy.kind), "param", r->policy.param, "reps", r->reps);
    /* threads is the team offered; threads_used what the passes ran on (1 when one thread
     * measured faster: harness/bench/thread_choice.h), with the measurement that chose. */
    json_object_set_new(o, "threads_used",
                        json_integer(r->threads_used > 0 ? r->threads_used : r->threads));
    if (r->choice_rounds > 0)
        json_object_set_new(o, "thread_choice",
                            json_pack("{s:i, s:i, s:f, s:f, s:f}", "rounds", r->choice_rounds,
                                      "examples", r->choice_examples, "median_seconds_one_thread",
                                      r->choice_one, "median_seconds_team", r->choice_team,
                                      "median_ratio_team_over_one", r->choice_ratio));
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
    char fp[17], sha[65];
    if (beex_file_digests(path, fp, sha) != 0)
        return json_pack("{s:s, s:s}", "path", path, "error", "cannot read");
    return json_pack("{s:s, s:s, s:s, s:s}", "path", path, "sha256", sha, "fingerprint", fp,
                     "fingerprint_kind", "fnv1a64");
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

static beex_interval metric_ci(const beex_replay_point *p, beex_metric m)
{
    return p->stats.ci[(int)m];
}

static json_t *chosen_json(const beex_sweep_table *t, int i, int blocks, const char *rule)
{
    if (i < 0)
        return json_pack("{s:s, s:n}", "rule", rule, "point");
    json_t *o = json_pack("{s:s, s:i}", "rule", rule, "index", i);
    json_object_set_new(o, "dev", point_json(&t->dev[i], blocks, t->dev));
    json_object_set_new(o, "test", point_json(&t->test[i], blocks, t->test));
    return o;
}

json_t *beex_sweep_table_json(const beex_sweep_table *t, int blocks)
{
    json_t *o = json_object();
    json_t *pts = json_array(), *front = json_array();
    beex_metric m = t->metric;
    for (int i = 0; i < t->n; i++) {
        const beex_replay_point *te = &t->test[i];
        json_t *p = json_pack("{s:s, s:f}", "policy", beex_policy_name(te->policy.kind), "param",
                              te->policy.param);
        json_object_set_new(p, "dev", point_json(&t->dev[i], blocks, t->dev));
        json_object_set_new(p, "test", point_json(te, blocks, t->test));
        json_object_set_new(p, "dev_pareto", json_boolean(t->front[i]));
        json_object_set_new(p, "dev_delta_pareto", json_boolean(t->delta_front[i]));
        /* The headline figures of the test split, where a reader looks first. */
        json_object_set_new(p, "test_ci95", interval_json(metric_ci(te, m)));
        json_object_set_new(p, "vs_full_depth", vs_full_json(&te->stats));
        json_object_set_new(p, "static_equivalent",
                            te->static_equivalent ? json_integer(te->static_equivalent)
                                                  : json_null());
        json_object_set_new(p, "mode_share", json_real(te->mode_share));
        json_object_set_new(p, "iso_cost_gain", iso_json(&te->stats, t->test));
        json_array_append_new(pts, p);
        if (t->front[i])
            json_array_append_new(front, json_pack("{s:i, s:s, s:f}", "index", i, "policy",
                                                   beex_policy_name(te->policy.kind), "param",
                                                   te->policy.param));
    }
    json_t *full = json_object();
    json_object_set_new(full, "dev", point_json(&t->dev[t->full], blocks, t->dev));
    json_object_set_new(full, "test", point_json(&t->test[t->full], blocks, t->test));
    json_object_set_new(o, "full_depth", full);
    json_object_set_new(o, "selected",
                        chosen_json(t, t->selected, blocks,
                                    "all rules: fewest dev OPs with dev metric >= full depth - "
                                    "0.01"));
    json_object_set_new(o, "selected_significance_aware",
                        chosen_json(t, t->selected_sig, blocks,
                                    "all rules: fewest dev OPs whose paired 95 % lower bound "
                                    "against full depth on dev is above -0.01"));
    json_object_set_new(o, "selected_delta",
                        chosen_json(t, t->selected_delta, blocks,
                                    "entropy-ratio rule (delta) only: fewest dev OPs with dev "
                                    "metric >= full depth - 0.01"));
    json_object_set_new(o, "front", front);
    json_object_set_new(o, "points", pts);
    return o;
}

static json_t *double_array(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

static int excludes_zero_above(beex_interval ci)
{
    return ci.lo > 0;
}

json_t *beex_sweep_findings_json(const beex_sweep_table *t, int blocks)
{
    json_t *f = json_object();
    const int chosen[3] = {t->selected, t->selected_sig, t->selected_delta};
    const char *names[3] = {"selected", "selected_significance_aware", "selected_delta"};
    for (int k = 0; k < 3; k++) {
        int i = chosen[k];
        if (i < 0) {
            json_object_set_new(f, names[k], json_null());
            continue;
        }
        const beex_replay_point *p = &t->test[i];
        int is_static = p->policy.kind == BEEX_POLICY_STATIC;
        char label[64];
        beex_policy_label(&p->policy, label, sizeof label);
        json_object_set_new(
            f, names[k],
            json_pack("{s:s, s:b, s:b, s:o, s:f, s:b, s:b}", "point", label, "is_static_depth",
                      is_static, "static_in_disguise", !is_static && p->static_equivalent > 0,
                      "static_equivalent",
                      p->static_equivalent ? json_integer(p->static_equivalent) : json_null(),
                      "test_mode_share", p->mode_share, "iso_gain_significant",
                      excludes_zero_above(p->stats.iso_gain_ci) || p->stats.iso_gain_ci.hi < 0,
                      "differs_from_full_depth_mcnemar_0_05", p->stats.mcnemar_p < 0.05));
    }
    /* Rules that beat static depth at equal cost on test with an interval excluding 0. Many
     * points are tested, so about 2.5 % of them clear the bar by chance alone: the dev-front
     * subset is the one that counts. */
    json_t *beats = json_array(), *beats_front = json_array();
    for (int i = 0; i < t->n; i++) {
        const beex_replay_point *p = &t->test[i];
        if (p->policy.kind == BEEX_POLICY_STATIC)
            continue;
        if (!excludes_zero_above(p->stats.iso_gain_ci))
            continue;
        char label[64];
        beex_policy_label(&p->policy, label, sizeof label);
        json_t *e = json_pack("{s:s, s:f, s:o}", "point", label, "iso_gain", p->stats.iso_gain,
                              "ci95", interval_json(p->stats.iso_gain_ci));
        if (t->front[i])
            json_array_append(beats_front, e);
        json_array_append_new(beats, e);
    }
    json_object_set_new(f, "rules_beating_static_depth_on_test",
                        json_pack("{s:i, s:o, s:o, s:s}", "points_tested", t->beat_tested, "all",
                                  beats, "on_dev_front", beats_front, "note",
                                  "iso-cost gain with a 95 % paired interval above 0; with many "
                                  "points tested about 2.5 % pass by chance"));
    json_object_set_new(f, "delta_within_1_point_of_full_depth",
                        json_boolean(t->selected_delta >= 0));
    json_object_set_new(f, "entropy",
                        json_pack("{s:o, s:o, s:b, s:f}", "mean_per_block_dev",
                                  double_array(t->entropy_mean_dev, blocks), "mean_per_block_test",
                                  double_array(t->entropy_mean_test, blocks),
                                  "mean_falls_with_depth", t->entropy_falls,
                                  "share_of_test_examples_rising_somewhere",
                                  t->entropy_rise_share));
    return f;
}

static void print_ci(FILE *f, beex_interval ci)
{
    fprintf(f, ",%.6f,%.6f", ci.lo, ci.hi);
}

int beex_write_replay_csv(const char *run_id, const beex_sweep_table *t, int blocks,
                          const char *path, char *err, size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    beex_metric m = t->metric;
    fprintf(af.f, "run_id,policy,param,split,metric,metric_lo,metric_hi,accuracy,accuracy_lo,"
                  "accuracy_hi,f1,f1_lo,f1_hi,mcc,mcc_lo,mcc_hi,diff_full,diff_full_lo,"
                  "diff_full_hi,mcnemar_p,iso_gain,iso_gain_lo,iso_gain_hi,mean_exit_block,"
                  "mode_block,mode_share,static_equivalent,saving,flops_per_example,"
                  "bops_per_example,ops_per_example,iops_per_example,dev_front,dev_delta_front");
    for (int b = 0; b < blocks; b++)
        fprintf(af.f, ",exit_%d", b + 1);
    fputc('\n', af.f);
    for (int i = 0; i < t->n; i++)
        for (int split = 0; split < 2; split++) {
            const beex_replay_point *p = split ? &t->test[i] : &t->dev[i];
            const beex_point_stats *st = &p->stats;
            fprintf(af.f, "%s,%s,%.6g,%s,%.6f", run_id, beex_policy_name(p->policy.kind),
                    p->policy.param, split ? "test" : "dev", p->metric);
            print_ci(af.f, metric_ci(p, m));
            fprintf(af.f, ",%.6f", p->scores.accuracy);
            print_ci(af.f, st->ci[0]);
            fprintf(af.f, ",%.6f", p->scores.f1);
            print_ci(af.f, st->ci[1]);
            fprintf(af.f, ",%.6f", p->scores.mcc);
            print_ci(af.f, st->ci[2]);
            fprintf(af.f, ",%.6f", st->diff_full);
            print_ci(af.f, st->diff_full_ci);
            fprintf(af.f, ",%.6g,%.6f", st->mcnemar_p, st->iso_gain);
            print_ci(af.f, st->iso_gain_ci);
            fprintf(af.f, ",%.4f,%d,%.6f,%d,%.6f,%.6g,%.6g,%.6g,%.6g,%d,%d", p->mean_exit,
                    p->mode_block, p->mode_share, p->static_equivalent, p->saving, p->cost.flops,
                    p->cost.bops, p->cost.ops, p->cost.iops, t->front[i], t->delta_front[i]);
            for (int b = 0; b < blocks; b++)
                fprintf(af.f, ",%d", p->hist[b]);
            fputc('\n', af.f);
        }
    return beex_atomic_commit(&af, err, errlen);
}

int beex_write_pareto_csv(const char *run_id, const beex_sweep_table *t, const char *path,
                          char *err, size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    beex_metric m = t->metric;
    int *rows = malloc((size_t)t->n * sizeof *rows), nr = 0;
    if (rows == NULL) {
        beex_atomic_abort(&af);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < t->n; i++)
        if (t->front[i] || i == t->selected || i == t->selected_sig || i == t->selected_delta)
            rows[nr++] = i;
    for (int a = 1; a < nr; a++) /* by dev OPs, stable */
        for (int b = a; b > 0 && t->dev[rows[b - 1]].cost.ops > t->dev[rows[b]].cost.ops; b--) {
            int tmp = rows[b];
            rows[b] = rows[b - 1];
            rows[b - 1] = tmp;
        }
    fprintf(af.f, "run_id,policy,param,dev_metric,dev_ops_per_example,test_metric,test_metric_lo,"
                  "test_metric_hi,test_accuracy,test_ops_per_example,test_saving,"
                  "test_mean_exit_block,static_equivalent,mode_share,diff_full,diff_full_lo,"
                  "diff_full_hi,mcnemar_p,iso_gain,iso_gain_lo,iso_gain_hi,front,selected,"
                  "selected_sig,selected_delta\n");
    for (int r = 0; r < nr; r++) {
        int i = rows[r];
        const beex_replay_point *d = &t->dev[i], *s = &t->test[i];
        const beex_point_stats *st = &s->stats;
        beex_interval ci = metric_ci(s, m);
        fprintf(af.f,
                "%s,%s,%.6g,%.6f,%.6g,%.6f,%.6f,%.6f,%.6f,%.6g,%.6f,%.4f,%d,%.6f,%.6f,%.6f,%.6f,"
                "%.6g,%.6f,%.6f,%.6f,%d,%d,%d,%d\n",
                run_id, beex_policy_name(d->policy.kind), d->policy.param, d->metric, d->cost.ops,
                s->metric, ci.lo, ci.hi, s->scores.accuracy, s->cost.ops, s->saving, s->mean_exit,
                s->static_equivalent, s->mode_share, st->diff_full, st->diff_full_ci.lo,
                st->diff_full_ci.hi, st->mcnemar_p, st->iso_gain, st->iso_gain_ci.lo,
                st->iso_gain_ci.hi, t->front[i], i == t->selected, i == t->selected_sig,
                i == t->selected_delta);
    }
    free(rows);
    return beex_atomic_commit(&af, err, errlen);
}

int beex_write_timed_csv(const char *run_id, const beex_timed_run *runs, int n,
                         const beex_sweep_table *t, const char *path, char *err, size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    beex_metric m = t->metric;
    fprintf(af.f, "run_id,variant,threads,batch,policy,param,reps,median_us_per_example,"
                  "min_us_per_example,max_us_per_example,p90_us_per_example,metric,metric_lo,"
                  "metric_hi,accuracy,mean_exit_block,ops_per_example,matches_replay\n");
    for (int i = 0; i < n; i++) {
        const beex_timed_run *r = &runs[i];
        const beex_replay_point *p = &t->test[r->table_index];
        beex_interval ci = metric_ci(p, m);
        fprintf(
            af.f, "%s,%s,%d,%d,%s,%.6g,%d,%.4f,%.4f,%.4f,%.4f,%.6f,%.6f,%.6f,%.6f,%.4f,%.6g,%d\n",
            run_id, beex_isa_name((beex_isa)r->isa), r->threads, r->batch,
            beex_policy_name(r->policy.kind), r->policy.param, r->reps, r->per_example.median * 1e6,
            r->per_example.min * 1e6, r->per_example.max * 1e6, r->per_example.p90 * 1e6, r->metric,
            ci.lo, ci.hi, r->accuracy, r->mean_exit, p->cost.ops, r->matches);
    }
    return beex_atomic_commit(&af, err, errlen);
}

/* "full depth", "delta 0.78 (= static 2)", "static 3", ... */
static void hist_label(const beex_replay_point *p, int blocks, char *out, size_t len)
{
    char label[64];
    beex_policy_label(&p->policy, label, sizeof label);
    if (p->policy.kind == BEEX_POLICY_STATIC && (int)p->policy.param == blocks)
        snprintf(out, len, "full depth");
    else if (p->policy.kind != BEEX_POLICY_STATIC && p->static_equivalent > 0)
        snprintf(out, len, "%s (= static %d)", label, p->static_equivalent);
    else
        snprintf(out, len, "%s", label);
}

int beex_write_hist_csv(const char *run_id, const beex_sweep_table *t, const int *idx, int nidx,
                        int blocks, const char *path, char *err, size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    fprintf(af.f, "%s\n", BEEX_HIST_CSV_HEADER);
    for (int k = 0; k < nidx; k++) {
        const beex_replay_point *p = &t->test[idx[k]];
        char label[96];
        hist_label(p, blocks, label, sizeof label);
        for (int b = 0; b < blocks; b++)
            fprintf(af.f, "%s,%d,%s,%s,%.6g,%d,%d,%d\n", run_id, idx[k], label,
                    beex_policy_name(p->policy.kind), p->policy.param, p->static_equivalent, b + 1,
                    p->hist[b]);
    }
    return beex_atomic_commit(&af, err, errlen);
}

int beex_sweep_write_outputs(const char *dir, json_t *doc, const beex_sweep_table *t, int blocks,
                             const beex_timed_run *runs, int nruns, const int *hist_idx, int nhist,
                             char *err, size_t errlen)
{
    /* One id for the document and every row: taken from the document, so they cannot differ. */
    const char *run_id =
        json_string_value(json_object_get(json_object_get(doc, "context"), "run_id"));
    if (run_id == NULL || run_id[0] == '\0' || strpbrk(run_id, ",\"\r\n") != NULL) {
        snprintf(err, errlen, "the document has no usable context.run_id");
        return -1;
    }
    char p[4200];
    snprintf(p, sizeof p, "%s/replay.csv", dir);
    if (beex_write_replay_csv(run_id, t, blocks, p, err, errlen) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/pareto.csv", dir);
    if (beex_write_pareto_csv(run_id, t, p, err, errlen) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/hist.csv", dir);
    if (beex_write_hist_csv(run_id, t, hist_idx, nhist, blocks, p, err, errlen) != 0)
        return -1;
    if (nruns > 0) {
        snprintf(p, sizeof p, "%s/timed.csv", dir);
        if (beex_write_timed_csv(run_id, runs, nruns, t, p, err, errlen) != 0)
            return -1;
    }
    json_object_set_new(doc, "replay", beex_sweep_table_json(t, blocks));
    json_object_set_new(doc, "findings", beex_sweep_findings_json(t, blocks));
    json_t *timed = json_array();
    for (int i = 0; i < nruns; i++)
        json_array_append_new(timed, beex_timed_run_json(&runs[i], blocks));
    json_object_set_new(doc, "timed", timed);
    snprintf(p, sizeof p, "%s/sweep.json", dir);
    return beex_json_write_atomic(doc, p, err, errlen);
}
