/* `beex history gate`: the comparison of a fresh measurement with the history's last good
 * record of this machine (history_gate.h). Counts are noise-free, so a fixed threshold is
 * enough; timed medians need the U test, and even then only against the same machine. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/history/history_gate.h"
#include "harness/app/history/history_measure.h"
#include "harness/app/history/history_paths.h"
#include "harness/base/mann_whitney.h"
#include "harness/report/history_file.h"

static const char *const count_metrics[3] = {"instructions", "d1_misses", "ll_misses"};

/* --- comparing two records ------------------------------------------------------------ */

typedef struct {
    beex_history_gate_row *v;
    size_t n, cap;
} row_list;

static beex_history_gate_row *push(row_list *l, const char *bench, const char *metric, int timed)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        beex_history_gate_row *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return NULL;
        l->v = v;
        l->cap = cap;
    }
    beex_history_gate_row *r = &l->v[l->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->key, sizeof r->key, "%s:%s", bench, metric);
    r->timed = timed;
    r->change = NAN;
    r->p_value = NAN;
    return r;
}

/* The --only rule of history_measure.h: one name, or a prefix ending in '/'. */
static int selected(const char *only, const char *bench)
{
    if (only == NULL || strcmp(only, bench) == 0)
        return 1;
    size_t n = strlen(only);
    return n > 0 && only[n - 1] == '/' && strncmp(only, bench, n) == 0;
}

/* Why a bench is missing on one side: that binary's own error when it said one. */
static void one_side_note(beex_history_gate_row *r, const json_t *base, const json_t *now,
                          const char *bench)
{
    const json_t *side = r->has_base ? now : base;
    const char *why = json_string_value(json_object_get(json_object_get(side, "absent"), bench));
    snprintf(r->note, sizeof r->note, "not gated: %s only%s%.150s",
             r->has_base ? "baseline" : "this build", why ? "; the other: " : "", why ? why : "");
}

/* The one-sided p-value for "this build is slower" from the two-sided test: half of it when
 * the data lean that way (U above its mean; exact for the exact null distribution, which is
 * symmetric, and for the normal approximation, whose continuity correction applies to |z|).
 * When they lean the other way it is 1 - p/2, at least 0.5 (the exact value differs by the
 * probability of U itself), which never fails the gate. */
static double one_sided_p(const beex_utest *t, size_t nx, size_t ny)
{
    double mid = 0.5 * (double)nx * (double)ny;
    return t->u > mid ? t->p_value / 2 : 1 - t->p_value / 2;
}

static int reps_of(const json_t *entry, double **out, size_t *n)
{
    const json_t *reps = json_object_get(entry, "reps");
    *n = json_array_size(reps);
    *out = NULL;
    if (*n == 0)
        return 0;
    if ((*out = malloc(*n * sizeof **out)) == NULL)
        return -1;
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = json_number_value(json_array_get(reps, i));
    return 0;
}

static int compare_timed(beex_history_gate_row *r, const json_t *b, const json_t *w,
                         const beex_history_gate_opts *o)
{
    double *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    if (reps_of(w, &x, &nx) != 0 || reps_of(b, &y, &ny) != 0) {
        free(x);
        return -1;
    }
    beex_utest t;
    if (nx < 2 || ny < 2) {
        snprintf(r->note, sizeof r->note, "not gated: fewer than 2 repetitions on a side");
    } else if (beex_mann_whitney(x, nx, y, ny, &t) != 0) {
        free(x);
        free(y);
        return -1;
    } else {
        r->gated = 1;
        r->p_value = one_sided_p(&t, nx, ny);
        r->fail = r->p_value < o->alpha && r->change > o->time_threshold;
    }
    free(x);
    free(y);
    return 0;
}

/* The rows of one section ("counts" or "timed") for the benches of either side. */
static int compare_section(row_list *l, const json_t *base, const json_t *now,
                           const beex_history_gate_opts *o, int timed)
{
    const char *section = timed ? "timed" : "counts";
    const json_t *bs = json_object_get(base, section), *ns = json_object_get(now, section);
    const json_t *sides[2] = {bs, ns};
    for (int s = 0; s < 2; s++) {
        const char *bench;
        const json_t *entry;
        json_object_foreach((json_t *)sides[s], bench, entry)
        {
            if (!selected(o->only, bench) || (s == 1 && json_object_get(bs, bench) != NULL))
                continue; /* a bench on both sides is listed once, from the baseline's pass */
            const json_t *b = json_object_get(bs, bench), *w = json_object_get(ns, bench);
            for (int m = 0; m < (timed ? 1 : 3); m++) {
                const char *metric = timed ? "median" : count_metrics[m];
                const json_t *bv = json_object_get(b, metric), *nv = json_object_get(w, metric);
                if (bv == NULL && nv == NULL)
                    continue;
                beex_history_gate_row *r = push(l, bench, metric, timed);
                if (r == NULL)
                    return -1;
                r->has_base = json_is_number(bv);
                r->has_now = json_is_number(nv);
                r->base = json_number_value(bv);
                r->now = json_number_value(nv);
                if (!r->has_base || !r->has_now) {
                    one_side_note(r, base, now, bench);
                    continue;
                }
                r->change = r->base > 0 ? r->now / r->base - 1 : NAN;
                if (timed) {
                    if (compare_timed(r, b, w, o) != 0)
                        return -1;
                } else if (m == 0) {
                    r->gated = 1;
                    r->fail = r->change > o->threshold;
                } else {
                    snprintf(r->note, sizeof r->note,
                             "not gated: simulated misses move with code and data layout");
                }
            }
        }
    }
    return 0;
}

/* The metric's place in a bench's rows: instructions (the gated one) first. */
static int metric_rank(const char *key)
{
    const char *m = strrchr(key, ':');
    for (int i = 0; m != NULL && i < 3; i++)
        if (strcmp(m + 1, count_metrics[i]) == 0)
            return i;
    return 3;
}

/* By bench, then metric in the history's order. */
static int by_key(const void *a, const void *b)
{
    const char *x = ((const beex_history_gate_row *)a)->key;
    const char *y = ((const beex_history_gate_row *)b)->key;
    size_t nx = strcspn(x, ":"), ny = strcspn(y, ":");
    int c = strncmp(x, y, nx < ny ? nx : ny);
    if (c != 0 || nx != ny)
        return c != 0 ? c : (nx < ny ? -1 : 1);
    return metric_rank(x) - metric_rank(y);
}

int beex_history_gate_compare(const json_t *base, const json_t *now,
                              const beex_history_gate_opts *o, beex_history_gate_row **rows,
                              size_t *n)
{
    row_list l = {NULL, 0, 0};
    if (compare_section(&l, base, now, o, 0) != 0 ||
        (o->timed && compare_section(&l, base, now, o, 1) != 0)) {
        free(l.v);
        return -1;
    }
    if (l.n > 0)
        qsort(l.v, l.n, sizeof *l.v, by_key);
    int failures = 0;
    for (size_t i = 0; i < l.n; i++)
        failures += l.v[i].fail;
    *rows = l.v;
    *n = l.n;
    return failures;
}

/* --- measuring this build ------------------------------------------------------------- */

/* The last record of machine with "build": "ok", or -1; names lists the file's machines. */
static long baseline_of(const beex_history *h, const char *machine, char *names, size_t len)
{
    size_t at = 0;
    names[0] = '\0';
    for (size_t i = h->count; i-- > 0;) {
        const beex_history_record *r = &h->records[i];
        if (strcmp(r->machine, machine) == 0 && r->built)
            return (long)i;
        if (strstr(names, r->machine) == NULL && at < len)
            at += (size_t)snprintf(names + at, len - at, "%s%s", at ? ", " : "", r->machine);
    }
    return -1;
}

/* The header's machine and the baseline; the history is read before any measuring. */
static int find_baseline(const beex_history_gate_opts *o, json_t *hdr, beex_history *h,
                         beex_history_gate_result *res, long *idx, char *err, size_t errlen)
{
    const char *fp =
        json_string_value(json_object_get(json_object_get(hdr, "machine"), "fingerprint"));
    if (fp == NULL) {
        snprintf(err, errlen, "the record header has no machine fingerprint");
        return -1;
    }
    snprintf(res->machine, sizeof res->machine, "%s", fp);
    if (o->history != NULL)
        snprintf(res->history, sizeof res->history, "%s", o->history);
    else if (beex_history_default_path(o->repo, hdr, res->history, sizeof res->history, err,
                                       errlen) != 0)
        return -1;
    if (beex_history_read(res->history, 0, h, err, errlen) != 0)
        return -1;
    char names[512];
    *idx = baseline_of(h, fp, names, sizeof names);
    if (*idx < 0) {
        snprintf(err, errlen,
                 "%s has no record of this machine (%s) with \"build\": \"ok\" to compare with "
                 "(machines in it: %s); record one there first (beex history record)",
                 res->history, fp, names[0] ? names : "none");
        return -1;
    }
    const beex_history_record *r = &h->records[*idx];
    snprintf(res->base_commit, sizeof res->base_commit, "%s", r->commit);
    snprintf(res->base_subject, sizeof res->base_subject, "%s", r->subject ? r->subject : "");
    snprintf(res->base_compiler, sizeof res->base_compiler, "%s", r->compiler ? r->compiler : "");
    return 0;
}

int beex_history_gate_run(const beex_history_gate_opts *o, beex_history_gate_result *res, char *err,
                          size_t errlen)
{
    memset(res, 0, sizeof *res);
    /* The compiler is left to the measurement, which reads it from the binary's --version. */
    json_t *now = beex_history_record_header(o->repo, "HEAD", NULL, err, errlen);
    if (now == NULL)
        return -1;
    beex_history h = {NULL, 0};
    long idx;
    int rc = -1;
    if (find_baseline(o, now, &h, res, &idx, err, errlen) != 0)
        goto done;
    char dir[PATH_MAX];
    if (beex_history_scratch_make(dir, sizeof dir, err, errlen) != 0)
        goto done;
    beex_history_measure_opts mo = {o->binary, o->only, 1, o->timed, o->reps, dir, 1};
    int m = beex_history_measure(&mo, now, err, errlen);
    beex_history_tree_remove(dir);
    if (m != 0)
        goto done;
    const char *cc = json_string_value(json_object_get(now, "compiler"));
    snprintf(res->now_compiler, sizeof res->now_compiler, "%s", cc != NULL ? cc : "");
    res->failures = beex_history_gate_compare(h.records[idx].json, now, o, &res->rows, &res->n);
    if (res->failures < 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    rc = 0;
done:
    json_decref(now);
    beex_history_free(&h);
    return rc;
}

void beex_history_gate_result_free(beex_history_gate_result *res)
{
    free(res->rows);
    res->rows = NULL;
    res->n = 0;
}
