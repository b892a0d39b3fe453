/* The report's tables: machines side by side per group (one model's bytes, one suite
 * version), ratios to the group's reference machine with their geometric mean (SPEC's way:
 * per figure machine / reference, then the geometric mean of the ratios), the warnings. The
 * same figures go to README.md, machines.tex and machines_bundles.csv; nothing in them
 * depends on when or where the report runs. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/app/machine/machine_internal.h"
#include "harness/base/atomic_file.h"

int beex_machine_group_of(const beex_machine_figures *f, int nf, const char *reference_machine,
                          beex_machine_group *g, int cap)
{
    int ng = 0;
    for (int i = 0; i < nf; i++) {
        char key[160];
        snprintf(key, sizeof key, "%.64s / suite %.40s", f[i].model_sha, f[i].suite);
        int k = 0;
        while (k < ng && strcmp(g[k].key, key) != 0)
            k++;
        if (k == ng) {
            if (ng == cap)
                return -1;
            memset(&g[ng], 0, sizeof g[ng]);
            snprintf(g[ng].key, sizeof g[ng].key, "%s", key);
            g[ng].ref = i;
            ng++;
        }
        if (g[k].n < 64)
            g[k].members[g[k].n++] = i;
        /* By default the first bundle measured natively and valid: an emulated bundle's times
         * are no yardstick. A named reference machine wins. */
        int ref_native = !f[g[k].ref].emulated && f[g[k].ref].valid;
        int ref_named =
            reference_machine != NULL && strcmp(f[g[k].ref].name, reference_machine) == 0;
        if (!ref_native && !ref_named && !f[i].emulated && f[i].valid)
            g[k].ref = i;
        if (reference_machine != NULL && strcmp(f[i].name, reference_machine) == 0)
            g[k].ref = i;
    }
    return ng;
}

/* One figure of the side-by-side table. */
typedef struct {
    const char *label, *tex;
    double (*get)(const beex_machine_figures *f);
    const char *fmt;
    double scale;
} row_def;

#define GETTER(field)                                                                              \
    static double get_##field(const beex_machine_figures *f)                                       \
    {                                                                                              \
        return f->field;                                                                           \
    }
GETTER(allowed_cores)
GETTER(speedup_w1a1_fp32)
GETTER(speedup_w1a1_w8a8)
GETTER(kernel_fraction)
GETTER(thread_eff_ceiling)
GETTER(kernel_eff_ceiling)
GETTER(ss_p90_ms)
GETTER(offline_eps)
GETTER(joules_per_example)
GETTER(bmacs_limit)
GETTER(flops_limit)
GETTER(mem_bytes_per_s)

static const row_def rows[] = {
    {"allowed cores", "allowed cores", get_allowed_cores, "%.0f", 1},
    {"w1a1 / fp32 speed-up (single-stream p50, full depth, 1 thread)",
     "w1a1 / fp32 speed-up (single-stream p50)", get_speedup_w1a1_fp32, "%.2fx", 1},
    {"w1a1 / w8a8 speed-up (single-stream p50, full depth, 1 thread)",
     "w1a1 / w8a8 speed-up (single-stream p50)", get_speedup_w1a1_w8a8, "%.2fx", 1},
    {"w1a1 kernels, fraction of own limit (1 thread, geomean)",
     "w1a1 kernels, fraction of own limit", get_kernel_fraction, "%.2f", 1},
    {"bound loop on all cores / multi-core ceiling", "bound loop, all cores / ceiling",
     get_thread_eff_ceiling, "%.2f", 1},
    {"BERT-base w1a1 kernels: speed-up on all cores / ceiling's (geomean)",
     "BERT-base kernels, speed-up / ceiling's", get_kernel_eff_ceiling, "%.2f", 1},
    {"single-stream p90 (w1a1, selected exit, 1 thread), ms", "single-stream p90, ms",
     get_ss_p90_ms, "%.3f", 1},
    {"offline examples/s (w1a1, selected exit, best batch)", "offline examples/s", get_offline_eps,
     "%.0f", 1},
    {"joules per example (offline, w1a1)", "joules per example", get_joules_per_example, "%.3g", 1},
    {"bit-MAC/s limit, one core (G)", "bit-MAC/s limit, one core (G)", get_bmacs_limit, "%.1f",
     1e-9},
    {"fp32 FLOP/s limit, one core (G)", "fp32 FLOP/s limit, one core (G)", get_flops_limit, "%.1f",
     1e-9},
    {"memory bandwidth, triad, all cores (GB/s)", "triad bandwidth (GB/s)", get_mem_bytes_per_s,
     "%.1f", 1e-9},
};
enum { NROWS = sizeof rows / sizeof rows[0] };

static void cell(char *buf, size_t len, const row_def *r, const beex_machine_figures *f)
{
    double v = r->get(f);
    if (isfinite(v))
        snprintf(buf, len, r->fmt, v * r->scale);
    else
        snprintf(buf, len, "n/a");
}

/* Per group: the scored figures present in every member, their ratios to the reference and
 * the geometric mean of each member's ratios. */
typedef struct {
    json_t *scores[64];
    json_t *keys; /* array of the shared keys, sorted */
    double geomean[64];
} group_scores;

static void scores_of(const beex_machine_figures *f, const beex_machine_group *g, group_scores *s)
{
    for (int m = 0; m < g->n; m++)
        s->scores[m] = beex_machine_scores(f[g->members[m]].doc);
    json_t *ref = beex_machine_scores(f[g->ref].doc);
    s->keys = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(ref, key, v)
    {
        int all = 1;
        for (int m = 0; m < g->n && all; m++)
            all = json_object_get(s->scores[m], key) != NULL;
        if (all)
            json_array_append_new(s->keys, json_string(key));
    }
    /* jansson's object order is the insertion order; sort the keys for a stable table */
    size_t n = json_array_size(s->keys);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(json_string_value(json_array_get(s->keys, j - 1)),
                                           json_string_value(json_array_get(s->keys, j))) > 0;
             j--) {
            json_t *a = json_incref(json_array_get(s->keys, j - 1));
            json_array_set(s->keys, j - 1, json_array_get(s->keys, j));
            json_array_set_new(s->keys, j, a);
        }
    for (int m = 0; m < g->n; m++) {
        double r[512];
        int k = 0;
        for (size_t i = 0; i < n && k < 512; i++) {
            const char *kk = json_string_value(json_array_get(s->keys, i));
            r[k++] = json_number_value(json_object_get(s->scores[m], kk)) /
                     json_number_value(json_object_get(ref, kk));
        }
        s->geomean[m] = beex_machine_geomean(r, k);
    }
    json_decref(ref);
}

static void scores_free(group_scores *s, int n)
{
    for (int m = 0; m < n; m++)
        json_decref(s->scores[m]);
    json_decref(s->keys);
}

static double ratio(const group_scores *s, const beex_machine_group *g, int m, const char *key)
{
    int refm = 0;
    for (int k = 0; k < g->n; k++)
        if (g->members[k] == g->ref)
            refm = k;
    return json_number_value(json_object_get(s->scores[m], key)) /
           json_number_value(json_object_get(s->scores[refm], key));
}

static void md_group(FILE *o, const beex_machine_figures *f, const beex_machine_group *g, int gi,
                     const group_scores *s)
{
    fprintf(o, "\n## Table %d: model sha256 %.64s, suite version %s\n\n", gi + 1,
            f[g->ref].model_sha, f[g->ref].suite);
    fprintf(o, "| figure |");
    for (int m = 0; m < g->n; m++)
        fprintf(o, " %s |", f[g->members[m]].name);
    fprintf(o, "\n|---|");
    for (int m = 0; m < g->n; m++)
        fprintf(o, "---|");
    fprintf(o, "\n| CPU |");
    for (int m = 0; m < g->n; m++) {
        const char *cpu = json_string_value(
            json_object_get(json_object_get(f[g->members[m]].doc, "context"), "cpu_model"));
        /* Under qemu-user /proc/cpuinfo describes the host, not the emulated CPU. */
        fprintf(o, " %s%s |", f[g->members[m]].emulated ? "emulated, on " : "",
                cpu != NULL ? cpu : "?");
    }
    fprintf(o, "\n| measured (the bundle's date) |");
    for (int m = 0; m < g->n; m++) {
        const char *d = json_string_value(
            json_object_get(json_object_get(f[g->members[m]].doc, "context"), "date"));
        fprintf(o, " %s |", d != NULL ? d : "?");
    }
    fprintf(o, "\n| valid (accuracy check) |");
    for (int m = 0; m < g->n; m++)
        fprintf(o, " %s |", f[g->members[m]].valid ? "yes" : "**NO**");
    for (int r = 0; r < NROWS; r++) {
        fprintf(o, "\n| %s |", rows[r].label);
        for (int m = 0; m < g->n; m++) {
            char c[64];
            cell(c, sizeof c, &rows[r], &f[g->members[m]]);
            fprintf(o, " %s |", c);
        }
    }
    fprintf(o, "\n| **geometric mean of the ratios to %s** |", f[g->ref].name);
    for (int m = 0; m < g->n; m++)
        fprintf(o, isfinite(s->geomean[m]) ? " **%.3f** |" : " n/a |", s->geomean[m]);
    fprintf(o,
            "\n\nRatios to %s, figure by figure (machine / %s; times inverted, so above 1 "
            "is faster; the best variant of each machine):\n\n| figure |",
            f[g->ref].name, f[g->ref].name);
    for (int m = 0; m < g->n; m++)
        fprintf(o, " %s |", f[g->members[m]].name);
    fprintf(o, "\n|---|");
    for (int m = 0; m < g->n; m++)
        fprintf(o, "---|");
    size_t i;
    json_t *k;
    json_array_foreach(s->keys, i, k)
    {
        fprintf(o, "\n| %s |", json_string_value(k));
        for (int m = 0; m < g->n; m++)
            fprintf(o, " %.3f |", ratio(s, g, m, json_string_value(k)));
    }
    fprintf(o, "\n| geometric mean |");
    for (int m = 0; m < g->n; m++)
        fprintf(o, isfinite(s->geomean[m]) ? " %.3f |" : " n/a |", s->geomean[m]);
    fprintf(o, "\n");
}

static void tex_escape(FILE *o, const char *s)
{
    for (; s != NULL && *s; s++) {
        if (strchr("&%$#_{}", *s) != NULL)
            fprintf(o, "\\%c", *s);
        else if (*s == '~')
            fprintf(o, "\\textasciitilde{}");
        else if (*s == '^')
            fprintf(o, "\\textasciicircum{}");
        else if (*s == '\\')
            fprintf(o, "\\textbackslash{}");
        else
            fputc(*s, o);
    }
}

static void tex_group(FILE *o, const beex_machine_figures *f, const beex_machine_group *g,
                      const group_scores *s)
{
    fprintf(o, "%% model sha256 %.64s, suite version ", f[g->ref].model_sha);
    tex_escape(o, f[g->ref].suite);
    fprintf(o, "\n\\begin{tabular}{l");
    for (int m = 0; m < g->n; m++)
        fprintf(o, "r");
    fprintf(o, "}\n\\toprule\n");
    for (int m = 0; m < g->n; m++) {
        fprintf(o, " & ");
        tex_escape(o, f[g->members[m]].name);
    }
    fprintf(o, " \\\\\n\\midrule\n");
    for (int r = 0; r < NROWS; r++) {
        tex_escape(o, rows[r].tex);
        for (int m = 0; m < g->n; m++) {
            char c[64];
            cell(c, sizeof c, &rows[r], &f[g->members[m]]);
            fprintf(o, " & %s", c);
        }
        fprintf(o, " \\\\\n");
    }
    fprintf(o, "\\midrule\ngeometric mean of ratios to ");
    tex_escape(o, f[g->ref].name);
    for (int m = 0; m < g->n; m++)
        fprintf(o, isfinite(s->geomean[m]) ? " & %.3f" : " & n/a", s->geomean[m]);
    fprintf(o, " \\\\\n\\bottomrule\n\\end{tabular}\n\n");
}

static void csv_group(FILE *o, const beex_machine_figures *f, const beex_machine_group *g, int gi,
                      const group_scores *s)
{
    for (int m = 0; m < g->n; m++) {
        const beex_machine_figures *x = &f[g->members[m]];
        for (int r = 0; r < NROWS; r++) {
            double v = rows[r].get(x);
            fprintf(o, "%d,\"%s\",\"%s\",%s,\"%s\",", gi + 1, x->name, x->model_sha, x->suite,
                    rows[r].label);
            fprintf(o, isfinite(v) ? "%.6g\n" : "\n", v);
        }
        size_t i;
        json_t *k;
        json_array_foreach(s->keys, i, k) fprintf(
            o, "%d,\"%s\",\"%s\",%s,\"ratio to %s: %s\",%.6g\n", gi + 1, x->name, x->model_sha,
            x->suite, f[g->ref].name, json_string_value(k), ratio(s, g, m, json_string_value(k)));
        fprintf(o, "%d,\"%s\",\"%s\",%s,\"geometric mean of the ratios to %s\",", gi + 1, x->name,
                x->model_sha, x->suite, f[g->ref].name);
        fprintf(o, isfinite(s->geomean[m]) ? "%.6g\n" : "\n", s->geomean[m]);
    }
}

static int open_out(beex_atomic_file *af, const char *dir, const char *name, char *err,
                    size_t errlen)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return beex_atomic_open(af, p, err, errlen);
}

int beex_machine_write_tables(const beex_machine_figures *f, int nf, const beex_machine_group *g,
                              int ng, const json_t *notes, const char *out_dir, char *err,
                              size_t errlen)
{
    beex_atomic_file md, tex, csv;
    if (open_out(&md, out_dir, "README.md", err, errlen) != 0)
        return -1;
    if (open_out(&tex, out_dir, "machines.tex", err, errlen) != 0) {
        beex_atomic_abort(&md);
        return -1;
    }
    if (open_out(&csv, out_dir, "machines_bundles.csv", err, errlen) != 0) {
        beex_atomic_abort(&md), beex_atomic_abort(&tex);
        return -1;
    }
    fprintf(md.f,
            "# Machines\n\nWritten by `beex machine report` from %d bundle%s; do not edit: "
            "regenerate with\n`beex machine report results/machines/*.json` (measure a "
            "machine: README.md, \"Measuring a\nmachine\"; the bundle's schema: "
            "docs/machine-bundle.md).\n",
            nf, nf == 1 ? "" : "s");
    if (ng > 1)
        fprintf(md.f,
                "\nThe bundles measured %d different model files or suite versions: each "
                "has its own table, and\nno figure is compared across tables.\n",
                ng);
    fprintf(tex.f, "%% Written by beex machine report: machines side by side (booktabs).\n");
    fprintf(csv.f, "table,machine,model_sha256,suite_version,figure,value\n");
    for (int k = 0; k < ng; k++) {
        group_scores s;
        memset(&s, 0, sizeof s);
        scores_of(f, &g[k], &s);
        md_group(md.f, f, &g[k], k, &s);
        tex_group(tex.f, f, &g[k], &s);
        csv_group(csv.f, f, &g[k], k, &s);
        scores_free(&s, g[k].n);
    }
    fprintf(md.f, "\n## Warnings\n\n");
    int any = 0;
    for (int i = 0; i < nf; i++) {
        json_t *w = beex_machine_warnings(&f[i]);
        size_t j;
        json_t *x;
        json_array_foreach(w, j, x)
        {
            fprintf(md.f, "- %s: %s\n", f[i].name, json_string_value(x));
            any = 1;
        }
        json_decref(w);
    }
    if (!any)
        fprintf(md.f,
                "None: every bundle is valid, was measured unloaded (load average at most "
                "%.1f per core before the run),\nnatively, and with a median coefficient of "
                "variation at most %.0f %%.\n",
                BEEX_MACHINE_LOAD_PER_CORE, 100.0 * BEEX_MACHINE_NOISY_CV);
    size_t j;
    json_t *x;
    if (json_array_size(notes) > 0)
        fprintf(md.f, "\n## Plots\n\n");
    json_array_foreach(notes, j, x) fprintf(md.f, "- %s\n", json_string_value(x));
    fprintf(md.f,
            "\nDefinitions: a machine's limit is its own bound loop of the variant's "
            "instruction mix (bit-MACs) or\nthe widest fp32 multiply-add loop, measured in "
            "the same run; the multi-core ceiling is the sum of\none process per allowed core "
            "running that loop at once; single-stream is batch 1, one query after\nanother; "
            "offline is the best of batches 1, 8 and 32 on all allowed cores.\n");
    if (beex_atomic_commit(&md, err, errlen) != 0) {
        beex_atomic_abort(&tex), beex_atomic_abort(&csv);
        return -1;
    }
    if (beex_atomic_commit(&tex, err, errlen) != 0) {
        beex_atomic_abort(&csv);
        return -1;
    }
    return beex_atomic_commit(&csv, err, errlen);
}
