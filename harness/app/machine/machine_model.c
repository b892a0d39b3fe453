/* The "model" and "energy" sections: the reference model in MLPerf's two scenarios on every
 * precision and variant, at full depth and at the dev-selected exit point. Single-stream:
 * one query (batch 1) after another, latency percentiles over at least the suite's query
 * count. Offline: throughput on the whole team at each batch of the suite, the best batch
 * kept. The selected point is reproduced in every precision by capping each test example at
 * the block where the reference replay made it exit, so every precision does the same work. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/machine/machine_internal.h"
#include "harness/base/threads.h"
#include "harness/bench/model_bench.h"
#include "harness/bench/rapl.h"
#include "harness/model/calibrate.h"
#include "harness/report/gbench_json.h"
#include "harness/report/sweep_report.h"

static const char *const depths[2] = {"full", "selected"};

typedef struct {
    beex_machine_ctx *c;
    const beex_machine_eval *ev;
    const beex_model *models[BEEX_MACHINE_NPRECISIONS]; /* per precision: the file's, its
                                                         * calibrated copy, or a random twin */
    beex_rapl rapl;
    int have_rapl;
    json_t *ss, *off, *best;
} model_run;

static int gb_rows(beex_machine_ctx *c, const char *scenario, const beex_mb_case *k,
                   const char *depth, const beex_mb_result *r)
{
    char name[192];
    snprintf(name, sizeof name, "machine/model/%s/%s/%s/%s/threads:%d/batch:%d", scenario,
             beex_precision_name(k->precision), beex_isa_name((beex_isa)k->isa), depth, k->threads,
             k->batch);
    double wall[BEEX_MACHINE_GB_REPS], cpu[BEEX_MACHINE_GB_REPS], eps[BEEX_MACHINE_GB_REPS];
    double iters = 1.0;
    int reps = beex_machine_gb_chunks(r->samples, r->reps, wall, &iters);
    beex_machine_gb_chunks(r->cpu, r->reps, cpu, &iters);
    for (int i = 0; i < reps; i++)
        eps[i] = k->batch * iters / wall[i];
    const beex_gb_counter counters[] = {
        {"examples_per_second", eps, 0},
        {"latency_p50_ms", NULL, r->batch_seconds.median * 1e3},
        {"latency_p90_ms", NULL, r->batch_seconds.p90 * 1e3},
        {"latency_p99_ms", NULL, r->batch_seconds.p99 * 1e3},
    };
    json_t *fields = json_pack("{s:s, s:s, s:s, s:s, s:i}", "scenario", scenario, "precision",
                               beex_precision_name(k->precision), "variant",
                               beex_isa_name((beex_isa)k->isa), "depth", depth, "batch", k->batch);
    beex_gb_run run = {.name = name,
                       .family_index = c->families++,
                       .instance_index = 0,
                       .threads = k->threads,
                       .reps = reps,
                       .seconds = wall,
                       .iterations = iters,
                       .cpu_seconds = cpu,
                       .counters = counters,
                       .ncounters = 4,
                       .fields = fields};
    int rc = fields != NULL ? beex_gb_append(c->benchmarks, &run) : -1;
    json_decref(fields);
    return rc;
}

/* One scenario run: measured, a row in `rows`, Google Benchmark rows. */
static int measure(model_run *m, const char *scenario, int q, int isa, int d, int threads,
                   int batch, double *eps_out, char *err, size_t errlen)
{
    beex_machine_ctx *c = m->c;
    char step[96];
    beex_machine_model_step(step, sizeof step, scenario, beex_machine_precisions[q], isa, depths[d],
                            threads, batch);
    double slice = beex_machine_step(c->plan, step);
    int single = strcmp(scenario, "single-stream") == 0;
    int minq = single ? beex_machine_min_queries(c->quick) : 3;
    beex_mb_case k = {beex_machine_precisions[q],
                      isa,
                      threads,
                      batch,
                      batch >= threads && threads > 1 ? BEEX_MB_ACROSS_EXAMPLES
                                                      : BEEX_MB_WITHIN_OPS,
                      slice,
                      minq,
                      minq > 20000 ? minq : 20000};
    beex_mb_result r = {0};
    if (beex_threads_setup(threads, err, errlen) < 0)
        return -1;
    int energy = !single && m->have_rapl && beex_rapl_start(&m->rapl) == 0;
    if (beex_mb_measure(m->models[q], &k, (const int32_t *const *)m->ev->test.ids, m->ev->test.lens,
                        m->ev->test.n, -INFINITY, d == 1 ? m->ev->selected_exit : NULL, &r, err,
                        errlen) != 0)
        return -1;
    double joules = energy ? beex_rapl_joules(&m->rapl) : -1.0;
    json_t *row = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i}", "precision",
                            beex_precision_name(beex_machine_precisions[q]), "variant",
                            beex_isa_name((beex_isa)isa), "depth", depths[d], "threads", threads,
                            "batch", batch, single ? "queries" : "reps", r.reps);
    json_object_set_new(row, "examples_per_s", json_real(r.examples_per_s));
    json_object_set_new(row, "cv", json_real(beex_machine_chunk_cv(r.samples, r.reps)));
    if (single) {
        json_object_set_new(row, "p50_ms", json_real(r.batch_seconds.median * 1e3));
        json_object_set_new(row, "p90_ms", json_real(r.batch_seconds.p90 * 1e3));
        json_object_set_new(row, "p99_ms", json_real(r.batch_seconds.p99 * 1e3));
        json_object_set_new(row, "mean_ms", json_real(r.batch_seconds.mean * 1e3));
        json_array_append_new(m->ss, row);
    } else {
        /* energy over the whole call: the engine's set-up and one warm-up batch included */
        json_object_set_new(row, "joules_per_example",
                            joules >= 0.0 ? json_real(joules / ((r.reps + 1.0) * batch))
                                          : json_null());
        json_array_append_new(m->off, row);
    }
    *eps_out = r.examples_per_s;
    int rc = gb_rows(c, scenario, &k, depths[d], &r);
    beex_mb_result_free(&r);
    if (rc != 0)
        snprintf(err, errlen, "out of memory for the JSON rows");
    return rc;
}

/* Every scenario of one precision x variant x depth. */
static int scenarios(model_run *m, int q, int isa, int d, char *err, size_t errlen)
{
    beex_machine_ctx *c = m->c;
    double eps;
    for (int t = 0; t < c->nthreads; t++)
        if (measure(m, "single-stream", q, isa, d, c->threads[t], 1, &eps, err, errlen) != 0)
            return -1;
    int top = c->threads[c->nthreads - 1], best_b = 0;
    double best = -1.0;
    for (int b = 0; b < BEEX_MACHINE_NBATCHES; b++) {
        if (measure(m, "offline", q, isa, d, top, beex_machine_batches[b], &eps, err, errlen) != 0)
            return -1;
        if (eps > best)
            best = eps, best_b = beex_machine_batches[b];
    }
    json_array_append_new(m->best,
                          json_pack("{s:s, s:s, s:s, s:i, s:i, s:f}", "precision",
                                    beex_precision_name(beex_machine_precisions[q]), "variant",
                                    beex_isa_name((beex_isa)isa), "depth", depths[d], "threads",
                                    top, "batch", best_b, "examples_per_s", best));
    return 0;
}

/* A seeded random model of the file's shape, for precisions a deployment file cannot run:
 * the timing depends on the shape and the capped depth, not on the weights. */
static beex_model *random_twin(const beex_config *cfg, char *err, size_t errlen)
{
    beex_model *r = NULL;
    beex_config k = *cfg;
    if (beex_model_alloc(&k, &r, err, errlen) != 0)
        return NULL;
    beex_model_init_random(r, 1);
    if (beex_model_derive_binary(r) != 0) {
        beex_model_free(r);
        snprintf(err, errlen, "cannot derive the binary weights of the random twin");
        return NULL;
    }
    return r;
}

/* w8a8 needs activation scales (docs/model.md section 3b). A file that has them runs as it is.
 * Otherwise a second copy of the file (latent weights), or the random twin of a deployment
 * file of another precision, is calibrated on the first test examples: the timing depends on
 * the shape and the capped depth, not on where the scales came from, and the bundle measures
 * no w8a8 accuracy. The second copy keeps the file's own model untouched for the others. */
static beex_model *w8a8_model(const beex_machine_eval *ev, beex_model **twin, const char **what,
                              char *err, size_t errlen)
{
    const beex_model *file = ev->model;
    if (beex_model_has_act_scales(file) == 1) {
        *what = "the model file's (its own activation scales)";
        return (beex_model *)file;
    }
    beex_model *m = NULL;
    if (!file->is_deployment) {
        if (beex_model_load(ev->model_path, &m, err, errlen) != 0)
            return NULL;
        *what = "the model file's, activation scales calibrated on the first test examples "
                "(timing only)";
    } else {
        if ((m = random_twin(&file->cfg, err, errlen)) == NULL)
            return NULL;
        *what = "seeded random weights of the file's shape, calibrated on the first test "
                "examples (a deployment file runs only its own precision)";
    }
    int n = ev->test.n < BEEX_CALIB_DEFAULT_EXAMPLES ? ev->test.n : BEEX_CALIB_DEFAULT_EXAMPLES;
    char inner[256];
    if (beex_calibrate(m, (const int32_t *const *)ev->test.ids, ev->test.lens, n, 0, inner,
                       sizeof inner) != 0) {
        snprintf(err, errlen, "w8a8 calibration of %s: %s", ev->model_path, inner);
        beex_model_free(m);
        return NULL;
    }
    *twin = m;
    return m;
}

json_t *beex_machine_model(beex_machine_ctx *c, const beex_machine_eval *ev, const json_t *limits,
                           char *err, size_t errlen)
{
    (void)limits;
    model_run m = {.c = c, .ev = ev, .ss = json_array(), .off = json_array(), .best = json_array()};
    m.have_rapl = beex_rapl_open(&m.rapl, NULL);
    const beex_model *file = ev->model;
    beex_model *twin = NULL, *w8a8 = NULL;
    json_t *weights = json_object(), *out = NULL;
    for (int q = 0; q < BEEX_MACHINE_NPRECISIONS; q++) {
        if (beex_machine_precisions[q] == BEEX_PREC_W8A8) {
            const char *what = NULL;
            if ((m.models[q] = w8a8_model(ev, &w8a8, &what, err, errlen)) == NULL)
                goto done;
            json_object_set_new(weights, "w8a8", json_string(what));
            continue;
        }
        int own = !file->is_deployment || file->cfg.precision == beex_machine_precisions[q];
        if (!own && twin == NULL && (twin = random_twin(&file->cfg, err, errlen)) == NULL)
            goto done;
        m.models[q] = own ? file : twin;
        json_object_set_new(weights, beex_precision_name(beex_machine_precisions[q]),
                            json_string(own ? "the model file's"
                                            : "seeded random weights of the file's shape (a "
                                              "deployment file runs only its own precision)"));
    }
    for (int q = 0; q < BEEX_MACHINE_NPRECISIONS; q++)
        for (int v = 0; v < c->nvariants; v++)
            for (int d = 0; d < 2; d++)
                if (scenarios(&m, q, c->variants[v], d, err, errlen) != 0)
                    goto done;
    out = json_object();
    json_object_set_new(out, "config", beex_config_json(&file->cfg));
    json_object_set_new(out, "file_precision",
                        json_string(beex_precision_name(file->cfg.precision)));
    json_object_set_new(out, "weights", weights);
    weights = NULL;
    json_object_set_new(out, "inputs",
                        json_pack("{s:s, s:i}", "examples", "the task's test split, in order",
                                  "count", ev->test.n));
    json_object_set_new(out, "selected_depth",
                        json_string("each test example capped at the block where the reference "
                                    "replay's dev-selected rule made it exit"));
    json_object_set_new(out, "min_queries", json_integer(beex_machine_min_queries(c->quick)));
    json_object_set_new(out, "single_stream", m.ss);
    json_object_set_new(out, "offline", m.off);
    json_object_set_new(out, "offline_best", m.best);
    m.ss = m.off = m.best = NULL;
    json_t *energy = json_object();
    json_object_set_new(energy, "available", json_boolean(m.have_rapl));
    if (m.have_rapl) {
        json_t *doms = json_array();
        for (int i = 0; i < m.rapl.n; i++)
            json_array_append_new(doms, json_string(m.rapl.path[i]));
        json_object_set_new(energy, "domains", doms);
        json_object_set_new(energy, "method",
                            json_string("package energy over each offline run / examples run"));
    } else {
        json_object_set_new(energy, "reason", json_string(m.rapl.reason));
    }
    json_object_set_new(out, "energy", energy);
done:
    json_decref(weights);
    json_decref(m.ss), json_decref(m.off), json_decref(m.best);
    beex_model_free(twin);
    beex_model_free(w8a8);
    return out;
}
