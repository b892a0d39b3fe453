/* Timed benchmarks through the measured binary's own bench commands (history_timed.h). Their
 * JSON is Google Benchmark's layout (report/gbench_json.h): one "iteration" row per
 * repetition, real_time in time_unit. */
#include "harness/app/history/history_timed.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/history/history_benches.h"
#include "harness/app/history/history_spawn.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double beex_hm_median(const double *x, size_t n)
{
    double *s = malloc(n * sizeof *s);
    if (s == NULL || n == 0) {
        free(s);
        return n ? x[0] : 0.0;
    }
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    free(s);
    return m;
}

/* What the binary's `variants` says of each variant of beex_hb_timed_variants: NULL when it
 * runs here, else why not. */
typedef struct {
    char why[8][512];
    int known[8];
} variant_state;

static int read_variants(const beex_history_measure_opts *o, variant_state *vs, char *why,
                         size_t wlen)
{
    memset(vs, 0, sizeof *vs);
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/variants.err", o->scratch);
    const char *argv[] = {o->binary, "variants", NULL};
    char *out = beex_spawn_output(argv, NULL, log, why, wlen);
    if (out == NULL)
        return -1;
    for (char *save, *line = strtok_r(out, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char name[32], state[16];
        int at = 0;
        if (sscanf(line, " %31s %15[a-z:]%n", name, state, &at) != 2)
            continue;
        for (size_t v = 0; v < beex_hb_ntimed_variants && v < 8; v++) {
            if (strcmp(name, beex_hb_timed_variants[v]) != 0)
                continue;
            if (strcmp(state, "available") == 0) {
                vs->known[v] = 1;
            } else if (strncmp(state, "unavailable", 11) == 0) {
                vs->known[v] = 1;
                snprintf(vs->why[v], sizeof vs->why[v], "unavailable here:%s", line + at);
            }
        }
    }
    free(out);
    for (size_t v = 0; v < beex_hb_ntimed_variants && v < 8; v++)
        if (!vs->known[v])
            snprintf(vs->why[v], sizeof vs->why[v], "this binary has no variant %s",
                     beex_hb_timed_variants[v]);
    return 0;
}

/* Only a bench the user named exactly is reported absent for a variant this CPU lacks; the
 * whole set simply has fewer variants on such a machine. */
static int named_exactly(const char *only, const char *name)
{
    return only != NULL && strcmp(only, name) == 0;
}

static double unit_seconds(const char *unit)
{
    if (unit == NULL || strcmp(unit, "ns") == 0)
        return 1e-9;
    if (strcmp(unit, "us") == 0)
        return 1e-6;
    if (strcmp(unit, "ms") == 0)
        return 1e-3;
    return 1.0;
}

/* {"median", "reps"} from the iteration rows called row in doc, or NULL when there are none. */
static json_t *timed_entry(json_t *doc, const char *row)
{
    json_t *reps = json_array(), *b;
    size_t i, n = 0;
    double x[4096];
    json_array_foreach(json_object_get(doc, "benchmarks"), i, b)
    {
        const char *name = json_string_value(json_object_get(b, "name"));
        const char *type = json_string_value(json_object_get(b, "run_type"));
        json_t *t = json_object_get(b, "real_time");
        if (name == NULL || strcmp(name, row) != 0 || !json_is_number(t) ||
            (type != NULL && strcmp(type, "iteration") != 0) || n == 4096)
            continue;
        x[n] =
            json_number_value(t) * unit_seconds(json_string_value(json_object_get(b, "time_unit")));
        json_array_append_new(reps, json_real(x[n]));
        n++;
    }
    if (n == 0) {
        json_decref(reps);
        return NULL;
    }
    return json_pack("{s:f, s:o}", "median", beex_hm_median(x, n), "reps", reps);
}

typedef struct {
    const beex_history_measure_opts *o;
    json_t *timed, *absent;
    variant_state vs;
} tctx;

static int absent(tctx *c, const char *bench, const char *why)
{
    if (c->o->verbose)
        fprintf(stderr, "history: %s absent: %s\n", bench, why);
    return json_object_set_new(c->absent, bench, json_string(why));
}

/* One bench command for the selected variants of names (bench name per timed variant, row
 * name in the JSON per variant). */
static int run_bench(tctx *c, const char *tag, const char *const *args, char names[][128],
                     char rows[][128], char *err, size_t errlen)
{
    const beex_history_measure_opts *o = c->o;
    char list[256] = "", reps[16], json[PATH_MAX], out[PATH_MAX], log[PATH_MAX], why[512];
    int chosen[8] = {0}, any = 0;
    for (size_t v = 0; v < beex_hb_ntimed_variants && v < 8; v++) {
        if (!beex_hb_selected(o->only, names[v]))
            continue;
        if (c->vs.why[v][0]) {
            if (named_exactly(o->only, names[v]) && absent(c, names[v], c->vs.why[v]) != 0)
                return -1;
            continue;
        }
        chosen[v] = 1;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", any ? "," : "",
                 beex_hb_timed_variants[v]);
        any = 1;
    }
    if (!any)
        return 0;
    snprintf(reps, sizeof reps, "%d", o->reps > 0 ? o->reps : 9);
    snprintf(json, sizeof json, "%s/timed.%s.json", o->scratch, tag);
    snprintf(out, sizeof out, "%s/timed.%s.out", o->scratch, tag);
    snprintf(log, sizeof log, "%s/timed.%s.err", o->scratch, tag);
    remove(json);
    const char *argv[32];
    int a = 0;
    argv[a++] = o->binary;
    for (int i = 0; args[i] != NULL && a < 24; i++) {
        if (strcmp(args[i], "@VARIANTS") == 0)
            argv[a++] = list;
        else if (strcmp(args[i], "@REPS") == 0)
            argv[a++] = reps;
        else
            argv[a++] = args[i];
    }
    argv[a++] = "--json";
    argv[a++] = json;
    argv[a] = NULL;
    if (o->verbose)
        fprintf(stderr, "history: timing %s (%s)\n", tag, list);
    beex_spawn_opts so = {argv, NULL, 0, NULL, NULL, out, log, 0, 0, 0};
    int rc = beex_spawn_tool(&so, why, sizeof why, err, errlen);
    if (rc < 0)
        return -1;
    json_error_t je;
    json_t *doc = rc == 0 ? json_load_file(json, 0, &je) : NULL;
    if (rc == 0 && doc == NULL)
        snprintf(why, sizeof why, "the binary's JSON %.300s does not read: %.150s", json, je.text);
    int bad = 0;
    for (size_t v = 0; v < beex_hb_ntimed_variants && v < 8; v++) {
        if (!chosen[v])
            continue;
        json_t *e = doc != NULL ? timed_entry(doc, rows[v]) : NULL;
        if (e != NULL) {
            bad |= json_object_set_new(c->timed, names[v], e);
            continue;
        }
        char no_row[512];
        snprintf(no_row, sizeof no_row, "no repetitions of %s in the binary's output", rows[v]);
        bad |= absent(c, names[v], doc != NULL ? no_row : why);
    }
    json_decref(doc);
    if (bad)
        snprintf(err, errlen, "out of memory");
    return bad ? -1 : 0;
}

int beex_hm_timed(const beex_history_measure_opts *o, json_t *timed, json_t *absent_obj, char *err,
                  size_t errlen)
{
    tctx c = {o, timed, absent_obj, {{{0}}, {0}}};
    char names[8][128], rows[8][128], why[512];
    if (read_variants(o, &c.vs, why, sizeof why) != 0) {
        /* A binary that cannot list its variants can run none of the timed set. */
        for (size_t v = 0; v < beex_hb_ntimed_variants && v < 8; v++)
            snprintf(c.vs.why[v], sizeof c.vs.why[v], "%s", why);
    }
    for (int p = 0; p < BEEX_HB_NPREC; p++) {
        const char *prec = beex_hb_precisions[p];
        for (size_t v = 0; v < beex_hb_ntimed_variants && v < 8; v++) {
            snprintf(names[v], sizeof names[v], "timed/forward/%s/%s", prec,
                     beex_hb_timed_variants[v]);
            snprintf(rows[v], sizeof rows[v], "model/small/%s/%s/threads:1/batch:1", prec,
                     beex_hb_timed_variants[v]);
        }
        const char *args[] = {"bench",     "model",      "--shapes",   "small",     "--precisions",
                              prec,        "--variants", "@VARIANTS",  "--threads", "1",
                              "--batches", "1",          "--min-reps", "@REPS",     "--max-reps",
                              "@REPS",     NULL};
        char tag[64];
        snprintf(tag, sizeof tag, "forward.%s", prec);
        if (run_bench(&c, tag, args, names, rows, err, errlen) != 0)
            return -1;
    }
    for (size_t v = 0; v < beex_hb_ntimed_variants && v < 8; v++) {
        snprintf(names[v], sizeof names[v], "timed/gemm/w1a1/%s/%s", beex_hb_timed_variants[v],
                 BEEX_HB_GEMM_SHAPE);
        snprintf(rows[v], sizeof rows[v], "w1a1/%s/64/256/768/1", beex_hb_timed_variants[v]);
    }
    const char *args[] = {"bench",     "gemm",      "--shapes",  BEEX_HB_GEMM_SHAPE,
                          "--variant", "@VARIANTS", "--threads", "1",
                          "--reps",    "@REPS",     NULL};
    return run_bench(&c, "gemm", args, names, rows, err, errlen);
}
