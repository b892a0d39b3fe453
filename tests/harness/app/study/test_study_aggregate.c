/* The study's count of units whose own paired interval puts the entropy-ratio rule's iso-cost
 * gain below 0 (or above it): an interval counts only when it excludes 0, so one that
 * straddles 0 or ends at 0 counts on neither side. Units are written by hand as the files a
 * finished unit leaves (unit.json, model.safetensors, sweep/sweep.json) and aggregated with
 * beex_study_aggregate, the path `beex study` takes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "harness/app/study/study.h"
#include "harness/base/fingerprint.h"
#include "harness/eval/metrics.h"

/* Each unit's entropy-ratio iso-gain interval, and where it lies. */
static const double intervals[][2] = {
    {-0.03, -0.01}, /* below 0 */
    {-0.02, 0.01},  /* straddles 0: neither */
    {-0.02, 0.0},   /* ends at 0: does not exclude it */
    {0.0, 0.02},    /* starts at 0: neither */
    {0.01, 0.04},   /* above 0 */
};
#define N_UNITS ((int)(sizeof intervals / sizeof intervals[0]))

static char tmp_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/beex_study_agg_XXXXXX");
    return mkdtemp(tmp_dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* One task, one precision, N_UNITS seeds: one row of N_UNITS units. */
static void make_plan(beex_study_options *o, beex_study_plan *plan)
{
    memset(o, 0, sizeof *o);
    o->tasks[0] = "tiny";
    o->n_tasks = 1;
    o->precisions[0] = BEEX_PREC_W1A1;
    o->n_precisions = 1;
    for (int s = 0; s < N_UNITS; s++)
        o->seeds[s] = (unsigned long long)s + 1;
    o->n_seeds = N_UNITS;
    o->out = tmp_dir;
    o->quick = 1;
    o->resamples = 2000;
    o->boot_seed = 1;
    memset(plan, 0, sizeof *plan);
    plan->o = o;
    plan->n_tasks = 1;
    snprintf(plan->tasks[0].name, sizeof plan->tasks[0].name, "tiny");
    plan->tasks[0].arg = "tiny";
    for (int s = 0; s < 3; s++)
        snprintf(plan->tasks[0].fp[s], sizeof plan->tasks[0].fp[s], "%016d", s);
    plan->tasks[0].metric = BEEX_METRIC_ACCURACY;
    plan->units = calloc(N_UNITS, sizeof *plan->units);
    assert_non_null(plan->units);
    plan->n_units = N_UNITS;
    for (int i = 0; i < N_UNITS; i++) {
        beex_study_unit *u = &plan->units[i];
        snprintf(u->id, sizeof u->id, "tiny-w1a1-s%d", i + 1);
        u->precision = BEEX_PREC_W1A1;
        u->seed = o->seeds[i];
        u->fold = -1;
        u->train.cfg.precision = BEEX_PREC_W1A1;
    }
}

static void write_json(json_t *doc, const char *path)
{
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
    json_decref(doc);
}

/* The files of a finished unit: its settings as the plan records them, a model, and a sweep
 * of that model whose entropy-ratio choice has the given iso-gain interval. */
static void write_unit(const beex_study_plan *plan, int i, const double ci[2])
{
    char dir[320], p[400], fp[17];
    snprintf(dir, sizeof dir, "%s/units/%s", tmp_dir, plan->units[i].id);
    snprintf(p, sizeof p, "%s/units", tmp_dir);
    mkdir(p, 0777);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(p, sizeof p, "%s/sweep", dir);
    assert_int_equal(mkdir(p, 0777), 0);
    snprintf(p, sizeof p, "%s/model.safetensors", dir);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fprintf(f, "model of unit %d", i);
    fclose(f);
    assert_int_equal(beex_file_fingerprint(p, fp), 0);

    snprintf(p, sizeof p, "%s/unit.json", dir);
    write_json(json_pack("{s:o, s:{s:{s:f}}}", "settings", beex_study_unit_settings(plan, i),
                         "results", "size", "ratio", 20.0),
               p);
    json_t *test =
        json_pack("{s:f, s:f, s:f, s:{s:f, s:[f, f]}}", "metric", 0.79, "saving", 0.3, "ops", 70.0,
                  "iso_cost_gain", "value", (ci[0] + ci[1]) / 2, "ci95", ci[0], ci[1]);
    json_t *sweep = json_pack("{s:{s:{s:s}}, s:{s:{s:s}}, s:{s:{s:{s:f, s:f}}, s:{s:o}, s:[]}}",
                              "settings", "effective", "metric", "accuracy", "inputs", "model",
                              "fingerprint", fp, "replay", "full_depth", "test", "metric", 0.8,
                              "ops", 100.0, "selected_delta", "test", test, "points");
    snprintf(p, sizeof p, "%s/sweep/sweep.json", dir);
    write_json(sweep, p);
}

static void iso_gain_counts_exclude_zero(void **state)
{
    (void)state;
    beex_study_options o;
    beex_study_plan plan;
    make_plan(&o, &plan);
    for (int i = 0; i < N_UNITS; i++) {
        write_unit(&plan, i, intervals[i]);
        assert_int_equal(beex_study_unit_state(&plan, i, NULL, 0), BEEX_UNIT_DONE);
    }
    char err[512] = "";
    int missing = -1;
    json_t *doc = beex_study_aggregate(&plan, &missing, err, sizeof err);
    if (doc == NULL)
        fail_msg("aggregate: %s", err);
    assert_int_equal(missing, 0);
    const json_t *rows = json_object_get(doc, "rows");
    assert_int_equal(json_array_size(rows), 1);
    const json_t *delta = json_object_get(json_array_get(rows, 0), "delta");
    assert_int_equal(json_integer_value(json_object_get(delta, "units_with_a_choice")), N_UNITS);
    /* Only {-0.03, -0.01} lies below 0, only {0.01, 0.04} above it. */
    assert_int_equal(json_integer_value(json_object_get(delta, "iso_gain_interval_below_0")), 1);
    assert_int_equal(json_integer_value(json_object_get(delta, "iso_gain_interval_above_0")), 1);
    json_decref(doc);
    beex_study_plan_free(&plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(iso_gain_counts_exclude_zero, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
