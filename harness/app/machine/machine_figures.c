/* A bundle's headline figures and scored figures, read back from its JSON: the report works
 * on bundles of any machine, so it reads what the bundle says, never this machine. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/machine/machine_internal.h"

static const char *str(const json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

static double num(const json_t *j, const char *key)
{
    const json_t *v = json_object_get(j, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int is(const json_t *row, const char *key, const char *want)
{
    const char *v = str(row, key);
    return v != NULL && strcmp(v, want) == 0;
}

static int threads_of(const json_t *row)
{
    return (int)json_integer_value(json_object_get(row, "threads"));
}

double beex_machine_geomean(const double *v, int n)
{
    if (n <= 0)
        return NAN;
    double s = 0.0;
    for (int i = 0; i < n; i++) {
        if (!(v[i] > 0.0) || isinf(v[i]))
            return NAN;
        s += log(v[i]);
    }
    return exp(s / n);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of the "cv" of every row of the arrays given. */
static double cv_median(const json_t *const *arrays, int n)
{
    double v[4096];
    int k = 0;
    for (int a = 0; a < n; a++) {
        size_t i;
        json_t *r;
        json_array_foreach(arrays[a], i, r)
        {
            double cv = num(r, "cv");
            if (isfinite(cv) && k < 4096)
                v[k++] = cv;
        }
    }
    if (k == 0)
        return NAN;
    qsort(v, (size_t)k, sizeof *v, cmp_double);
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

/* The first row of `rows` matching every key = value pair (NULL value: any); threads -1: any,
 * 0: more than one, else exactly. */
static const json_t *find(const json_t *rows, const char *const *kv, int nkv, int threads)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        int ok = threads < 0 || (threads == 0 ? threads_of(r) > 1 : threads_of(r) == threads);
        for (int k = 0; ok && k < nkv; k++)
            ok = is(r, kv[2 * k], kv[2 * k + 1]);
        if (ok)
            return r;
    }
    return NULL;
}

static double kernel_geomean(const json_t *kernels, const char *variant, int team, const char *key,
                             const char *family)
{
    double v[64];
    int n = 0;
    size_t i;
    json_t *r;
    json_array_foreach(kernels, i, r)
    {
        if (!is(r, "op", "w1a1") || !is(r, "variant", variant) ||
            (team ? threads_of(r) <= 1 : threads_of(r) != 1) ||
            (family != NULL && !is(r, "shape", family)) || n >= 64)
            continue;
        v[n++] = num(r, key);
    }
    return beex_machine_geomean(v, n);
}

int beex_machine_figures_of(const json_t *doc, const char *path, beex_machine_figures *f)
{
    memset(f, 0, sizeof *f);
    if (!is(doc, "kind", BEEX_MACHINE_BUNDLE_KIND))
        return -1;
    f->path = path;
    f->doc = (json_t *)doc;
    f->name = str(doc, "name") != NULL ? str(doc, "name") : path;
    const json_t *acc = json_object_get(doc, "accuracy");
    f->model_sha = str(json_object_get(json_object_get(acc, "measured"), "model"), "sha256");
    if (f->model_sha == NULL)
        f->model_sha = "unknown";
    f->suite = str(doc, "suite_version") != NULL ? str(doc, "suite_version") : "unknown";
    f->valid = json_is_true(json_object_get(doc, "valid"));
    f->emulated = json_is_true(json_object_get(json_object_get(doc, "emulated"), "emulated"));
    const json_t *sys = json_object_get(doc, "system");
    f->load_before = json_number_value(json_array_get(json_object_get(sys, "load_avg_before"), 0));
    f->allowed_cores = num(sys, "allowed_cores");
    const json_t *model = json_object_get(doc, "model");
    const json_t *ss = json_object_get(model, "single_stream");
    const json_t *arrays[3] = {json_object_get(doc, "kernels"), ss,
                               json_object_get(model, "offline")};
    f->cv_median = cv_median(arrays, 3);
    const char *best = json_string_value(
        json_array_get(json_object_get(json_object_get(doc, "settings"), "variants"), 0));
    if (best == NULL)
        best = "?";
    const char *fp[] = {"precision", "fp32", "variant", best, "depth", "full"};
    const char *wp[] = {"precision", "w1a1", "variant", best, "depth", "full"};
    const json_t *a = find(ss, fp, 3, 1), *b = find(ss, wp, 3, 1);
    f->speedup_w1a1_fp32 = a && b ? num(a, "p50_ms") / num(b, "p50_ms") : NAN;
    const char *ip[] = {"precision", "w8a8", "variant", best, "depth", "full"};
    const json_t *i8 = find(ss, ip, 3, 1);
    f->speedup_w1a1_w8a8 = i8 && b ? num(i8, "p50_ms") / num(b, "p50_ms") : NAN;
    f->kernel_fraction = kernel_geomean(arrays[0], best, 0, "fraction_of_limit", NULL);
    const json_t *lim = json_object_get(doc, "limits");
    f->thread_eff_ceiling =
        num(json_object_get(json_object_get(lim, "multicore"), "team"), "efficiency_vs_ceiling");
    f->kernel_eff_ceiling =
        kernel_geomean(arrays[0], best, 1, "efficiency_vs_ceiling", "bert-base");
    const char *ws[] = {"precision", "w1a1", "variant", best, "depth", "selected"};
    const json_t *s = find(ss, ws, 3, 1);
    f->ss_p90_ms = s ? num(s, "p90_ms") : NAN;
    const json_t *ob = find(json_object_get(model, "offline_best"), ws, 3, -1);
    f->offline_eps = ob ? num(ob, "examples_per_s") : NAN;
    f->joules_per_example = NAN;
    if (ob != NULL) {
        char batch[16];
        snprintf(batch, sizeof batch, "%lld", json_integer_value(json_object_get(ob, "batch")));
        size_t i;
        json_t *r;
        json_array_foreach(arrays[2], i, r)
        {
            if (is(r, "precision", "w1a1") && is(r, "variant", best) &&
                is(r, "depth", "selected") &&
                json_integer_value(json_object_get(r, "batch")) ==
                    json_integer_value(json_object_get(ob, "batch")))
                f->joules_per_example = num(r, "joules_per_example");
        }
    }
    const char *bv[] = {"variant", best};
    const json_t *bl = find(json_object_get(lim, "bound"), bv, 1, 1);
    f->bmacs_limit = bl ? num(bl, "bmac_per_s") : NAN;
    f->flops_limit = NAN;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(lim, "fma"), i, r)
    {
        double v = num(r, "flop_per_s");
        if (!(f->flops_limit >= v))
            f->flops_limit = v;
    }
    f->mem_bytes_per_s = NAN;
    json_array_foreach(json_object_get(lim, "memory"), i, r) f->mem_bytes_per_s =
        num(r, "bytes_per_s"); /* the last: the largest team */
    return 0;
}

/* key -> the best of the variants (higher is better). */
static void keep_max(json_t *scores, const char *key, double v)
{
    if (!(v > 0.0) || isinf(v))
        return;
    const json_t *old = json_object_get(scores, key);
    if (old == NULL || json_number_value(old) < v)
        json_object_set_new(scores, key, json_real(v));
}

json_t *beex_machine_scores(const json_t *doc)
{
    json_t *s = json_object();
    size_t i;
    json_t *r;
    char key[160];
    json_array_foreach(json_object_get(doc, "kernels"), i, r)
    {
        snprintf(key, sizeof key, "kernel %s %s %lldx%lldx%lld %s", str(r, "op"), str(r, "shape"),
                 json_integer_value(json_object_get(r, "M")),
                 json_integer_value(json_object_get(r, "N")),
                 json_integer_value(json_object_get(r, "K")),
                 threads_of(r) == 1 ? "1 thread" : "all cores");
        keep_max(s, key, 1.0 / num(r, "median_seconds"));
    }
    const json_t *model = json_object_get(doc, "model");
    json_array_foreach(json_object_get(model, "single_stream"), i, r)
    {
        snprintf(key, sizeof key, "model single-stream %s %s %s (1/p90)", str(r, "precision"),
                 str(r, "depth"), threads_of(r) == 1 ? "1 thread" : "all cores");
        keep_max(s, key, 1e3 / num(r, "p90_ms"));
    }
    json_array_foreach(json_object_get(model, "offline_best"), i, r)
    {
        snprintf(key, sizeof key, "model offline %s %s (examples/s)", str(r, "precision"),
                 str(r, "depth"));
        keep_max(s, key, num(r, "examples_per_s"));
    }
    return s;
}
