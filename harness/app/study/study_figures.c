/* A unit's figures as the aggregate uses them, read back from the files the unit wrote:
 * sweep/sweep.json (the replay's full depth, the dev-chosen points, the static-depth curve)
 * and unit.json (the deployment sizes). Reading the files, not the run's memory, lets a
 * study be re-aggregated (new columns, a later Slurm job) without running anything. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/app/study/study.h"
#include "harness/base/input_file.h"

const beex_figure_info beex_study_figures[BEEX_FIG_COUNT] = {
    {"full_depth", "test metric at full depth", 0},
    {"selected",
     "test metric at the selected point (fewest dev OPs within 1 point of full "
     "depth, all rules)",
     0},
    {"selected_ops_saved", "OPs saved at the selected point against full depth", 1},
    {"selected_iso_gain", "iso-cost gain of the selected point over static depth", 2},
    {"delta",
     "test metric at the entropy-ratio rule's own choice (fewest dev OPs within 1 "
     "point)",
     0},
    {"delta_ops_saved", "OPs saved at the entropy-ratio rule's choice", 1},
    {"delta_iso_gain", "iso-cost gain of the entropy-ratio rule's choice over static depth", 2},
    {"size_ratio", "fp32 deployment size / this precision's deployment size", 3},
};

static int number(const json_t *j, double *out)
{
    if (!json_is_number(j))
        return 0;
    *out = json_number_value(j);
    return 1;
}

/* The bootstrap interval of the unit's metric in a point's test figures ({"ci95": {"accuracy":
 * [lo, hi], ...}}), into out (NAN, NAN when absent). */
static void metric_ci(const json_t *test, const char *metric, double out[2])
{
    const json_t *r = json_object_get(json_object_get(test, "ci95"), metric);
    if (!number(json_array_get(r, 0), &out[0]) || !number(json_array_get(r, 1), &out[1]))
        out[0] = out[1] = NAN;
}

/* A chosen point ("selected", "selected_delta"): metric, saving, iso gain, OPs. */
static void chosen(const json_t *c, beex_unit_figures *f, int fig_metric, int fig_saving,
                   int fig_iso, double *ops)
{
    const json_t *test = json_object_get(c, "test");
    if (test == NULL)
        return;
    f->have[fig_metric] = number(json_object_get(test, "metric"), &f->v[fig_metric]);
    metric_ci(test, f->metric, f->ci[fig_metric]);
    f->have[fig_saving] = number(json_object_get(test, "saving"), &f->v[fig_saving]);
    number(json_object_get(test, "ops"), ops);
    const json_t *iso = json_object_get(test, "iso_cost_gain");
    f->have[fig_iso] = number(json_object_get(iso, "value"), &f->v[fig_iso]);
    double *ci = f->ci[fig_iso];
    const json_t *r = json_object_get(iso, "ci95");
    if (!number(json_array_get(r, 0), &ci[0]) || !number(json_array_get(r, 1), &ci[1]))
        ci[0] = ci[1] = NAN;
}

static void label(const json_t *finding, char *out, size_t len)
{
    const char *p = json_string_value(json_object_get(finding, "point"));
    snprintf(out, len, "%s", p ? p : "");
}

static int read_sweep(const json_t *doc, beex_unit_figures *f, const char *path, char *err,
                      size_t errlen)
{
    const json_t *replay = json_object_get(doc, "replay");
    const json_t *full = json_object_get(json_object_get(replay, "full_depth"), "test");
    const char *metric = json_string_value(
        json_object_get(json_object_get(json_object_get(doc, "settings"), "effective"), "metric"));
    if (replay == NULL || full == NULL || metric == NULL ||
        !(f->have[BEEX_FIG_FULL] = number(json_object_get(full, "metric"), &f->v[BEEX_FIG_FULL])) ||
        !number(json_object_get(full, "ops"), &f->full_ops)) {
        snprintf(err, errlen, "%s: no full-depth figures (not a beex sweep result?)", path);
        return -1;
    }
    snprintf(f->metric, sizeof f->metric, "%s", metric);
    metric_ci(full, f->metric, f->ci[BEEX_FIG_FULL]);
    chosen(json_object_get(replay, "selected"), f, BEEX_FIG_SELECTED, BEEX_FIG_SELECTED_SAVING,
           BEEX_FIG_SELECTED_ISO, &f->selected_ops);
    chosen(json_object_get(replay, "selected_delta"), f, BEEX_FIG_DELTA, BEEX_FIG_DELTA_SAVING,
           BEEX_FIG_DELTA_ISO, &f->delta_ops);
    const json_t *findings = json_object_get(doc, "findings");
    const json_t *fs = json_object_get(findings, "selected"),
                 *fd = json_object_get(findings, "selected_delta");
    label(fs, f->selected, sizeof f->selected);
    label(fd, f->delta, sizeof f->delta);
    f->selected_static = json_is_true(json_object_get(fs, "is_static_depth")) ||
                         json_is_true(json_object_get(fs, "static_in_disguise"));
    f->delta_disguise = json_is_true(json_object_get(fd, "static_in_disguise"));
    /* the static-depth curve */
    const json_t *pts = json_object_get(replay, "points");
    size_t k;
    const json_t *p;
    json_array_foreach(pts, k, p)
    {
        const char *pol = json_string_value(json_object_get(p, "policy"));
        double depth;
        if (pol == NULL || strcmp(pol, "static") != 0 ||
            !number(json_object_get(p, "param"), &depth))
            continue;
        int b = (int)depth;
        const json_t *t = json_object_get(p, "test");
        if (b < 1 || b > BEEX_STUDY_MAX_BLOCKS ||
            !number(json_object_get(t, "metric"), &f->static_metric[b - 1]) ||
            !number(json_object_get(t, "ops"), &f->static_ops[b - 1])) {
            snprintf(err, errlen, "%s: static depth %g has no test figures", path, depth);
            return -1;
        }
        if (b > f->blocks)
            f->blocks = b;
    }
    beex_study_read_speedups(doc, f);
    return 0;
}

int beex_study_unit_figures(const beex_study_plan *plan, int i, beex_unit_figures *f, char *err,
                            size_t errlen)
{
    memset(f, 0, sizeof *f);
    for (int k = 0; k < BEEX_FIG_COUNT; k++)
        f->v[k] = f->ci[k][0] = f->ci[k][1] = NAN;
    f->selected_ops = f->delta_ops = NAN;
    char path[4400];
    snprintf(path, sizeof path, "%s/units/%s/sweep/sweep.json", plan->o->out, plan->units[i].id);
    json_t *doc = beex_input_json(path, BEEX_INPUT_MAX_JSON, err, errlen);
    if (doc == NULL)
        return -1;
    int rc = read_sweep(doc, f, path, err, errlen);
    json_decref(doc);
    if (rc != 0)
        return -1;
    snprintf(path, sizeof path, "%s/units/%s/unit.json", plan->o->out, plan->units[i].id);
    doc = beex_input_json(path, BEEX_INPUT_MAX_JSON, err, errlen);
    if (doc == NULL)
        return -1;
    const json_t *size = json_object_get(json_object_get(doc, "results"), "size");
    f->have[BEEX_FIG_SIZE_RATIO] =
        number(json_object_get(size, "ratio"), &f->v[BEEX_FIG_SIZE_RATIO]);
    json_decref(doc);
    if (!f->have[BEEX_FIG_SIZE_RATIO]) {
        snprintf(err, errlen, "%s: no results.size.ratio", path);
        return -1;
    }
    return 0;
}
