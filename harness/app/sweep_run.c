/* The sweep pipeline. Order matters for honesty: thresholds are chosen on dev before test is
 * looked at, and the timed runs must reproduce the replay exactly before their times count. */
#include "harness/app/sweep_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/base/atomic_file.h"
#include "harness/base/progress.h"
#include "harness/base/threads.h"
#include "harness/bench/counters.h"
#include "harness/bench/sweep_timed.h"
#include "harness/eval/labels.h"
#include "harness/eval/sweep_table.h"
#include "harness/eval/trace_io.h"
#include "harness/report/context.h"
#include "harness/report/run_dir.h"
#include "harness/report/sweep_report.h"
#include "harness/report/sweep_summary.h"

static json_t *int_array(const int *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_integer(v[i]));
    return a;
}

static json_t *requested_json(const beex_sweep_options *o)
{
    json_t *r = json_object();
    json_object_set_new(r, "model", json_string(o->model));
    json_object_set_new(r, "task", json_string(o->task));
    json_object_set_new(r, "precision",
                        o->precision >= 0 ? json_string(beex_precision_name(o->precision))
                                          : json_string("model's own"));
    json_object_set_new(r, "variants", json_string(o->variants_arg));
    json_object_set_new(r, "threads", json_string(o->threads_arg[0] ? o->threads_arg : "default"));
    json_object_set_new(r, "batches", json_string(o->batches_arg[0] ? o->batches_arg : "default"));
    json_object_set_new(r, "reps", json_integer(o->reps));
    json_object_set_new(r, "points", json_integer(o->points));
    json_object_set_new(r, "quick", json_boolean(o->quick));
    json_object_set_new(r, "no_timed", json_boolean(o->no_timed));
    if (o->shard_n > 0)
        json_object_set_new(r, "shard", json_pack("{s:i, s:i}", "i", o->shard_i, "n", o->shard_n));
    if (o->trace_dir != NULL)
        json_object_set_new(r, "trace", json_string(o->trace_dir));
    json_object_set_new(r, "resamples", json_integer(o->resamples));
    json_object_set_new(r, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(r, "positive", o->positive ? json_string(o->positive) : json_null());
    return r;
}

/* Seeds: the sweep draws random numbers only for the bootstrap; the model's own (training or
 * init) seed travels in its metadata when the writer put it there. */
static json_t *seeds_json(const beex_model *m, unsigned long long bootstrap_seed)
{
    json_t *s = json_object();
    json_object_set_new(s, "bootstrap", json_integer((json_int_t)bootstrap_seed));
    json_t *meta = m->metadata_json ? json_loads(m->metadata_json, 0, NULL) : NULL;
    json_t *seed = meta && json_is_object(meta) ? json_object_get(meta, "seed") : NULL;
    json_object_set(s, "model", seed ? seed : json_null());
    if (meta != NULL)
        json_object_set_new(s, "model_metadata", meta);
    return s;
}

typedef struct {
    beex_model *model;
    beex_dataset ds;
    int ds_loaded;
    beex_vocab *vocab;
    beex_encoded test;
    beex_trace tdev, ttest;
    beex_sweep_table table;
    beex_timed_run *runs;
    int nruns;
    json_t *doc;
} sweep_state;

static void state_free(sweep_state *s)
{
    for (int i = 0; i < s->nruns; i++)
        beex_timed_run_free(&s->runs[i]);
    free(s->runs);
    beex_sweep_table_free(&s->table);
    beex_trace_free(&s->tdev);
    beex_trace_free(&s->ttest);
    beex_encoded_free(&s->test);
    if (s->vocab)
        beex_vocab_free(s->vocab);
    if (s->ds_loaded)
        beex_dataset_free(&s->ds);
    if (s->model)
        beex_model_free(s->model);
    if (s->doc)
        json_decref(s->doc);
}

static void shard_range(size_t n, int i, int k, int *first, int *count)
{
    size_t a = n * (size_t)i / (size_t)k, b = n * (size_t)(i + 1) / (size_t)k;
    *first = (int)a;
    *count = (int)(b - a);
}

/* A shard with no dev or no test example would trace a header alone, which `beex merge`
 * refuses after the other shards have run: more shards than examples is the --shard option's
 * error, said before any trace. Returns 0, or -1 with err set. */
static int check_shard(const beex_sweep_options *o, const beex_dataset *ds, char *err,
                       size_t errlen)
{
    const beex_split *splits[2] = {&ds->dev, &ds->test};
    const char *names[2] = {"dev", "test"};
    for (int k = 0; k < 2 && o->shard_n > 0; k++) {
        int first, count;
        shard_range(splits[k]->n, o->shard_i, o->shard_n, &first, &count);
        if (count == 0) {
            snprintf(err, errlen,
                     "--shard %d/%d: this shard holds no %s example (%s.tsv has %zu; give at "
                     "most %zu shards)",
                     o->shard_i, o->shard_n, names[k], names[k], splits[k]->n, splits[k]->n);
            return -1;
        }
    }
    return 0;
}

/* "model=<fp> data=<fp> precision=<p>": the model file's and the split file's fingerprints,
 * as the document's "inputs" already holds them (each file is read once), and the precision
 * the trace ran at (the same model gives other logits at another precision). */
static void trace_origin(const json_t *doc, const char *split, beex_precision prec, char *out,
                         size_t len)
{
    const json_t *in = json_object_get(doc, "inputs");
    char file[32];
    snprintf(file, sizeof file, "%s.tsv", split);
    const char *m = json_string_value(json_object_get(json_object_get(in, "model"), "fingerprint"));
    const char *d = json_string_value(
        json_object_get(json_object_get(json_object_get(in, "data"), file), "fingerprint"));
    snprintf(out, len, "model=%s data=%s precision=%s", m ? m : "unreadable", d ? d : "unreadable",
             beex_precision_name(prec));
}

/* Trace pass: dev and test (or their shard) through all blocks on the best variant. */
static int trace_pass(const beex_sweep_options *o, sweep_state *s, beex_precision prec,
                      const int *label_map, const char *dir, json_t *effective, char *err,
                      size_t errlen)
{
    beex_engine *e = NULL;
    beex_engine_options eo = {prec, -1, o->trace_threads};
    if (beex_threads_setup(o->trace_threads, err, errlen) < 0 ||
        beex_engine_create(s->model, &eo, &e, err, errlen) != 0)
        return -1;
    json_object_set_new(effective, "trace_variant",
                        json_string(beex_isa_name((beex_isa)beex_engine_isa(e))));
    const beex_split *splits[2] = {&s->ds.dev, &s->ds.test};
    beex_trace *traces[2] = {&s->tdev, &s->ttest};
    const char *names[2] = {"dev", "test"};
    for (int k = 0; k < 2; k++) {
        int first = 0, count = (int)splits[k]->n;
        if (o->shard_n > 0)
            shard_range(splits[k]->n, o->shard_i, o->shard_n, &first, &count);
        char what[64], path[4200];
        snprintf(what, sizeof what, "trace %s", names[k]);
        if (beex_trace_split(e, splits[k], s->vocab, label_map, first, count, what, traces[k], err,
                             errlen) != 0) {
            beex_engine_free(e);
            return -1;
        }
        if (o->shard_n > 0)
            snprintf(path, sizeof path, "%s/trace_%s.shard-%d-of-%d.csv", dir, names[k], o->shard_i,
                     o->shard_n);
        else
            snprintf(path, sizeof path, "%s/trace_%s.csv", dir, names[k]);
        trace_origin(s->doc, names[k], prec, traces[k]->origin, sizeof traces[k]->origin);
        if (beex_trace_write_csv(traces[k], path, err, errlen) != 0) {
            beex_engine_free(e);
            return -1;
        }
    }
    beex_engine_free(e);
    return 0;
}

/* Reads a trace directory and refuses traces of another model, data or precision (or of
 * unknown origin): replaying them would credit this sweep with another one's accuracy. A trace
 * of an older beex records no precision: it is refused too, with a word to re-trace. */
static int read_traces(const char *dir, sweep_state *s, beex_precision prec, char *err,
                       size_t errlen)
{
    const char *names[2] = {"dev", "test"};
    beex_trace *traces[2] = {&s->tdev, &s->ttest};
    for (int k = 0; k < 2; k++) {
        char p[4200], want[96];
        snprintf(p, sizeof p, "%s/trace_%s.csv", dir, names[k]);
        if (beex_trace_read_csv(p, traces[k], err, errlen) != 0)
            return -1;
        trace_origin(s->doc, names[k], prec, want, sizeof want);
        const char *o = traces[k]->origin, *at = strstr(o, " precision=");
        if (strncmp(o, "model=", 6) == 0 && at == NULL) {
            snprintf(err, errlen,
                     "%.200s: the trace records no precision (written by an older beex); refused: "
                     "trace again with this version",
                     p);
            return -1;
        }
        if (at != NULL && strcmp(at + 11, beex_precision_name(prec)) != 0) {
            snprintf(err, errlen, "%.200s: traced at precision %.20s, this sweep runs %s", p,
                     at + 11, beex_precision_name(prec));
            return -1;
        }
        if (strcmp(o, want) != 0) {
            snprintf(err, errlen, "%.200s: traced from %.90s, not from this model and data (%.90s)",
                     p, traces[k]->origin[0] ? traces[k]->origin : "an unknown model and data",
                     want);
            return -1;
        }
    }
    return 0;
}

/* Timed runs of the chosen points for every variant x threads x batch. Returns the number of
 * runs disagreeing with the replay, or -1 on an engine error. */
static int timed_pass(const beex_sweep_options *o, sweep_state *s, beex_precision prec,
                      const beex_replay_setup *rs, const int *pts, int npts, json_t *effective,
                      char *err, size_t errlen)
{
    int threads[BEEX_SWEEP_MAX_LIST], nthreads = o->n_threads;
    int batches[BEEX_SWEEP_MAX_LIST], nbatches = o->n_batches;
    memcpy(threads, o->threads, sizeof threads);
    memcpy(batches, o->batches, sizeof batches);
    int cores = beex_threads_setup(0, err, errlen);
    if (cores < 0)
        return -1;
    if (nthreads == 0) {
        threads[nthreads++] = 1;
        if (cores > 1)
            threads[nthreads++] = cores;
    }
    if (nbatches == 0) {
        batches[nbatches++] = 1;
        batches[nbatches++] = 32;
    }
    /* "all" leaves out a variant with no kernels of its own at this precision (it would run its
     * parent's code): the same code timed twice under two names. */
    int vlist[BEEX_ISA_COUNT], nv = 0, all = strcmp(o->variants_arg, "all") == 0;
    for (int v = 0; v < o->n_variants; v++) {
        if (all && !beex_precision_variant_own(prec, o->variants[v])) {
            fprintf(stderr,
                    "beex sweep: variant %s not timed at %s: it has no kernels of its own there\n",
                    beex_isa_name((beex_isa)o->variants[v]), beex_precision_name(prec));
            continue;
        }
        vlist[nv++] = o->variants[v];
    }
    int total = nv * nthreads * nbatches * npts;
    s->runs = calloc((size_t)(total > 0 ? total : 1), sizeof *s->runs);
    int n = s->ttest.n;
    int *rexit = malloc((size_t)npts * n * sizeof *rexit);
    int *rpred = malloc((size_t)npts * n * sizeof *rpred);
    if (s->runs == NULL || rexit == NULL || rpred == NULL) {
        free(rexit);
        free(rpred);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int p = 0; p < npts; p++) {
        beex_replay_point tmp;
        beex_replay(&s->ttest, &s->table.test[pts[p]].policy, rs, &tmp, rexit + (size_t)p * n,
                    rpred + (size_t)p * n);
    }
    json_t *eff_threads = json_array();
    int bad = 0, done = 0;
    beex_engine *eng[BEEX_SWEEP_MAX_LIST] = {0};
    int got[BEEX_SWEEP_MAX_LIST];
    beex_sweep_timed_state *st = calloc((size_t)nthreads, sizeof *st);
    if (st == NULL) {
        snprintf(err, errlen, "out of memory");
        bad = -1;
    }
    for (int v = 0; v < nv && bad >= 0; v++) {
        /* One engine per thread count of this variant, created before anything is timed, so
         * that the thread counts of each point can be timed round-robin. */
        for (int t = 0; t < nthreads && bad >= 0; t++) {
            got[t] = beex_threads_setup(threads[t], err, errlen);
            beex_engine_options eo = {prec, vlist[v], threads[t]};
            if (got[t] < 0 || beex_engine_create(s->model, &eo, &eng[t], err, errlen) != 0) {
                bad = -1;
                break;
            }
            if (beex_engine_isa(eng[t]) != vlist[v])
                fprintf(stderr, "beex sweep: asked for %s, the engine runs %s\n",
                        beex_isa_name((beex_isa)vlist[v]),
                        beex_isa_name((beex_isa)beex_engine_isa(eng[t])));
            if (v == 0)
                json_array_append_new(eff_threads, json_pack("{s:i, s:i, s:o}", "requested",
                                                             threads[t], "effective", got[t],
                                                             "binding", beex_threads_describe()));
        }
        for (int b = 0; b < nbatches && bad >= 0; b++)
            for (int p = 0; p < npts && bad >= 0; p++) {
                const beex_replay_point *want = &s->table.test[pts[p]];
                int first = s->nruns, begun = 0;
                for (int t = 0; t < nthreads && bad >= 0; t++, begun++) {
                    beex_timed_run *r = &s->runs[s->nruns++];
                    *r = (beex_timed_run){.isa = beex_engine_isa(eng[t]),
                                          .threads = got[t],
                                          .batch = batches[b],
                                          .policy = want->policy,
                                          .table_index = pts[p],
                                          .reps = o->reps};
                    if (beex_threads_setup(threads[t], err, errlen) < 0 ||
                        beex_sweep_timed_begin(eng[t], &s->test, rs, rexit + (size_t)p * n,
                                               rpred + (size_t)p * n, r, &st[t], err,
                                               errlen) != 0) {
                        s->nruns--;
                        bad = -1;
                    }
                }
                /* Repetitions round-robin over the thread counts, in ABBA order (ascending
                 * on even rounds, descending on odd ones), so that a drift of the machine
                 * lands on every thread count alike and their ratio is measured, not the
                 * drift (docs/benchmarks.md). */
                for (int rep = 0; rep < o->reps && bad >= 0; rep++)
                    for (int k = 0; k < nthreads && bad >= 0; k++) {
                        int t = rep % 2 == 0 ? k : nthreads - 1 - k;
                        if (beex_threads_setup(threads[t], err, errlen) < 0 ||
                            beex_sweep_timed_rep(&st[t], rep, err, errlen) != 0)
                            bad = -1;
                    }
                for (int t = 0; t < begun; t++) {
                    beex_sweep_timed_end(&st[t], bad >= 0);
                    if (bad < 0)
                        continue;
                    beex_timed_run *r = &s->runs[first + t];
                    r->matches = r->accuracy == want->scores.accuracy &&
                                 memcmp(r->hist, want->hist, sizeof r->hist) == 0;
                    if (!r->matches) {
                        fprintf(stderr,
                                "\nbeex sweep: MISMATCH %s/%d threads/batch %d at %s %g: "
                                "accuracy %.6f vs replay %.6f, %d examples differ\n",
                                beex_isa_name((beex_isa)r->isa), r->threads, r->batch,
                                beex_policy_name(r->policy.kind), r->policy.param, r->accuracy,
                                want->scores.accuracy, r->mismatched_examples);
                        bad++;
                    } else if (r->mismatched_examples > 0) {
                        fprintf(stderr,
                                "\nbeex sweep: note: %s %s %g: %d examples decide "
                                "differently yet the totals agree\n",
                                beex_isa_name((beex_isa)r->isa), beex_policy_name(r->policy.kind),
                                r->policy.param, r->mismatched_examples);
                    }
                    beex_progress("timed runs", ++done, total);
                }
            }
        for (int t = 0; t < nthreads; t++) {
            beex_engine_free(eng[t]);
            eng[t] = NULL;
        }
    }
    free(st);
    json_object_set_new(effective, "threads", eff_threads);
    json_object_set_new(effective, "batches", int_array(batches, nbatches));
    free(rexit);
    free(rpred);
    return bad;
}

static int encode_test(sweep_state *s, const int *label_map, char *err, size_t errlen)
{
    return beex_encode_split(&s->ds.test, s->vocab, s->model->cfg.max_len, label_map, 0,
                             (int)s->ds.test.n, &s->test, err, errlen);
}

/* The document's head: provenance, inputs, settings (filled in as the run goes). */
static json_t *doc_head(const beex_sweep_options *o, const sweep_state *s, const char *data_dir,
                        beex_precision prec, beex_metric metric, int positive, json_t **effective)
{
    const beex_config *cfg = &s->model->cfg;
    json_t *doc = json_object();
    json_object_set_new(doc, "kind",
                        json_string(o->shard_n > 0 ? "beex-sweep-shard" : "beex-sweep"));
    json_t *context = beex_context_json();
    char run_id[64];
    beex_run_id(run_id, sizeof run_id);
    json_object_set_new(context, "run_id", json_string(run_id));
    json_object_set_new(doc, "context", context);
    json_object_set_new(doc, "inputs", beex_inputs_json(o->model, data_dir));
    json_object_set_new(doc, "seeds", seeds_json(s->model, o->seed));
    json_object_set_new(doc, "task", json_string(o->task));
    json_object_set_new(doc, "model_config", beex_config_json(cfg));
    json_t *labels = json_array();
    for (int c = 0; c < cfg->classes; c++)
        json_array_append_new(
            labels,
            json_string(s->model->labels && s->model->labels[c] ? s->model->labels[c] : "?"));
    json_object_set_new(doc, "labels", labels);
    json_t *settings = json_object(), *eff = json_object();
    json_object_set_new(settings, "requested", requested_json(o));
    json_object_set_new(eff, "precision", json_string(beex_precision_name(prec)));
    json_object_set_new(eff, "metric", json_string(beex_metric_name(metric)));
    json_object_set_new(eff, "positive_class",
                        positive >= 0 ? json_string(s->model->labels[positive]) : json_null());
    json_object_set_new(eff, "f1", json_string(beex_f1_kind(cfg->classes)));
    json_object_set_new(eff, "mcc", json_string(beex_mcc_kind(cfg->classes)));
    json_object_set_new(
        eff, "bootstrap",
        json_pack("{s:i, s:I, s:f, s:s}", "resamples", o->resamples, "seed", (json_int_t)o->seed,
                  "level", 0.95, "method",
                  "percentile; examples resampled with replacement; every point rescored on the "
                  "same resamples (paired); McNemar exact two-sided on discordant pairs"));
    json_object_set_new(eff, "bops_divisor", json_real(BEEX_BOPS_DIVISOR));
    json_object_set_new(settings, "effective", eff);
    json_object_set_new(doc, "settings", settings);
    *effective = eff;
    return doc;
}

/* Loads model, data and vocabulary and checks everything that can be checked before the long
 * work: precision, labels by name, the positive class. */
static int load_inputs(const beex_sweep_options *o, sweep_state *s, char *data_dir, size_t data_len,
                       int *label_map, beex_precision *prec, int *positive, char *err,
                       size_t errlen)
{
    if (beex_model_load(o->model, &s->model, err, errlen) != 0)
        return -1;
    beex_precision want =
        o->precision >= 0 ? (beex_precision)o->precision : s->model->cfg.precision;
    if (want == BEEX_PREC_W8A8 && beex_model_has_act_scales(s->model) != 1) {
        snprintf(err, errlen, "%s: %s", o->model, BEEX_W8A8_UNCALIBRATED);
        return -1;
    }
    if (beex_dataset_resolve(o->task, data_dir, data_len, err, errlen) != 0 ||
        beex_dataset_load(o->task, &s->ds, err, errlen) != 0)
        return -1;
    s->ds_loaded = 1;
    const beex_config *cfg = &s->model->cfg;
    *prec = o->precision >= 0 ? (beex_precision)o->precision : cfg->precision;
    if (s->model->is_deployment && *prec != cfg->precision) {
        snprintf(err, errlen, "a deployment file runs only in its own precision (%s)",
                 beex_precision_name(cfg->precision));
        return -1;
    }
    if (s->ds.n_labels > BEEX_MAX_CLASSES) {
        snprintf(err, errlen, "%s: more than %d labels (the largest model has %d classes)", o->task,
                 BEEX_MAX_CLASSES, BEEX_MAX_CLASSES);
        return -1;
    }
    char why[400];
    if (beex_label_map(&s->ds, s->model, label_map, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s on %s: %s", o->model, o->task, why);
        return -1;
    }
    *positive = beex_positive_class(s->model, o->positive, err, errlen);
    if (*positive == -2)
        return -1;
    if (s->model->vocab == NULL ||
        (s->vocab = beex_vocab_from_tokens(s->model->vocab, cfg->vocab)) == NULL) {
        snprintf(err, errlen, "%s: the model carries no vocabulary", o->model);
        return -1;
    }
    return 0;
}

/* Where the run goes: --out, or the default run folder (with the shard in its name). */
static void run_dir_name(const beex_sweep_options *o, beex_precision prec, char *dir, size_t len)
{
    char suffix[64];
    snprintf(suffix, sizeof suffix, "shard-%d-of-%d", o->shard_i, o->shard_n);
    if (o->out != NULL)
        snprintf(dir, len, "%s", o->out);
    else
        beex_default_run_dir(dir, len, "sweep", o->task, beex_precision_name(prec),
                             o->shard_n > 0 ? suffix : NULL);
}

/* The dev and test traces: read from --trace (and checked against this model and task), or
 * traced now into the staged folder. */
static int get_traces(const beex_sweep_options *o, sweep_state *s, beex_precision prec,
                      const int *label_map, const char *stage, json_t *effective, char *err,
                      size_t errlen)
{
    const beex_config *cfg = &s->model->cfg;
    if (o->trace_dir == NULL)
        return trace_pass(o, s, prec, label_map, stage, effective, err, errlen);
    if (read_traces(o->trace_dir, s, prec, err, errlen) != 0)
        return -1;
    if (s->tdev.blocks != cfg->blocks || s->tdev.classes != cfg->classes ||
        s->ttest.n != (int)s->ds.test.n || s->tdev.n != (int)s->ds.dev.n) {
        snprintf(err, errlen, "%s: the trace does not match this model and task", o->trace_dir);
        return -1;
    }
    return 0;
}

/* A shard stops after its trace: the shard's JSON beside the traces, the folder committed. */
static int commit_shard(const beex_sweep_options *o, sweep_state *s, const char *stage,
                        const char *dir, char *used, size_t usedlen, char *err, size_t errlen)
{
    json_object_set_new(s->doc, "shard",
                        json_pack("{s:i, s:i, s:i, s:i}", "i", o->shard_i, "n", o->shard_n,
                                  "dev_examples", s->tdev.n, "test_examples", s->ttest.n));
    char p[4400];
    snprintf(p, sizeof p, "%s/shard-%d-of-%d.json", stage, o->shard_i, o->shard_n);
    if (beex_json_write_atomic(s->doc, p, err, errlen) != 0 ||
        beex_run_dir_commit(stage, dir, o->overwrite, o->out == NULL, used, usedlen, err, errlen) !=
            0)
        return -1;
    printf("shard %d/%d traced: %d dev + %d test examples in %s\n", o->shard_i, o->shard_n,
           s->tdev.n, s->ttest.n, used);
    return 0;
}

/* The SDE counters of the whole run and the hardware counters' availability. */
static json_t *counters_json(void)
{
    json_t *counters = json_object();
    json_object_set_new(counters, "sde", beex_sde_json());
    beex_hw_counters hc;
    beex_hw_counters_init(&hc, 1);
    json_object_set_new(counters, "hardware", beex_hw_counters_json(&hc));
    return counters;
}

/* The points whose histograms hist.csv shows: full depth, then the timed points and the
 * chosen ones, each once. Returns the count written to hist_idx. */
int beex_sweep_hist_points(const beex_sweep_table *t, const int *pts, int npts, int *hist_idx)
{
    int nhist = 0;
    const int extra[3] = {t->selected, t->selected_sig, t->selected_delta};
    hist_idx[nhist++] = t->full;
    for (int k = 0; k < npts + 3; k++) {
        int i = k < npts ? pts[k] : extra[k - npts], dup = i < 0;
        for (int j = 0; j < nhist && !dup; j++)
            dup = hist_idx[j] == i;
        if (!dup)
            hist_idx[nhist++] = i;
    }
    return nhist;
}

/* 1 when the folder out is trace or one of its parents: committing there with --overwrite
 * would delete the traces the new sweep.json points at. Compared by device and inode, going up
 * with "..", so that symbolic links on either side cannot hide it. */
int beex_sweep_out_holds(const char *out, const char *trace)
{
    struct stat so, st, root;
    if (stat(out, &so) != 0 || !S_ISDIR(so.st_mode) || stat("/", &root) != 0)
        return 0;
    char p[8192];
    snprintf(p, sizeof p, "%s", trace);
    for (int up = 0; up < 256 && stat(p, &st) == 0; up++) {
        if (st.st_dev == so.st_dev && st.st_ino == so.st_ino)
            return 1;
        if ((st.st_dev == root.st_dev && st.st_ino == root.st_ino) || strlen(p) + 4 >= sizeof p)
            return 0;
        strcat(p, "/..");
    }
    return 0;
}

int beex_sweep_run(const beex_sweep_options *o)
{
    sweep_state s;
    memset(&s, 0, sizeof s);
    char err[512], dir[4096], stage[4200] = "", data_dir[4096], used[4200];
    int status = 1, label_map[BEEX_MAX_CLASSES], positive = -1;
    beex_precision prec;

    if (o->trace_files[0] != NULL)
        return beex_sweep_byo_run(o);
    if (o->trace_dir != NULL && o->out != NULL && beex_sweep_out_holds(o->out, o->trace_dir)) {
        fprintf(stderr,
                "beex sweep: --out %s is (or holds) the --trace folder %s: the new results would "
                "replace the traces they are computed from; choose another --out\n",
                o->out, o->trace_dir);
        return 1;
    }
    if (load_inputs(o, &s, data_dir, sizeof data_dir, label_map, &prec, &positive, err,
                    sizeof err) != 0)
        goto fail;
    if (check_shard(o, &s.ds, err, sizeof err) != 0) {
        fprintf(stderr, "beex sweep: %s\n", err);
        status = 2; /* the option is wrong, as for --shard 2/2 */
        goto done;
    }
    const beex_config *cfg = &s.model->cfg;
    if (beex_sde_init(cfg->blocks) != 0)
        fprintf(stderr, "beex sweep: PAPI SDE counters could not be registered; going on\n");
    run_dir_name(o, prec, dir, sizeof dir);
    if (beex_run_dir_stage(dir, o->overwrite, stage, sizeof stage, err, sizeof err) != 0) {
        stage[0] = '\0';
        goto fail;
    }
    beex_metric metric = o->metric >= 0 ? (beex_metric)o->metric : beex_metric_for_task(o->task);
    json_t *effective;
    /* The trace's team first, so that the context records the CPUs granted and the binding
     * (the timed runs record their own per run). */
    if (beex_threads_setup(o->trace_threads, err, sizeof err) < 0)
        goto fail;
    s.doc = doc_head(o, &s, data_dir, prec, metric, positive, &effective);

    /* 1. the trace */
    if (get_traces(o, &s, prec, label_map, stage, effective, err, sizeof err) != 0)
        goto fail;
    if (o->shard_n > 0) {
        if (commit_shard(o, &s, stage, dir, used, sizeof used, err, sizeof err) != 0)
            goto fail;
        status = 0;
        goto done;
    }

    /* 2. the replay with intervals, thresholds chosen on dev */
    beex_config ccfg = *cfg;
    beex_replay_setup rs = {&ccfg, prec, metric, positive};
    beex_sweep_table_options to = {o->quick, o->resamples, o->seed};
    if (beex_sweep_replay_all(&s.tdev, &s.ttest, &rs, &to, &s.table, err, sizeof err) != 0)
        goto fail;
    int pts[BEEX_SWEEP_MAX_POINTS];
    int npts = beex_sweep_timed_points(&s.table, o->points, pts);

    /* 3. timed runs at the chosen points */
    int mismatches = 0;
    json_t *variants = json_array();
    for (int v = 0; v < o->n_variants; v++)
        if (strcmp(o->variants_arg, "all") != 0 || beex_precision_variant_own(prec, o->variants[v]))
            json_array_append_new(variants, json_string(beex_isa_name((beex_isa)o->variants[v])));
    json_object_set_new(effective, "variants", variants);
    json_object_set_new(effective, "reps", json_integer(o->reps));
    if (!o->no_timed && npts > 0) {
        if (encode_test(&s, label_map, err, sizeof err) != 0)
            goto fail;
        mismatches = timed_pass(o, &s, prec, &rs, pts, npts, effective, err, sizeof err);
        if (mismatches < 0)
            goto fail;
    }
    json_object_set_new(s.doc, "counters", counters_json());

    /* 4. the result files and the summary */
    int hist_idx[BEEX_SWEEP_MAX_POINTS + 4];
    int nhist = beex_sweep_hist_points(&s.table, pts, npts, hist_idx);
    if (beex_sweep_write_outputs(stage, s.doc, &s.table, cfg->blocks, s.runs, s.nruns, hist_idx,
                                 nhist, err, sizeof err) != 0 ||
        beex_run_dir_commit(stage, dir, o->overwrite, o->out == NULL, used, sizeof used, err,
                            sizeof err) != 0)
        goto fail;
    stage[0] = '\0';
    beex_summary_info info = {beex_metric_name(metric), s.ttest.n, o->resamples, o->seed};
    beex_print_sweep_summary(stdout, &s.table, &info, s.runs, s.nruns);
    printf("results: %s/sweep.json (+ replay.csv, pareto.csv,%s hist.csv, traces), run id %s\n",
           used, s.nruns > 0 ? " timed.csv," : "",
           json_string_value(json_object_get(json_object_get(s.doc, "context"), "run_id")));
    if (mismatches > 0) {
        fprintf(stderr, "beex sweep: %d timed runs disagree with the replay (see timed.csv)\n",
                mismatches);
        status = 1;
        goto done;
    }
    status = 0;
    goto done;
fail:
    fprintf(stderr, "beex sweep: %s\n", err);
    if (stage[0] != '\0')
        beex_run_dir_abandon(stage);
done:
    state_free(&s);
    return status;
}
