/* `beex sweep --trace-files DEV TEST`: the offline half of a sweep on another tool's traces
 * (docs/traces.md). The same replay, intervals, fronts, selections, findings and files as a
 * model's sweep, with each example charged the costs its trace brings; there is no model to
 * time, so no timed runs. Thresholds are chosen on dev before test is looked at, and an
 * optional temperature per exit is fitted on dev alone. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/sweep_run.h"
#include "harness/base/atomic_file.h"
#include "harness/eval/labels.h"
#include "harness/eval/temperature.h"
#include "harness/eval/trace_byo.h"
#include "harness/report/context.h"
#include "harness/report/run_dir.h"
#include "harness/report/sweep_report.h"
#include "harness/report/sweep_summary.h"

typedef struct {
    beex_byo_trace dev, test;
    beex_sweep_table table;
    json_t *doc;
    double T[BEEX_MAX_BLOCKS], nll_before[BEEX_MAX_BLOCKS], nll_after[BEEX_MAX_BLOCKS];
} byo_state;

/* The headline metric: --metric, else the traces' "metric", else accuracy. */
static beex_metric pick_metric(const beex_sweep_options *o, const byo_state *s)
{
    if (o->metric >= 0)
        return (beex_metric)o->metric;
    const char *m = s->dev.h.metric[0] ? s->dev.h.metric : s->test.h.metric;
    int k = m[0] ? beex_metric_parse(m) : -1;
    return k >= 0 ? (beex_metric)k : BEEX_METRIC_ACCURACY;
}

/* The positive class by the rule of labels.h, over the traces' class names: --positive, else
 * the traces' "positive", else the usual names. Returns it, -1 (macro F1), or -2 with err. */
static int pick_positive(const beex_sweep_options *o, const byo_state *s, char *err, size_t errlen)
{
    beex_model names;
    memset(&names, 0, sizeof names);
    names.cfg.classes = s->dev.h.classes;
    names.labels = s->dev.h.class_names;
    const char *want = o->positive             ? o->positive
                       : s->dev.h.positive[0]  ? s->dev.h.positive
                       : s->test.h.positive[0] ? s->test.h.positive
                                               : NULL;
    return beex_positive_class(&names, want, err, errlen);
}

/* A trace file inside --out would be deleted when --overwrite replaces the folder. */
static int out_holds_file(const char *out, const char *file)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", file);
    return beex_sweep_out_holds(out, dirname(copy));
}

static void calibrate(byo_state *s)
{
    int B = s->dev.t.blocks;
    for (int b = 0; b < B; b++) {
        s->nll_before[b] = beex_temperature_nll(&s->dev.t, b, 1.0);
        s->T[b] = beex_temperature_fit(&s->dev.t, b);
        s->nll_after[b] = beex_temperature_nll(&s->dev.t, b, s->T[b]);
    }
    beex_temperature_apply(&s->dev.t, s->T);
    beex_temperature_apply(&s->test.t, s->T);
}

static json_t *doubles(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

static json_t *names_json(const beex_byo_header *h)
{
    json_t *a = json_array();
    for (int c = 0; c < h->classes; c++)
        json_array_append_new(a, json_string(h->class_names[c]));
    return a;
}

static json_t *settings_json(const beex_sweep_options *o, beex_metric metric, int positive,
                             const byo_state *s)
{
    json_t *req = json_object(), *eff = json_object();
    json_object_set_new(req, "trace_files",
                        json_pack("[s, s]", o->trace_files[0], o->trace_files[1]));
    json_object_set_new(req, "quick", json_boolean(o->quick));
    json_object_set_new(req, "no_timed", json_boolean(o->no_timed));
    json_object_set_new(req, "calibrate_temperature", json_boolean(o->calibrate_temperature));
    json_object_set_new(req, "resamples", json_integer(o->resamples));
    json_object_set_new(req, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(req, "positive", o->positive ? json_string(o->positive) : json_null());
    json_object_set_new(eff, "metric", json_string(beex_metric_name(metric)));
    json_object_set_new(eff, "positive_class",
                        positive >= 0 ? json_string(s->dev.h.class_names[positive]) : json_null());
    json_object_set_new(eff, "f1", json_string(beex_f1_kind(s->dev.h.classes)));
    json_object_set_new(eff, "mcc", json_string(beex_mcc_kind(s->dev.h.classes)));
    json_object_set_new(
        eff, "bootstrap",
        json_pack("{s:i, s:I, s:f, s:s}", "resamples", o->resamples, "seed", (json_int_t)o->seed,
                  "level", 0.95, "method",
                  "percentile; examples resampled with replacement; every point rescored on the "
                  "same resamples (paired); McNemar exact two-sided on discordant pairs"));
    json_object_set_new(eff, "bops_divisor", json_real(BEEX_BOPS_DIVISOR));
    json_object_set_new(eff, "no_timed",
                        json_string("implied: traces without a model have nothing to time"));
    json_object_set_new(eff, "costs",
                        json_string("from the traces: each example charged the cumulative FLOPs "
                                    "(and BOPs, IOPs) of reaching its exit; OPs = FLOPs + IOPs + "
                                    "BOPs / 64"));
    return json_pack("{s:o, s:o}", "requested", req, "effective", eff);
}

static json_t *format_json(const byo_state *s)
{
    const beex_byo_header *d = &s->dev.h, *t = &s->test.h;
    return json_pack("{s:s, s:i, s:i, s:o, s:{s:s, s:s}, s:s, s:{s:s, s:s}, s:i, s:i}", "schema",
                     BEEX_BYO_SCHEMA, "classes", d->classes, "exits", d->exits, "class_names",
                     names_json(d), "values", "dev", d->probs ? "probs" : "logits", "test",
                     t->probs ? "probs" : "logits", "cost_unit", "flops", "source", "dev",
                     d->source, "test", t->source, "dev_examples", s->dev.t.n, "test_examples",
                     s->test.t.n);
}

/* sweep.json's head: provenance (the trace files' sha256), the format, the settings and the
 * temperatures when fitted. */
static json_t *doc_head(const beex_sweep_options *o, const byo_state *s, beex_metric metric,
                        int positive)
{
    json_t *doc = json_object(), *context = beex_context_json();
    char run_id[64];
    beex_run_id(run_id, sizeof run_id);
    json_object_set_new(context, "run_id", json_string(run_id));
    json_object_set_new(doc, "kind", json_string("beex-sweep"));
    json_object_set_new(doc, "context", context);
    json_t *files = json_pack("{s:o, s:o}", "dev", beex_file_json(o->trace_files[0]), "test",
                              beex_file_json(o->trace_files[1]));
    if (s->dev.h.model[0] != '\0') /* the pair check made test's the same */
        json_object_set_new(files, "model_fingerprint", json_string(s->dev.h.model));
    json_object_set_new(doc, "inputs", json_pack("{s:o}", "trace_files", files));
    json_object_set_new(doc, "seeds", json_pack("{s:I}", "bootstrap", (json_int_t)o->seed));
    json_object_set_new(doc, "task", json_string(s->dev.h.source[0] ? s->dev.h.source : "trace"));
    json_object_set_new(doc, "trace_format", format_json(s));
    json_object_set_new(doc, "labels", names_json(&s->dev.h));
    json_object_set_new(doc, "settings", settings_json(o, metric, positive, s));
    if (o->calibrate_temperature) {
        int B = s->dev.t.blocks;
        json_object_set_new(
            doc, "calibration",
            json_pack("{s:s, s:s, s:[f, f], s:o, s:o, s:o}", "method",
                      "temperature per exit: z / T_i before every rule; argmax unchanged",
                      "fitted_on", "dev (negative log-likelihood, golden-section search on ln T)",
                      "bounds", BEEX_TEMPERATURE_MIN, BEEX_TEMPERATURE_MAX, "temperatures",
                      doubles(s->T, B), "dev_nll_before", doubles(s->nll_before, B),
                      "dev_nll_after", doubles(s->nll_after, B)));
    }
    return doc;
}

/* Reads both traces and checks what can be checked before any work. Returns 0, or -1. */
static int load(const beex_sweep_options *o, byo_state *s, char *err, size_t errlen)
{
    for (int k = 0; k < 2; k++)
        if (o->out != NULL && out_holds_file(o->out, o->trace_files[k])) {
            snprintf(err, errlen,
                     "--out %s holds the trace %s: the new results would replace the traces "
                     "they are computed from; choose another --out",
                     o->out, o->trace_files[k]);
            return -1;
        }
    if (beex_byo_read(o->trace_files[0], &s->dev, err, errlen) != 0 ||
        beex_byo_read(o->trace_files[1], &s->test, err, errlen) != 0)
        return -1;
    return beex_byo_check_pair(&s->dev, o->trace_files[0], &s->test, o->trace_files[1], err,
                               errlen);
}

/* Replays, writes the run folder and prints the summary. Returns 0, or -1 with err set. */
static int replay_and_write(const beex_sweep_options *o, byo_state *s, beex_metric metric,
                            int positive, const char *stage, char *err, size_t errlen)
{
    beex_config cfg = beex_config_default();
    cfg.blocks = s->dev.t.blocks;
    cfg.classes = s->dev.t.classes;
    beex_replay_setup rs = {&cfg, BEEX_PREC_FP32, metric, positive};
    beex_sweep_table_options to = {o->quick, o->resamples, o->seed};
    if (beex_sweep_replay_all(&s->dev.t, &s->test.t, &rs, &to, &s->table, err, errlen) != 0)
        return -1;
    /* The points a model's sweep would time, so that hist.csv shows the same ones. */
    int pts[BEEX_SWEEP_MAX_POINTS], hist_idx[BEEX_SWEEP_MAX_POINTS + 4];
    int npts = beex_sweep_timed_points(&s->table, o->points, pts);
    int nhist = beex_sweep_hist_points(&s->table, pts, npts, hist_idx);
    return beex_sweep_write_outputs(stage, s->doc, &s->table, cfg.blocks, NULL, 0, hist_idx, nhist,
                                    err, errlen);
}

int beex_sweep_byo_run(const beex_sweep_options *o)
{
    byo_state s;
    memset(&s, 0, sizeof s);
    char err[1024], dir[4096], stage[4200] = "", used[4200];
    int status = 1;
    if (load(o, &s, err, sizeof err) != 0)
        goto fail;
    beex_metric metric = pick_metric(o, &s);
    int positive = pick_positive(o, &s, err, sizeof err);
    if (positive == -2)
        goto fail;
    if (o->calibrate_temperature)
        calibrate(&s);
    if (o->out != NULL)
        snprintf(dir, sizeof dir, "%s", o->out);
    else
        beex_default_run_dir(dir, sizeof dir, "sweep", "trace", "byo", NULL);
    if (beex_run_dir_stage(dir, o->overwrite, stage, sizeof stage, err, sizeof err) != 0) {
        stage[0] = '\0';
        goto fail;
    }
    s.doc = doc_head(o, &s, metric, positive);
    if (replay_and_write(o, &s, metric, positive, stage, err, sizeof err) != 0 ||
        beex_run_dir_commit(stage, dir, o->overwrite, o->out == NULL, used, sizeof used, err,
                            sizeof err) != 0)
        goto fail;
    stage[0] = '\0';
    beex_summary_info info = {beex_metric_name(metric), s.test.t.n, o->resamples, o->seed};
    beex_print_sweep_summary(stdout, &s.table, &info, NULL, 0);
    printf("results: %s/sweep.json (+ replay.csv, pareto.csv, hist.csv), run id %s\n"
           "no timed runs: traces without a model have nothing to time\n",
           used, json_string_value(json_object_get(json_object_get(s.doc, "context"), "run_id")));
    status = 0;
    goto done;
fail:
    fprintf(stderr, "beex sweep: %s\n", err);
    if (stage[0] != '\0')
        beex_run_dir_abandon(stage);
done:
    beex_sweep_table_free(&s.table);
    beex_byo_free(&s.dev);
    beex_byo_free(&s.test);
    if (s.doc != NULL)
        json_decref(s.doc);
    return status;
}
