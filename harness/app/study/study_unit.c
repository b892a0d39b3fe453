/* One unit of a study, start to finish, under its lock: train into a staging folder (or link
 * the unit's model when only the sweep settings changed), measure the deployment sizes, sweep
 * without timed runs (unless asked), write unit.json, rename the folder into place. A failure
 * or a kill leaves the unit's earlier results (or none), never half of new ones. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/app/study/study.h"
#include "harness/app/study/study_fs.h"
#include "harness/app/sweep_run.h"
#include "harness/base/atomic_file.h"
#include "harness/base/fingerprint.h"
#include "harness/base/input_file.h"
#include "harness/eval/metrics.h"
#include "harness/model/model.h"
#include "harness/report/run_dir.h"
#include "kernels/cpu.h"

const char *beex_unit_state_name(beex_unit_state s)
{
    static const char *const names[] = {"missing", "done", "resweep", "conflict"};
    return names[s];
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void unit_dir(const beex_study_plan *plan, int i, char *out, size_t len)
{
    snprintf(out, len, "%s/units/%s", plan->o->out, plan->units[i].id);
}

/* Settings compare as their canonical text: reals at the precision the files keep. */
static char *canonical(const json_t *j)
{
    return j ? json_dumps(j,
                          JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10))
             : NULL;
}

static int same_json(const json_t *a, const json_t *b)
{
    char *x = canonical(a), *y = canonical(b);
    int same = x != NULL && y != NULL && strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

/* Names the first setting of want that have holds differently. */
static void first_difference(const json_t *want, const json_t *have, char *why, size_t len)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)want, key, v)
    {
        const json_t *h = json_object_get(have, key);
        if (!same_json(v, h)) {
            char *a = canonical(v), *b = h ? canonical(h) : NULL;
            snprintf(why, len, "%s is %.120s here, %.120s in the unit", key, a ? a : "?",
                     b ? b : "absent");
            free(a);
            free(b);
            return;
        }
    }
    snprintf(why, len, "the recorded settings differ");
}

static int exists(const char *dir, const char *file)
{
    char p[4400];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, file);
    return stat(p, &st) == 0;
}

beex_unit_state beex_study_unit_state(const beex_study_plan *plan, int i, char *why, size_t whylen)
{
    char dir[4300], p[4400], scratch[8];
    if (why == NULL) {
        why = scratch;
        whylen = sizeof scratch;
    }
    why[0] = '\0';
    unit_dir(plan, i, dir, sizeof dir);
    struct stat st;
    if (stat(dir, &st) != 0)
        return BEEX_UNIT_MISSING;
    snprintf(p, sizeof p, "%s/unit.json", dir);
    char jerr[4600];
    json_t *doc = beex_input_json(p, BEEX_INPUT_MAX_JSON, jerr, sizeof jerr);
    const json_t *have = json_object_get(doc, "settings");
    if (have == NULL) {
        snprintf(why, whylen, "%s holds no readable unit.json", dir);
        json_decref(doc);
        return BEEX_UNIT_CONFLICT;
    }
    json_t *want = beex_study_unit_settings(plan, i);
    beex_unit_state s = BEEX_UNIT_DONE;
    if (!same_json(json_object_get(want, "train"), json_object_get(have, "train"))) {
        first_difference(json_object_get(want, "train"), json_object_get(have, "train"), why,
                         whylen);
        s = BEEX_UNIT_CONFLICT;
    } else if (!exists(dir, "model.safetensors")) {
        s = BEEX_UNIT_MISSING;
    } else if (!same_json(json_object_get(want, "sweep"), json_object_get(have, "sweep")) ||
               !exists(dir, "sweep/sweep.json")) {
        s = BEEX_UNIT_RESWEEP;
    }
    json_decref(want);
    json_decref(doc);
    return s;
}

int beex_study_unit_check_model(const beex_study_plan *plan, int i, char *err, size_t errlen)
{
    char dir[4300], model[4400], sweep[4400], fp[17];
    unit_dir(plan, i, dir, sizeof dir);
    snprintf(model, sizeof model, "%s/model.safetensors", dir);
    snprintf(sweep, sizeof sweep, "%s/sweep/sweep.json", dir);
    if (beex_file_fingerprint(model, fp) != 0) {
        snprintf(err, errlen, "%s: unreadable", model);
        return -1;
    }
    json_t *doc = beex_input_json(sweep, BEEX_INPUT_MAX_JSON, err, errlen);
    if (doc == NULL)
        return -1;
    /* A sweep of the model, or of its traces converted with beex trace convert --model (a
     * re-sweep with per-exit temperatures, scripts/study_exits.sh). */
    const json_t *inputs = json_object_get(doc, "inputs");
    const char *rec =
        json_string_value(json_object_get(json_object_get(inputs, "model"), "fingerprint"));
    if (rec == NULL)
        rec = json_string_value(
            json_object_get(json_object_get(inputs, "trace_files"), "model_fingerprint"));
    int rc = 0;
    if (rec == NULL || strcmp(rec, fp) != 0) {
        snprintf(err, errlen,
                 "%s: swept from model %.64s, but the unit's model.safetensors is %s: remove "
                 "the unit and run the study again",
                 sweep, rec ? rec : "(not recorded)", fp);
        rc = -1;
    }
    json_decref(doc);
    return rc;
}

/* The model of the earlier results, for a new sweep: a hard link (same folder tree), else a
 * copy. */
static int reuse_model(const char *from_dir, const char *to, char *err, size_t errlen)
{
    char from[4400];
    snprintf(from, sizeof from, "%s/model.safetensors", from_dir);
    if (link(from, to) == 0)
        return 0;
    FILE *in = fopen(from, "rb");
    beex_atomic_file af;
    if (in == NULL) {
        snprintf(err, errlen, "%s: %s", from, strerror(errno));
        return -1;
    }
    if (beex_atomic_open(&af, to, err, errlen) != 0) {
        fclose(in);
        return -1;
    }
    char buf[65536];
    size_t n;
    int bad = 0;
    while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0)
        bad = fwrite(buf, 1, n, af.f) != n;
    bad |= ferror(in);
    fclose(in);
    if (bad) {
        snprintf(err, errlen, "%s: copy to %s failed", from, to);
        beex_atomic_abort(&af);
        return -1;
    }
    return beex_atomic_commit(&af, err, errlen);
}

static int train(const beex_study_plan *plan, int i, const char *data, const char *stage,
                 json_t **result, double *seconds, char *err, size_t errlen)
{
    beex_train_options o = plan->units[i].train;
    char out[4600], p[4700];
    snprintf(out, sizeof out, "%s/model.safetensors", stage);
    o.task = data;
    o.out = out;
    o.progress = 0;
    o.quiet = 1;
    char why[512];
    if (beex_train_run(&o, why, sizeof why) != 0) {
        snprintf(err, errlen, "training: %s", why);
        return -1;
    }
    /* The resume files serve no one once the unit is done. */
    snprintf(p, sizeof p, "%s.last.safetensors", out);
    unlink(p);
    snprintf(p, sizeof p, "%s.state", out);
    unlink(p);
    *seconds = o.seconds_out;
    *result = json_pack("{s:i, s:f, s:f, s:f}", "best_epoch", o.best_epoch_out, "best_dev_accuracy",
                        o.best_dev_out, "first_epoch_loss", o.first_loss_out, "last_epoch_loss",
                        o.final_loss_out);
    return 0;
}

/* Deployment sizes as `beex export` writes them, less the training record (metadata "extra":
 * paths, settings), whose length would make the ratio depend on where the data lived. */
static json_t *size_json(const char *model_path, int precision, char *err, size_t errlen)
{
    beex_model *m = NULL;
    uint64_t fp32 = 0, own = 0;
    if (beex_model_load(model_path, &m, err, errlen) != 0)
        return NULL;
    free(m->metadata_json);
    m->metadata_json = NULL;
    int bad = beex_model_deployment_size(m, BEEX_PREC_FP32, &fp32, err, errlen) != 0 ||
              beex_model_deployment_size(m, (beex_precision)precision, &own, err, errlen) != 0;
    beex_model_free(m);
    if (bad || own == 0)
        return NULL;
    return json_pack("{s:I, s:I, s:f, s:s}", "fp32_deployment_bytes", (json_int_t)fp32,
                     "deployment_bytes", (json_int_t)own, "ratio", (double)fp32 / (double)own,
                     "note", "deployment files (beex export) without the training record");
}

static void sweep_options(const beex_study_plan *plan, int i, beex_sweep_options *o)
{
    const beex_study_options *so = plan->o;
    const beex_study_unit *u = &plan->units[i];
    memset(o, 0, sizeof *o);
    o->precision = u->precision;
    /* Timed: the selected point, full depth (its speed-up's reference) and the entropy-ratio
     * rule's choice, at batch 1 (an early exit's latency), three repetitions each: the
     * scalar variant's w1a32 pass over mr's test split alone takes 20 ms per example. */
    o->reps = 3;
    o->quick = so->quick;
    o->points = 3;
    o->batches[0] = 1;
    o->n_batches = 1;
    o->no_timed = !so->timed;
    o->metric = plan->tasks[u->task].metric; /* by the task's name, not the fold folder's */
    o->resamples = so->resamples;
    o->seed = so->boot_seed;
    o->trace_threads = so->threads;
    o->threads[0] = so->threads;
    o->n_threads = 1;
    snprintf(o->threads_arg, sizeof o->threads_arg, "%d", so->threads);
    snprintf(o->variants_arg, sizeof o->variants_arg, "all");
    o->n_variants = beex_isa_available_list(0, o->variants); /* as `beex sweep --variants all` */
}

/* The last "beex sweep: ..." line of the captured output (its error), into err. */
static void sweep_error(const char *txt, char *err, size_t errlen)
{
    snprintf(err, errlen, "the sweep failed (see %s)", txt);
    FILE *f = fopen(txt, "r");
    if (f == NULL)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "beex sweep: ", 12) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(err, errlen, "the sweep failed: %s", line + 12);
        }
    fclose(f);
}

/* The sweep with its standard output (the summary) and standard error (trace progress, its
 * messages) kept in the unit's sweep.txt: a study runs many, and its terminal shows one line
 * per unit. A failure's message comes back in err. */
static int sweep(const beex_study_plan *plan, int i, const char *data, const char *stage, char *err,
                 size_t errlen)
{
    char model[4600], out[4600], txt[4600];
    snprintf(model, sizeof model, "%s/model.safetensors", stage);
    snprintf(out, sizeof out, "%s/sweep", stage);
    snprintf(txt, sizeof txt, "%s/sweep.txt", stage);
    beex_sweep_options o;
    sweep_options(plan, i, &o);
    o.model = model;
    o.task = data;
    o.out = out;
    int fd = open(txt, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create: %s", txt, strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
    if (saved_out < 0 || saved_err < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
        dup2(fd, STDERR_FILENO) < 0) {
        snprintf(err, errlen, "cannot redirect the sweep's output: %s", strerror(errno));
        if (saved_out >= 0) {
            dup2(saved_out, STDOUT_FILENO);
            close(saved_out);
        }
        if (saved_err >= 0) {
            dup2(saved_err, STDERR_FILENO);
            close(saved_err);
        }
        close(fd);
        return -1;
    }
    int rc = beex_sweep_run(&o);
    int flushed = fflush(stdout) == 0 && fflush(stderr) == 0;
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    if (close(fd) != 0 || !flushed) {
        snprintf(err, errlen, "%s: write failed", txt);
        return -1;
    }
    if (rc != 0) {
        sweep_error(txt, err, errlen);
        return -1;
    }
    return 0;
}

static json_t *run_json(int threads, double train_s, double sweep_s, int reused)
{
    char host[256] = "unknown", stamp[32];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *r = json_pack("{s:s, s:i, s:i, s:f, s:f, s:b, s:s}", "host", host, "pid", (int)getpid(),
                          "threads", threads, "train_seconds", train_s, "sweep_seconds", sweep_s,
                          "model_reused", reused, "finished_utc", stamp);
    static const char *const vars[] = {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID"};
    for (size_t k = 0; k < sizeof vars / sizeof *vars; k++) {
        const char *v = getenv(vars[k]);
        if (v != NULL)
            json_object_set_new(r, vars[k], json_string(v));
    }
    return r;
}

/* Moves stage into place as final, replacing an earlier unit folder (moved aside first, so
 * that a crash in between leaves one of the two whole). Another process's completed unit
 * wins: ours is dropped. */
static int commit(const char *stage, const char *final, const char *tag, char *err, size_t errlen)
{
    struct stat st;
    char aside[4500] = "";
    if (stat(final, &st) == 0) {
        snprintf(aside, sizeof aside, "%s.replaced-%s", final, tag);
        if (rename(final, aside) != 0) {
            snprintf(err, errlen, "%s: cannot move the earlier results aside: %s", final,
                     strerror(errno));
            return -1;
        }
    }
    if (rename(stage, final) != 0) {
        snprintf(err, errlen, "%s: cannot rename %s into place: %s", final, stage, strerror(errno));
        if (aside[0] != '\0')
            rename(aside, final);
        return -1;
    }
    if (aside[0] != '\0' && beex_remove_tree(aside) != 0)
        fprintf(stderr, "beex study: cannot remove %s\n", aside);
    return 0;
}

/* Trains (or reuses) and sweeps unit i into stage; writes unit.json. */
static int build(const beex_study_plan *plan, int i, beex_unit_state state, const char *final,
                 const char *stage, char *err, size_t errlen)
{
    const beex_study_unit *u = &plan->units[i];
    char data[4300], p[4600];
    if (beex_study_unit_data(plan, i, data, sizeof data, err, errlen) != 0)
        return -1;
    json_t *train_result = NULL, *earlier = NULL;
    double train_s = 0, t0;
    int rc = -1;
    snprintf(p, sizeof p, "%s/model.safetensors", stage);
    if (state == BEEX_UNIT_RESWEEP) {
        char uj[4400];
        snprintf(uj, sizeof uj, "%s/unit.json", final);
        char jerr[4600];
        earlier = beex_input_json(uj, BEEX_INPUT_MAX_JSON, jerr, sizeof jerr);
        const json_t *r = json_object_get(json_object_get(earlier, "results"), "train");
        json_t *run = json_object_get(earlier, "run");
        train_result = r ? json_deep_copy(r) : json_object();
        train_s = json_number_value(json_object_get(run, "train_seconds"));
        if (reuse_model(final, p, err, errlen) != 0)
            goto done;
    } else {
        beex_atomic_track_dir(stage); /* Ctrl-C while training removes the stage's files */
        if (train(plan, i, data, stage, &train_result, &train_s, err, errlen) != 0)
            goto done;
    }
    char why[512];
    json_t *size = size_json(p, u->precision, why, sizeof why);
    if (size == NULL) {
        snprintf(err, errlen, "model sizes of %s: %s", p, why);
        goto done;
    }
    t0 = now_s();
    if (sweep(plan, i, data, stage, err, errlen) != 0) {
        json_decref(size);
        goto done;
    }
    double sweep_s = now_s() - t0;
    json_t *doc = json_object();
    json_object_set_new(doc, "kind", json_string("beex-study-unit"));
    json_object_set_new(doc, "id", json_string(u->id));
    json_object_set_new(doc, "task", json_string(plan->tasks[u->task].name));
    json_object_set_new(doc, "precision",
                        json_string(beex_precision_name((beex_precision)u->precision)));
    json_object_set_new(doc, "seed", json_integer((json_int_t)u->seed));
    json_object_set_new(doc, "fold", u->fold >= 0 ? json_integer(u->fold) : json_null());
    json_object_set_new(doc, "settings", beex_study_unit_settings(plan, i));
    json_object_set_new(doc, "results",
                        json_pack("{s:o, s:o}", "train", train_result, "size", size));
    train_result = NULL;
    json_object_set_new(doc, "files",
                        json_pack("{s:s, s:s, s:s}", "model", "model.safetensors", "sweep",
                                  "sweep/sweep.json", "sweep_summary", "sweep.txt"));
    json_object_set_new(doc, "run",
                        run_json(plan->o->threads, train_s, sweep_s, state == BEEX_UNIT_RESWEEP));
    snprintf(p, sizeof p, "%s/unit.json", stage);
    rc = beex_json_write_atomic(doc, p, err, errlen);
    json_decref(doc);
done:
    json_decref(train_result);
    json_decref(earlier);
    return rc;
}

static void summarize(const beex_study_plan *plan, int i, beex_unit_state state,
                      beex_unit_outcome *out)
{
    beex_unit_figures f;
    char err[256];
    const char *how = state == BEEX_UNIT_RESWEEP ? "swept again" : "trained and swept";
    if (beex_study_unit_figures(plan, i, &f, err, sizeof err) != 0) {
        snprintf(out->summary, sizeof out->summary, "%s in %.1f s (%.120s)", how, out->seconds,
                 err);
        return;
    }
    snprintf(out->summary, sizeof out->summary,
             "%s in %.1f s: %s full depth %.4f, selected %.4f (%s, %.1f %% fewer OPs)", how,
             out->seconds, f.metric, f.v[BEEX_FIG_FULL], f.v[BEEX_FIG_SELECTED],
             f.selected[0] ? f.selected : "none", 100.0 * f.v[BEEX_FIG_SELECTED_SAVING]);
}

int beex_study_unit_run(const beex_study_plan *plan, int i, beex_unit_outcome *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof *out);
    char units[4200], final[4300], lock[4400], stage[4500], tag[96], why[512];
    snprintf(units, sizeof units, "%s/units", plan->o->out);
    unit_dir(plan, i, final, sizeof final);
    snprintf(lock, sizeof lock, "%s.lock", final);
    if (beex_mkdir_p(units, err, errlen) != 0)
        return -1;
    int fd, got = beex_study_lock(lock, &fd, err, errlen);
    if (got <= 0) {
        out->busy = got == 0;
        return got;
    }
    beex_unit_state state = beex_study_unit_state(plan, i, why, sizeof why);
    if (state == BEEX_UNIT_CONFLICT) {
        snprintf(err, errlen,
                 "%s: made with other settings (%s); remove it or choose another --out", final,
                 why);
        beex_study_unlock(fd, lock, 0);
        return -1;
    }
    if (state == BEEX_UNIT_DONE) {
        beex_study_unlock(fd, lock, 1);
        return 0;
    }
    beex_study_clean_stale(units, plan->units[i].id);
    beex_study_process_tag(tag, sizeof tag);
    snprintf(stage, sizeof stage, "%s.partial-%s", final, tag);
    if (mkdir(stage, 0777) != 0) {
        snprintf(err, errlen, "%s: cannot create: %s", stage, strerror(errno));
        beex_study_unlock(fd, lock, 0);
        return -1;
    }
    double t0 = now_s();
    int rc = build(plan, i, state, final, stage, err, errlen);
    beex_atomic_track_dir(NULL);
    if (rc == 0)
        rc = commit(stage, final, tag, err, errlen);
    if (rc != 0)
        beex_remove_tree(stage);
    beex_study_unlock(fd, lock, rc == 0);
    if (rc != 0)
        return -1;
    out->ran = 1;
    out->seconds = now_s() - t0;
    summarize(plan, i, state, out);
    return 0;
}
