/* The flow of `beex study`: plan the units; list them, run one (a Slurm array task), or run
 * every one not done yet with a progress bar and one log line per finished unit; then
 * aggregate under the study's lock and write the tables and context.json (the only file with
 * hosts and times). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/app/study/study.h"
#include "harness/app/study/study_fs.h"
#include "harness/base/atomic_file.h"
#include "harness/base/input_file.h"
#include "harness/base/progress.h"
#include "harness/base/threads.h"
#include "harness/report/context.h"
#include "harness/report/run_dir.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void utc_stamp(char *out, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

#define MAX_JOBS 64

typedef struct {
    char started[32];
    double t0;
    int run, skipped, busy, failed;
    long pids[MAX_JOBS]; /* this run's worker processes, to find their units in context.json */
    int npids, workers_failed;
} run_tally;

/* One line per finished unit: on the terminal and appended to DIR/study.log. */
static void report_unit(const beex_study_plan *plan, int i, const char *text)
{
    char line[1024], stamp[32], tag[96], log[4200], err[512];
    utc_stamp(stamp, sizeof stamp);
    beex_study_process_tag(tag, sizeof tag);
    snprintf(line, sizeof line, "%s %s unit %d of 0..%d %s: %s\n", stamp, tag, i, plan->n_units - 1,
             plan->units[i].id, text);
    beex_progress_clear();
    fprintf(stderr, "study: unit %d of 0..%d %s: %s\n", i, plan->n_units - 1, plan->units[i].id,
            text);
    snprintf(log, sizeof log, "%s/study.log", plan->o->out);
    if (beex_study_log_append(log, line, err, sizeof err) != 0)
        fprintf(stderr, "beex study: %s\n", err);
}

/* Returns 0, or 1 when the unit failed (after saying why). */
static int one_unit(const beex_study_plan *plan, int i, run_tally *t)
{
    beex_unit_outcome out;
    char err[1024];
    if (beex_study_unit_run(plan, i, &out, err, sizeof err) != 0) {
        t->failed++;
        report_unit(plan, i, "FAILED");
        fprintf(stderr, "beex study: unit %s: %s\n", plan->units[i].id, err);
        return 1;
    }
    if (out.busy) {
        t->busy++;
        if (plan->o->jobs > 1 && plan->o->unit < 0)
            return 0; /* most likely a sibling worker: not worth a line */
        beex_progress_clear();
        fprintf(stderr,
                "study: unit %d %s is being run by another process (its lock %s/units/"
                "%s.lock is held); skipped\n",
                i, plan->units[i].id, plan->o->out, plan->units[i].id);
        return 0;
    }
    if (!out.ran) {
        t->skipped++;
        return 0;
    }
    t->run++;
    report_unit(plan, i, out.summary);
    return 0;
}

/* Results made with other settings stop the study before it runs anything: never
 * overwritten, and better said once than at every unit. */
static int conflicts(const beex_study_plan *plan)
{
    int n = 0;
    for (int i = 0; i < plan->n_units; i++) {
        char why[512];
        if (beex_study_unit_state(plan, i, why, sizeof why) != BEEX_UNIT_CONFLICT)
            continue;
        if (n++ < 3)
            fprintf(stderr, "beex study: %s/units/%s: made with other settings (%s)\n",
                    plan->o->out, plan->units[i].id, why);
    }
    if (n > 0)
        fprintf(stderr,
                "beex study: %d of %d units conflict with these settings; remove them or "
                "choose another --out\n",
                n, plan->n_units);
    return n;
}

static int not_done(const beex_study_plan *plan)
{
    int n = 0;
    for (int i = 0; i < plan->n_units; i++)
        n += beex_study_unit_state(plan, i, NULL, 0) != BEEX_UNIT_DONE;
    return n;
}

/* Every unit in order, each taken by whichever worker locks it first. Only the first worker
 * (bar = 1) draws the bar; its ETA counts the units left to anyone, shared by the workers. */
static int run_all(const beex_study_plan *plan, run_tally *t, int bar)
{
    int n = plan->n_units, todo = not_done(plan), failed = 0;
    int jobs = plan->o->jobs > 1 ? plan->o->jobs : 1;
    if (bar)
        fprintf(stderr, "study: %d units, %d to run, %d done already (%s; %d at a time)\n", n, todo,
                n - todo, plan->o->out, jobs);
    double spent = 0;
    int ran = 0;
    for (int i = 0; i < n; i++) {
        if (beex_study_unit_state(plan, i, NULL, 0) == BEEX_UNIT_DONE) {
            t->skipped++;
            continue;
        }
        if (bar) {
            char what[64];
            int left = not_done(plan);
            snprintf(what, sizeof what, "%.60s", plan->units[i].id);
            beex_progress_eta(what, todo - left, todo, ran > 0 ? spent / ran * left / jobs : -1);
        }
        double t0 = now_s();
        failed |= one_unit(plan, i, t);
        spent += now_s() - t0;
        ran++;
    }
    if (bar && todo > 0) {
        beex_progress_eta("units", todo, todo, 0);
        beex_progress_clear();
    }
    return failed;
}

/* Worker k owns cores [k * threads, (k + 1) * threads) of the allowed ones when they suffice:
 * left to the scheduler, single-thread workers started together ran on one core. */
static void claim_cores(const beex_study_plan *plan, int k)
{
    if (plan->o->jobs < 2)
        return;
    char desc[160];
    int got = beex_threads_claim_slot(k, plan->o->jobs, plan->o->threads, desc, sizeof desc);
    if (got < 0 || (got == 0 && k == 0))
        fprintf(stderr, "beex study: worker %d: %s\n", k + 1, desc);
}

/* jobs - 1 more workers, forked before any OpenMP team exists (a forked OpenMP runtime is
 * not safe); they die with the first worker (Ctrl-C, a SIGTERM to it). Returns the first
 * worker's status, 1 when any worker failed. */
static int run_workers(const beex_study_plan *plan, run_tally *t)
{
    t->pids[t->npids++] = (long)getpid();
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    for (int k = 1; k < plan->o->jobs && t->npids < MAX_JOBS; k++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "beex study: cannot start worker %d: %s; going on with %d\n", k + 1,
                    strerror(errno), k);
            break;
        }
        if (pid == 0) {
            if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
                _exit(1);
            claim_cores(plan, k);
            int st = run_all(plan, t, 0);
            fflush(stderr);
            _exit(st);
        }
        t->pids[t->npids++] = (long)pid;
    }
    claim_cores(plan, 0);
    int status = run_all(plan, t, 1);
    t->workers_failed = status != 0;
    for (int k = 1; k < t->npids; k++) {
        int ws;
        if (waitpid((pid_t)t->pids[k], &ws, 0) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
            t->workers_failed++;
            status = 1;
        }
    }
    return status;
}

static json_t *context_json(const beex_study_plan *plan, const run_tally *t)
{
    char finished[32];
    utc_stamp(finished, sizeof finished);
    json_t *units = json_array();
    char host[256] = "unknown";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    int finished_here = 0;
    for (int i = 0; i < plan->n_units; i++) {
        char p[4400];
        snprintf(p, sizeof p, "%s/units/%s/unit.json", plan->o->out, plan->units[i].id);
        char jerr[4600];
        json_t *u = beex_input_json(p, BEEX_INPUT_MAX_JSON, jerr, sizeof jerr);
        json_t *run = json_object_get(u, "run");
        const char *h = json_string_value(json_object_get(run, "host"));
        long pid = (long)json_integer_value(json_object_get(run, "pid"));
        for (int k = 0; k < t->npids; k++)
            finished_here += h != NULL && strcmp(h, host) == 0 && pid == t->pids[k];
        json_array_append_new(units, json_pack("{s:s, s:O}", "id", plan->units[i].id, "run",
                                               run ? run : json_null()));
        json_decref(u);
    }
    json_t *c = json_object();
    json_object_set_new(c, "kind", json_string("beex-study-context"));
    json_object_set_new(c, "study", json_string(plan->o->out));
    json_object_set_new(c, "context", beex_context_json());
    json_object_set_new(c, "this_run",
                        json_pack("{s:s, s:s, s:f, s:i, s:i, s:i, s:i}", "started_utc", t->started,
                                  "finished_utc", finished, "wall_seconds", now_s() - t->t0,
                                  "threads_per_unit", plan->o->threads, "workers", t->npids,
                                  "units_finished", finished_here, "workers_with_a_failed_unit",
                                  t->workers_failed));
    json_object_set_new(c, "units", units);
    return c;
}

static int aggregate(const beex_study_plan *plan, const run_tally *t)
{
    char lock[4200], err[1024], p[4200];
    snprintf(lock, sizeof lock, "%s/study.lock", plan->o->out);
    int fd, got;
    /* Two processes finishing their last units at once: the later one waits and writes the
     * aggregate of everything present by then. */
    for (int tries = 0; (got = beex_study_lock(lock, &fd, err, sizeof err)) == 0 && tries < 600;
         tries++)
        usleep(100000);
    if (got != 1) {
        fprintf(stderr, "beex study: %s\n", got == 0 ? "the study's lock stayed busy" : err);
        return 1;
    }
    int missing = 0;
    json_t *doc = beex_study_aggregate(plan, &missing, err, sizeof err);
    int rc = 1;
    if (doc != NULL && beex_study_write_outputs(plan->o->out, doc, err, sizeof err) == 0) {
        json_t *ctx = context_json(plan, t);
        snprintf(p, sizeof p, "%s/context.json", plan->o->out);
        rc = beex_json_write_atomic(ctx, p, err, sizeof err) == 0 ? 0 : 1;
        json_decref(ctx);
    }
    beex_study_unlock(fd, lock, 0);
    json_decref(doc);
    if (rc != 0) {
        fprintf(stderr, "beex study: %s\n", err);
        return 1;
    }
    snprintf(p, sizeof p, "%s/study.md", plan->o->out);
    FILE *f = fopen(p, "r");
    if (f != NULL) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, stdout);
        fclose(f);
    }
    if (missing > 0)
        fprintf(stderr, "study: %d of %d units have no results yet; the tables show the rest\n",
                missing, plan->n_units);
    fprintf(stderr,
            "study: results in %s/study.{json,csv,md,tex}, hosts and times in "
            "context.json\n",
            plan->o->out);
    return 0;
}

int beex_study_run(const beex_study_options *o)
{
    beex_study_plan plan;
    char err[1024];
    run_tally t;
    memset(&t, 0, sizeof t);
    t.t0 = now_s();
    utc_stamp(t.started, sizeof t.started);
    if (beex_study_plan_make(o, &plan, err, sizeof err) != 0) {
        fprintf(stderr, "beex study: %s\n", err);
        beex_study_plan_free(&plan);
        return 1;
    }
    int status = 0;
    if (o->list) {
        for (int i = 0; i < plan.n_units; i++) {
            char why[512];
            beex_unit_state s = beex_study_unit_state(&plan, i, why, sizeof why);
            printf("%d\t%s\t%s%s%s\n", i, plan.units[i].id, beex_unit_state_name(s),
                   why[0] ? ": " : "", why);
        }
        goto done;
    }
    if (o->unit >= plan.n_units) {
        fprintf(stderr,
                "beex study: --unit %d: the study has %d units (0 to %d; --list shows "
                "them)\n",
                o->unit, plan.n_units, plan.n_units - 1);
        status = 2;
        goto done;
    }
    if (beex_mkdir_p(o->out, err, sizeof err) != 0) {
        fprintf(stderr, "beex study: --out %s\n", err);
        status = 1;
        goto done;
    }
    if (!o->aggregate_only && conflicts(&plan) > 0) {
        status = 1;
        goto done;
    }
    if (o->unit >= 0) {
        status = one_unit(&plan, o->unit, &t);
        if (status == 0 && t.busy > 0)
            status = 1; /* the array task did not do its unit */
        else if (status == 0 && t.skipped > 0)
            fprintf(stderr, "study: unit %d %s: done already\n", o->unit, plan.units[o->unit].id);
        goto done;
    }
    if (!o->aggregate_only)
        status = run_workers(&plan, &t);
    if (aggregate(&plan, &t) != 0)
        status = 1;
    if (status != 0 && !o->aggregate_only)
        fprintf(stderr, "beex study: units failed (see above and %s/study.log)\n", o->out);
done:
    beex_study_plan_free(&plan);
    return status;
}
