#include "harness/report/bench_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/input_file.h"

static beex_bench_row *row_for(beex_bench_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->rows[i].name, name) == 0)
            return &s->rows[i];
    beex_bench_row *r = realloc(s->rows, (s->n + 1) * sizeof *r);
    if (r == NULL)
        return NULL;
    s->rows = r;
    r = &s->rows[s->n];
    memset(r, 0, sizeof *r);
    r->name = strdup(name);
    r->instructions = -1;
    if (r->name == NULL)
        return NULL;
    s->n++;
    return r;
}

static int add_sample(beex_bench_row *r, double v)
{
    double *p = realloc(r->samples, (r->n + 1) * sizeof *p);
    if (p == NULL)
        return -1;
    r->samples = p;
    r->samples[r->n++] = v;
    return 0;
}

/* Seconds per unit of Google Benchmark's time_unit, or 0 for a unit it does not write (the
 * sample is then dropped rather than read at a guessed scale). */
double beex_time_unit_seconds(const char *unit)
{
    if (unit == NULL || strcmp(unit, "ns") == 0)
        return 1e-9; /* Google Benchmark's default */
    if (strcmp(unit, "us") == 0)
        return 1e-6;
    if (strcmp(unit, "ms") == 0)
        return 1e-3;
    if (strcmp(unit, "s") == 0)
        return 1.0;
    return 0.0;
}

static int from_sweep(const json_t *timed, beex_bench_set *out)
{
    size_t i;
    json_t *t;
    json_array_foreach(timed, i, t)
    {
        char name[256];
        /* Sweeps name each timed point by its rule; older files only had "delta". */
        const char *policy = json_string_value(json_object_get(t, "policy"));
        json_t *param = json_object_get(t, policy != NULL ? "param" : "delta");
        snprintf(name, sizeof name, "timed/%s/threads:%lld/batch:%lld/%s:%g",
                 json_string_value(json_object_get(t, "variant")),
                 json_integer_value(json_object_get(t, "threads")),
                 json_integer_value(json_object_get(t, "batch")), policy != NULL ? policy : "delta",
                 json_number_value(param));
        beex_bench_row *r = row_for(out, name);
        if (r == NULL)
            return -1;
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(t, "seconds_per_pass"), k, v)
        {
            if (add_sample(r, json_number_value(v)) != 0)
                return -1;
        }
    }
    return 0;
}

/* An entry without run_type (GB before 1.5, the perf gate's baseline) is a repetition. */
static int is_iteration(const json_t *b)
{
    const char *type = json_string_value(json_object_get(b, "run_type"));
    return type == NULL || strcmp(type, "iteration") == 0;
}

/* The benchmark an entry belongs to: run_name, else its name without the "_<aggregate_name>"
 * GB appends to aggregates. NULL when the entry has no name. */
static const char *base_name(const json_t *b, char *buf, size_t len)
{
    const char *run = json_string_value(json_object_get(b, "run_name"));
    const char *name = json_string_value(json_object_get(b, "name"));
    const char *agg = json_string_value(json_object_get(b, "aggregate_name"));
    if (run != NULL || name == NULL)
        return run;
    size_t n = strlen(name), a = agg != NULL && !is_iteration(b) ? strlen(agg) : 0;
    if (a > 0 && n > a + 1 && name[n - a - 1] == '_' && strcmp(name + n - a, agg) == 0 &&
        n - a - 1 < len) {
        memcpy(buf, name, n - a - 1);
        buf[n - a - 1] = '\0';
        return buf;
    }
    return name;
}

static int has_iterations(const json_t *bm, const char *name)
{
    size_t i;
    json_t *b;
    char buf[512];
    json_array_foreach(bm, i, b)
    {
        const char *n = is_iteration(b) ? base_name(b, buf, sizeof buf) : NULL;
        if (n != NULL && strcmp(n, name) == 0 && json_is_number(json_object_get(b, "real_time")))
            return 1;
    }
    return 0;
}

/* Returns 0, -1 when out of memory, -2 for a negative instruction count (named in bad). */
static int from_benchmarks(const json_t *bm, beex_bench_set *out, char *bad, size_t badlen)
{
    size_t i;
    json_t *b;
    /* The repetitions of a benchmark are its samples (GB writes them unless asked for
     * aggregates only). A benchmark with aggregates only contributes its median as a single
     * sample, which `beex compare` reports without a statistical verdict; its mean, stddev
     * and cv are never samples. Decided per benchmark: GB can report aggregates only for some
     * benchmarks of a file. */
    json_array_foreach(bm, i, b)
    {
        char buf[512];
        const char *name = base_name(b, buf, sizeof buf);
        if (name == NULL)
            continue;
        if (!is_iteration(b)) {
            const char *agg = json_string_value(json_object_get(b, "aggregate_name"));
            if (agg == NULL || strcmp(agg, "median") != 0 || has_iterations(bm, name))
                continue;
        }
        beex_bench_row *r = row_for(out, name);
        if (r == NULL)
            return -1;
        json_t *ins = json_object_get(b, "instructions");
        if (json_is_integer(ins) && json_integer_value(ins) < 0) {
            /* a count cannot be negative (and -1 means "not measured" inside beex) */
            snprintf(bad, badlen, "%.200s: negative instruction count %lld", name,
                     (long long)json_integer_value(ins));
            return -2;
        }
        if (json_is_integer(ins))
            r->instructions = json_integer_value(ins);
        json_t *rt = json_object_get(b, "real_time");
        double scale = beex_time_unit_seconds(json_string_value(json_object_get(b, "time_unit")));
        if (json_is_number(rt) && scale > 0 && add_sample(r, json_number_value(rt) * scale) != 0)
            return -1;
    }
    return 0;
}

int beex_bench_set_from_json(const json_t *doc, beex_bench_set *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_t *timed = json_object_get(doc, "timed");
    json_t *bm = json_object_get(doc, "benchmarks");
    int rc = 0;
    char bad[256] = "";
    if (json_is_array(timed))
        rc |= from_sweep(timed, out);
    if (rc == 0 && json_is_array(bm)) {
        int b = from_benchmarks(bm, out, bad, sizeof bad);
        if (b == -2) {
            snprintf(err, errlen, "%s", bad);
            beex_bench_set_free(out);
            return -1;
        }
        rc |= b;
    }
    if (rc != 0) {
        snprintf(err, errlen, "out of memory");
        beex_bench_set_free(out);
        return -1;
    }
    if (!json_is_array(timed) && !json_is_array(bm)) {
        snprintf(err, errlen, "neither \"timed\" (beex sweep) nor \"benchmarks\" found");
        return -1;
    }
    return 0;
}

int beex_bench_set_load(const char *path, beex_bench_set *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_t *doc = beex_input_json(path, BEEX_INPUT_MAX_JSON, err, errlen);
    if (doc == NULL)
        return -1;
    char inner[256];
    int rc = beex_bench_set_from_json(doc, out, inner, sizeof inner);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, inner);
    json_decref(doc);
    return rc;
}

const beex_bench_row *beex_bench_set_find(const beex_bench_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->rows[i].name, name) == 0)
            return &s->rows[i];
    return NULL;
}

void beex_bench_set_free(beex_bench_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->rows[i].name);
        free(s->rows[i].samples);
    }
    free(s->rows);
    memset(s, 0, sizeof *s);
}
