/* `beex machine run` end to end: every input checked before any measurement, then the
 * accuracy check (it also yields the exit caps the model scenarios reuse), then the
 * measurements in the time left of the budget, then one bundle written atomically. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/app/machine/machine.h"
#include "harness/app/machine/machine_internal.h"
#include "harness/base/atomic_file.h"
#include "harness/base/threads.h"
#include "harness/base/timing.h"
#include "harness/report/context.h"
#include "harness/report/gbench_json.h"
#include "harness/report/system_probe.h"
#include "kernels/registry.h"

/* Seconds for the run (the budget) and what is spent before the measurements: loading and
 * the accuracy check, about a tenth of the budget on the reference model. */
static double budget_of(const beex_machine_run_options *o)
{
    if (o->budget_seconds > 0.0)
        return o->budget_seconds;
    return o->quick ? 90.0 : 480.0;
}

/* Model and task exist, the reference reads: refused (status 2) before anything is timed. */
static int check_inputs(const beex_machine_run_options *o, json_t **reference)
{
    char err[1024];
    struct stat st;
    if (stat(o->model, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr,
                "beex machine run: --model %s: no such model file. The reference model is made "
                "by `bash scripts/main_job.sh` (it trains %s); or name another with --model\n",
                o->model, BEEX_MACHINE_DEFAULT_MODEL);
        return 2;
    }
    char test[4200];
    snprintf(test, sizeof test, "%s/test.tsv", o->task);
    if (stat(test, &st) != 0) {
        fprintf(stderr,
                "beex machine run: --task %s: no train/dev/test.tsv there. Fetch mr with `bash "
                "datasets/fetch.sh mr` (or run `bash scripts/main_job.sh`); or name a task "
                "directory with --task\n",
                o->task);
        return 2;
    }
    if ((*reference = beex_machine_reference_read(o->reference, err, sizeof err)) == NULL) {
        fprintf(stderr, "beex machine run: %s\n", err);
        return 2;
    }
    if (beex_check_output_file(o->out, err, sizeof err) != 0) {
        fprintf(stderr, "beex machine run: --out %s\n", err);
        return 2;
    }
    return 0;
}

/* Variants and thread counts of this run. Returns 0, or -1 with err set. */
static int settle(const beex_machine_run_options *o, beex_machine_ctx *c, char *err, size_t errlen)
{
    if (o->n_variants > 0) {
        /* measured in pick order whatever order they were named in */
        int all[BEEX_ISA_COUNT], n = beex_isa_available_list(1, all);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < o->n_variants; k++)
                if (o->variants[k] == all[i])
                    c->variants[c->nvariants++] = all[i];
    } else {
        /* The bundle measures binary inference: a variant with no binary GEMM of its own would
         * repeat its parent's rows. */
        int all[BEEX_ISA_COUNT], n = beex_isa_available_list(1, all);
        for (int i = 0; i < n; i++)
            if (beex_family_bgemm.has((beex_isa)all[i]))
                c->variants[c->nvariants++] = all[i];
    }
    int cores = beex_threads_setup(0, err, errlen);
    if (cores < 0 || c->nvariants < 1)
        return -1;
    c->ncores = o->threads > 0 && o->threads < cores ? o->threads : cores;
    c->threads[0] = 1, c->nthreads = 1;
    if (c->ncores > 1)
        c->threads[c->nthreads++] = c->ncores;
    return 0;
}

static json_t *settings_json(const beex_machine_run_options *o, const beex_machine_ctx *c,
                             double budget)
{
    json_t *v = json_array(), *t = json_array();
    for (int i = 0; i < c->nvariants; i++)
        json_array_append_new(v, json_string(beex_isa_name((beex_isa)c->variants[i])));
    for (int i = 0; i < c->nthreads; i++)
        json_array_append_new(t, json_integer(c->threads[i]));
    return json_pack("{s:s, s:s, s:s, s:b, s:f, s:f, s:o, s:o}", "model", o->model, "task", o->task,
                     "reference", o->reference, "quick", o->quick, "budget_seconds", budget,
                     "budget_scale", o->budget_scale, "variants", v, "threads", t);
}

/* The bundle's head: what it is, whether it counts, and why not. */
static json_t *head(const beex_machine_run_options *o, json_t *reasons, json_t *emul_signals)
{
    char host[256] = "unknown";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    json_t *doc = json_object();
    json_object_set_new(doc, "kind", json_string(BEEX_MACHINE_BUNDLE_KIND));
    json_object_set_new(doc, "bundle_version", json_integer(BEEX_MACHINE_BUNDLE_VERSION));
    json_object_set_new(doc, "suite_version", json_string(BEEX_MACHINE_SUITE_VERSION));
    json_object_set_new(doc, "name", json_string(o->name != NULL ? o->name : host));
    json_object_set_new(doc, "valid", json_boolean(json_array_size(reasons) == 0));
    json_object_set_new(doc, "invalid_reasons", reasons);
    int emulated = json_array_size(emul_signals) > 0;
    json_object_set_new(
        doc, "emulated",
        json_pack("{s:b, s:o, s:s}", "emulated", emulated, "signals", emul_signals, "times",
                  emulated ? "emulated, not a measurement" : "measured on this machine"));
    return doc;
}

typedef struct {
    json_t *reference, *limits, *kernels, *model, *doc, *settings;
    beex_machine_eval ev;
    beex_machine_plan *plan;
} run_state;

static void state_free(run_state *s)
{
    json_decref(s->reference), json_decref(s->limits), json_decref(s->kernels);
    json_decref(s->model), json_decref(s->doc), json_decref(s->settings);
    beex_machine_eval_free(&s->ev);
    beex_machine_plan_free(s->plan);
}

/* Every measured section into the bundle, then written atomically. */
static int write_bundle(const beex_machine_run_options *o, run_state *s, beex_machine_ctx *c,
                        json_t *reasons, json_t *emul, const double load_before[3], double t0)
{
    char err[1024];
    double load_after[3];
    beex_system_loadavg(load_after);
    json_t *gb = beex_gb_document(c->benchmarks);
    if (gb == NULL) {
        json_decref(reasons), json_decref(emul);
        fprintf(stderr, "beex machine run: cannot build the document\n");
        return 1;
    }
    s->doc = head(o, reasons, emul);
    json_object_set_new(s->doc, "settings", s->settings);
    s->settings = NULL;
    json_object_set(s->doc, "context", json_object_get(gb, "context"));
    json_t *sys = beex_machine_system_json(load_before);
    json_object_set_new(sys, "load_avg_after",
                        json_pack("[f, f, f]", load_after[0], load_after[1], load_after[2]));
    json_object_set_new(s->doc, "system", sys);
    json_object_set_new(s->doc, "limits", s->limits);
    json_object_set_new(s->doc, "kernels", s->kernels);
    json_t *energy = json_incref(json_object_get(s->model, "energy"));
    json_object_del(s->model, "energy");
    json_object_set_new(s->doc, "model", s->model);
    json_object_set_new(s->doc, "energy", energy);
    s->limits = s->kernels = s->model = NULL;
    json_t *acc = json_object();
    json_object_set_new(acc, "reference_file", json_string(o->reference));
    json_object_set_new(acc, "expected", s->reference);
    json_object_set_new(acc, "measured", s->ev.record);
    json_object_set_new(
        acc, "match",
        json_boolean(json_array_size(json_object_get(s->doc, "invalid_reasons")) == 0));
    s->reference = s->ev.record = NULL;
    json_object_set_new(s->doc, "accuracy", acc);
    json_object_set_new(s->doc, "plan", beex_machine_plan_json(s->plan));
    json_object_set_new(s->doc, "duration_seconds", json_real(beex_now_seconds() - t0));
    json_object_set(s->doc, "benchmarks", json_object_get(gb, "benchmarks"));
    json_decref(gb);
    if (beex_json_write_atomic(s->doc, o->out, err, sizeof err) != 0) {
        fprintf(stderr, "beex machine run: %s\n", err);
        return 1;
    }
    return 0;
}

int beex_machine_run(const beex_machine_run_options *o)
{
    char err[1024];
    double t0 = beex_now_seconds(), budget = budget_of(o);
    run_state s;
    memset(&s, 0, sizeof s);
    beex_machine_ctx c;
    memset(&c, 0, sizeof c);
    int status = check_inputs(o, &s.reference);
    if (status != 0)
        goto done;
    status = 2;
    if (beex_machine_eval_load(o->model, o->task, &s.ev, err, sizeof err) != 0) {
        fprintf(stderr, "beex machine run: %s\n", err);
        goto done;
    }
    status = 1;
    int cpus[BEEX_MACHINE_MAX_CPUS];
    if (beex_system_allowed_cpus(0, cpus, BEEX_MACHINE_MAX_CPUS) < 1) { /* before any pinning */
        fprintf(stderr, "beex machine run: cannot read the CPUs this process may use\n");
        goto done;
    }
    if (settle(o, &c, err, sizeof err) != 0) {
        fprintf(stderr, "beex machine run: %s\n", err);
        goto done;
    }
    int libxsmm = BEEX_HAVE_LIBXSMM;
    if ((s.plan = c.plan = beex_machine_plan_new(&c, libxsmm)) == NULL ||
        (c.benchmarks = json_array()) == NULL) {
        fprintf(stderr, "beex machine run: out of memory\n");
        goto done;
    }
    double scale = o->budget_scale > 0.0 ? o->budget_scale : 1.0;
    c.budget_scale = scale;
    c.quick = o->quick;
    if (o->plan_only) {
        beex_machine_plan_budget(s.plan, budget * 0.9, scale);
        beex_machine_plan_print(s.plan, budget * 0.1);
        status = 0;
        goto done;
    }
    double load_before[3];
    beex_system_loadavg(load_before);
    json_t *emul = NULL;
    c.emulated = beex_system_emulated(&emul);
    if (c.emulated)
        fprintf(stderr, "beex machine run: running under an emulator: the times are recorded "
                        "as emulated, not measurements\n");
    s.settings = settings_json(o, &c, budget);
    /* 1. the accuracy check, against the reference record */
    fprintf(stderr, "beex machine run: accuracy check on %s (%d test examples)\n", o->task,
            s.ev.test.n);
    if (beex_machine_eval_run(&s.ev, err, sizeof err) != 0) {
        json_decref(emul);
        fprintf(stderr, "beex machine run: %s\n", err);
        goto done;
    }
    json_t *reasons = beex_machine_reference_diff(s.reference, s.ev.record);
    if (json_array_size(reasons) > 0)
        fprintf(stderr,
                "beex machine run: the accuracy check FAILED: the bundle will be marked "
                "invalid (%s)\n",
                json_string_value(json_array_get(reasons, 0)));
    /* 2. the measurements, in the time left */
    double left = budget - (beex_now_seconds() - t0);
    beex_machine_plan_budget(s.plan, left > budget * 0.3 ? left : budget * 0.3, scale);
    if ((s.limits = beex_machine_limits(&c, err, sizeof err)) == NULL ||
        (s.kernels = beex_machine_kernels(&c, s.limits, libxsmm, err, sizeof err)) == NULL ||
        (s.model = beex_machine_model(&c, &s.ev, s.limits, err, sizeof err)) == NULL) {
        beex_machine_plan_finish(s.plan);
        json_decref(reasons), json_decref(emul);
        fprintf(stderr, "beex machine run: %s\n", err);
        goto done;
    }
    beex_machine_plan_finish(s.plan);
    status = write_bundle(o, &s, &c, reasons, emul, load_before, t0);
    if (status == 0)
        printf("wrote %s (%s, %.0f s)\n", o->out,
               json_is_true(json_object_get(s.doc, "valid")) ? "valid"
                                                             : "INVALID: see invalid_reasons",
               beex_now_seconds() - t0);
done:
    json_decref(c.benchmarks);
    state_free(&s);
    return status;
}

int beex_machine_reference(const char *model, const char *task, const char *out)
{
    char err[1024];
    beex_machine_eval ev;
    if (beex_check_output_file(out, err, sizeof err) != 0) {
        fprintf(stderr, "beex machine reference: --out %s\n", err);
        return 2;
    }
    if (beex_machine_eval_load(model, task, &ev, err, sizeof err) != 0) {
        fprintf(stderr, "beex machine reference: %s\n", err);
        beex_machine_eval_free(&ev);
        return 1;
    }
    int status = 1;
    if (beex_machine_eval_run(&ev, err, sizeof err) != 0 ||
        beex_json_write_atomic(ev.record, out, err, sizeof err) != 0) {
        fprintf(stderr, "beex machine reference: %s\n", err);
    } else {
        const json_t *f = json_object_get(ev.record, "full_depth");
        const json_t *sel = json_object_get(ev.record, "selected");
        printf("wrote %s: test accuracy %.4f at full depth, %.4f at the dev-selected %s %g\n", out,
               json_number_value(json_object_get(f, "accuracy")),
               json_number_value(json_object_get(sel, "accuracy")),
               json_string_value(json_object_get(sel, "rule")),
               json_number_value(json_object_get(sel, "param")));
        status = 0;
    }
    beex_machine_eval_free(&ev);
    return status;
}
