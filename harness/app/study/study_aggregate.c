/* The study's figures per task x precision: mean, standard deviation and the Student t
 * interval of the mean over the row's units (seeds x folds; docs/statistics.md), plus how many
 * units' own paired intervals put the entropy-ratio rule's iso-cost gain above or below 0.
 * Everything comes from the units' files in plan order, and the document holds no time, host
 * or path: the same unit results give the same bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/study/study.h"
#include "harness/base/student_t.h"
#include "harness/eval/metrics.h"

static json_t *num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* Over units: mean, sd and the Student t interval of the mean. One unit has no spread to
 * report, so its own bootstrap interval over the test examples (one_ci, NAN if none) is the
 * row's interval, and "interval" says which kind a reader has. */
static json_t *stats_json(const double *v, int n, const double one_ci[2])
{
    beex_mean_ci c;
    beex_mean_ci95(v, n, &c);
    const char *kind = n >= 2 ? "student_t_over_units" : "none";
    if (n == 1 && isfinite(one_ci[0]) && isfinite(one_ci[1])) {
        c.lo = one_ci[0], c.hi = one_ci[1];
        kind = "bootstrap_over_test_examples";
    }
    json_t *o = json_object();
    json_object_set_new(o, "n", json_integer(n));
    json_object_set_new(o, "mean", num(c.mean));
    json_object_set_new(o, "sd", num(c.sd));
    json_object_set_new(o, "ci95", json_pack("[o, o]", num(c.lo), num(c.hi)));
    json_object_set_new(o, "interval", json_string(kind));
    return o;
}

static json_t *unit_json(const beex_study_plan *plan, int i, const beex_unit_figures *f)
{
    const beex_study_unit *u = &plan->units[i];
    json_t *o = json_object(), *figs = json_object();
    json_object_set_new(o, "id", json_string(u->id));
    json_object_set_new(o, "task", json_string(plan->tasks[u->task].name));
    json_object_set_new(o, "precision",
                        json_string(beex_precision_name((beex_precision)u->precision)));
    json_object_set_new(o, "seed", json_integer((json_int_t)u->seed));
    json_object_set_new(o, "fold", u->fold >= 0 ? json_integer(u->fold) : json_null());
    json_object_set_new(o, "metric", json_string(f->metric));
    json_object_set_new(o, "selected", f->selected[0] ? json_string(f->selected) : json_null());
    json_object_set_new(o, "selected_delta", f->delta[0] ? json_string(f->delta) : json_null());
    json_object_set_new(o, "delta_static_in_disguise", json_boolean(f->delta_disguise));
    for (int k = 0; k < BEEX_FIG_COUNT; k++)
        json_object_set_new(figs, beex_study_figures[k].key,
                            f->have[k] ? num(f->v[k]) : json_null());
    json_object_set_new(o, "figures", figs);
    json_object_set_new(o, "ops_per_example",
                        json_pack("{s:o, s:o, s:o}", "full_depth", num(f->full_ops), "selected",
                                  num(f->selected_ops), "delta", num(f->delta_ops)));
    json_object_set_new(o, "selected_iso_gain_ci95",
                        json_pack("[o, o]", num(f->ci[BEEX_FIG_SELECTED_ISO][0]),
                                  num(f->ci[BEEX_FIG_SELECTED_ISO][1])));
    json_object_set_new(
        o, "delta_iso_gain_ci95",
        json_pack("[o, o]", num(f->ci[BEEX_FIG_DELTA_ISO][0]), num(f->ci[BEEX_FIG_DELTA_ISO][1])));
    return o;
}

/* The static-depth curve of a row: per depth the mean OPs and the metric's mean and sd. */
static json_t *curve_json(const beex_unit_figures *f, int n)
{
    json_t *a = json_array();
    int blocks = n > 0 ? f[0].blocks : 0;
    for (int j = 1; j < n; j++)
        if (f[j].blocks != blocks)
            return a; /* units of other depths: no common curve */
    double *m = malloc((size_t)(n > 0 ? n : 1) * sizeof *m);
    double *ops = malloc((size_t)(n > 0 ? n : 1) * sizeof *ops);
    if (m == NULL || ops == NULL) {
        free(m);
        free(ops);
        return a;
    }
    for (int b = 0; b < blocks; b++) {
        for (int j = 0; j < n; j++) {
            m[j] = f[j].static_metric[b];
            ops[j] = f[j].static_ops[b];
        }
        beex_mean_ci cm, co;
        beex_mean_ci95(m, n, &cm);
        beex_mean_ci95(ops, n, &co);
        json_array_append_new(a, json_pack("{s:i, s:o, s:o, s:o}", "depth", b + 1, "ops_mean",
                                           num(co.mean), "metric_mean", num(cm.mean), "metric_sd",
                                           num(cm.sd)));
    }
    free(m);
    free(ops);
    return a;
}

static json_t *row_json(const beex_study_plan *plan, int first, int count,
                        const beex_unit_figures *f, const int *present, json_t *missing_ids)
{
    const beex_study_unit *u0 = &plan->units[first];
    const beex_study_task *t = &plan->tasks[u0->task];
    beex_unit_figures *got = malloc((size_t)count * sizeof *got);
    double *v = malloc((size_t)count * sizeof *v);
    if (got == NULL || v == NULL) {
        free(got);
        free(v);
        return NULL;
    }
    int n = 0, above = 0, below = 0, disguise = 0, sel_static = 0, have_delta = 0;
    for (int j = 0; j < count; j++) {
        if (!present[first + j]) {
            json_array_append_new(missing_ids, json_string(plan->units[first + j].id));
            continue;
        }
        const beex_unit_figures *x = &f[first + j];
        got[n++] = *x;
        if (x->have[BEEX_FIG_DELTA]) {
            have_delta++;
            above += x->ci[BEEX_FIG_DELTA_ISO][0] > 0;
            below += x->ci[BEEX_FIG_DELTA_ISO][1] < 0;
            disguise += x->delta_disguise;
        }
        sel_static += x->selected_static;
    }
    json_t *row = json_object(), *figs = json_object();
    json_object_set_new(row, "task", json_string(t->name));
    json_object_set_new(row, "precision",
                        json_string(beex_precision_name((beex_precision)u0->precision)));
    json_object_set_new(row, "metric", json_string(beex_metric_name((beex_metric)t->metric)));
    json_object_set_new(row, "units", json_integer(n));
    json_object_set_new(row, "units_planned", json_integer(count));
    for (int k = 0; k < BEEX_FIG_COUNT; k++) {
        int m = 0;
        const double *one_ci = NULL;
        for (int j = 0; j < n; j++)
            if (got[j].have[k]) {
                v[m++] = got[j].v[k];
                one_ci = got[j].ci[k];
            }
        static const double no_ci[2] = {NAN, NAN};
        json_object_set_new(figs, beex_study_figures[k].key,
                            stats_json(v, m, one_ci != NULL ? one_ci : no_ci));
    }
    json_object_set_new(row, "figures", figs);
    json_object_set_new(row, "selected_is_static_depth", json_integer(sel_static));
    json_object_set_new(row, "delta",
                        json_pack("{s:i, s:i, s:i, s:i}", "units_with_a_choice", have_delta,
                                  "iso_gain_interval_above_0", above, "iso_gain_interval_below_0",
                                  below, "static_in_disguise", disguise));
    json_object_set_new(row, "static_depth_curve", curve_json(got, n));
    json_object_set_new(row, "speedups", beex_study_speedup_rows(got, n));
    free(got);
    free(v);
    return row;
}

json_t *beex_study_aggregate(const beex_study_plan *plan, int *missing, char *err, size_t errlen)
{
    int n = plan->n_units;
    beex_unit_figures *f = calloc((size_t)(n > 0 ? n : 1), sizeof *f);
    int *present = calloc((size_t)(n > 0 ? n : 1), sizeof *present);
    json_t *doc = NULL, *units = json_array(), *rows = json_array(), *missing_ids = json_array();
    *missing = 0;
    if (f == NULL || present == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        char why[512];
        beex_unit_state s = beex_study_unit_state(plan, i, why, sizeof why);
        if (s == BEEX_UNIT_CONFLICT) {
            snprintf(err, errlen, "%s/units/%s: made with other settings (%s)", plan->o->out,
                     plan->units[i].id, why);
            goto fail;
        }
        if (s != BEEX_UNIT_DONE) {
            (*missing)++;
            continue;
        }
        if (beex_study_unit_check_model(plan, i, err, errlen) != 0 ||
            beex_study_unit_figures(plan, i, &f[i], err, errlen) != 0)
            goto fail;
        present[i] = 1;
        json_array_append_new(units, unit_json(plan, i, &f[i]));
    }
    int per_row = plan->o->n_seeds * (plan->o->folds > 0 ? plan->o->folds : 1);
    for (int i = 0; i < n; i += per_row) {
        json_t *row = row_json(plan, i, per_row, f, present, missing_ids);
        if (row == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        json_array_append_new(rows, row);
    }
    json_t *figures = json_array();
    static const char *const kinds[] = {
        "metric (fraction; tables show points)", "fraction of full-depth OPs (tables show %)",
        "metric difference (fraction; tables show points)", "ratio"};
    for (int k = 0; k < BEEX_FIG_COUNT; k++)
        json_array_append_new(figures,
                              json_pack("{s:s, s:s, s:s}", "key", beex_study_figures[k].key, "what",
                                        beex_study_figures[k].what, "unit",
                                        kinds[beex_study_figures[k].kind]));
    doc = json_object();
    json_object_set_new(doc, "kind", json_string("beex-study"));
    json_object_set_new(doc, "format_version", json_integer(1));
    json_object_set_new(doc, "plan", beex_study_plan_json(plan));
    json_object_set_new(
        doc, "method",
        json_string(
            "per task x precision over its units (seeds x folds): mean; sd with divisor "
            "n - 1; ci95 = mean -+ t(0.975, n - 1) sd / sqrt(n) (Student t interval of "
            "the mean); a row of one unit has no sd and takes that unit's own 95 % bootstrap "
            "interval over its test examples (interval: bootstrap_over_test_examples). "
            "Each unit: test figures of its sweep, points "
            "chosen on dev; iso_gain_interval_above_0 / _below_0 count units whose own "
            "95 % paired bootstrap interval of the entropy-ratio rule's iso-cost gain "
            "excludes 0."));
    json_object_set_new(doc, "figures", figures);
    json_object_set_new(doc, "rows", rows);
    json_object_set_new(doc, "units", units);
    json_object_set_new(doc, "missing_units", missing_ids);
    free(f);
    free(present);
    return doc;
fail:
    json_decref(units);
    json_decref(rows);
    json_decref(missing_ids);
    free(f);
    free(present);
    return NULL;
}
