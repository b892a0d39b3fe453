/* The aggregate as files: study.json (the document itself), study.csv (one row per task x
 * precision, every figure's n, mean, sd and interval), study.md and study.tex (the paper's
 * results table: mean +- sd over the units, the iso-cost gain with the interval of its mean).
 * Rendered from the document alone, so the four files agree by construction. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/app/study/study.h"
#include "harness/app/study/study_table.h"
#include "harness/base/atomic_file.h"

static double real_or_nan(const json_t *j)
{
    return json_is_number(j) ? json_number_value(j) : NAN;
}

static beex_study_cell get_cell(const json_t *row, const char *key)
{
    return beex_study_cell_of(json_object_get(json_object_get(row, "figures"), key));
}

static const char *str(const json_t *row, const char *key)
{
    const char *s = json_string_value(json_object_get(row, key));
    return s ? s : "";
}

static int count(const json_t *row, const char *obj, const char *key)
{
    return (int)json_integer_value(json_object_get(json_object_get(row, obj), key));
}

/* --- CSV ------------------------------------------------------------------------------ */

/* x rounded to dec decimals, with -0 made 0: a saving of -1e-16 prints as 0.0, not -0.0. */
static double tidy(double x, int dec)
{
    double p = pow(10.0, dec);
    return round(x * p) / p + 0.0;
}

static void csv_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, ",%.6f", tidy(x, 6));
    else
        fputc(',', f);
}

static void write_csv(FILE *f, const json_t *rows)
{
    fprintf(f, "task,precision,metric,units,units_planned");
    for (int k = 0; k < BEEX_FIG_COUNT; k++) {
        const char *key = beex_study_figures[k].key;
        fprintf(f, ",%s_n,%s_mean,%s_sd,%s_ci95_lo,%s_ci95_hi", key, key, key, key, key);
    }
    fprintf(f, ",delta_units,delta_iso_gain_interval_above_0,delta_iso_gain_interval_below_0,"
               "delta_static_in_disguise,selected_is_static_depth\n");
    size_t r;
    const json_t *row;
    json_array_foreach(rows, r, row)
    {
        fprintf(f, "%s,%s,%s,%d,%d", str(row, "task"), str(row, "precision"), str(row, "metric"),
                (int)json_integer_value(json_object_get(row, "units")),
                (int)json_integer_value(json_object_get(row, "units_planned")));
        for (int k = 0; k < BEEX_FIG_COUNT; k++) {
            beex_study_cell c = get_cell(row, beex_study_figures[k].key);
            fprintf(f, ",%d", c.n);
            csv_num(f, c.mean);
            csv_num(f, c.sd);
            csv_num(f, c.lo);
            csv_num(f, c.hi);
        }
        fprintf(f, ",%d,%d,%d,%d,%d\n", count(row, "delta", "units_with_a_choice"),
                count(row, "delta", "iso_gain_interval_above_0"),
                count(row, "delta", "iso_gain_interval_below_0"),
                count(row, "delta", "static_in_disguise"),
                (int)json_integer_value(json_object_get(row, "selected_is_static_depth")));
    }
}

/* --- numbers for people ----------------------------------------------------------------- */

typedef enum { MD, TEX } style;

/* Scale and decimals per figure kind: metric points .1, savings % .1, gains points .2,
 * ratios .2. */
static void kind_format(int kind, double *scale, int *decimals, int *sign)
{
    *scale = kind == 3 ? 1.0 : 100.0;
    *decimals = kind == 0 || kind == 1 ? 1 : 2;
    *sign = kind == 2;
}

/* "74.1 ± 0.8" (md) / "$74.1 \pm 0.8$" (tex); a lone value when sd is unknown or, for ratios,
 * 0; with_ci appends the interval of the mean. */
static void fmt_cell(char *out, size_t len, beex_study_cell c, int kind, int with_ci, style st)
{
    double scale;
    int dec, sign;
    kind_format(kind, &scale, &dec, &sign);
    if (c.n == 0 || !isfinite(c.mean)) {
        snprintf(out, len, "%s", st == MD ? "–" : "--");
        return;
    }
    char m[64], s[64] = "", ci[128] = "";
    snprintf(m, sizeof m, sign ? "%+.*f" : "%.*f", dec, tidy(c.mean * scale, dec));
    if (isfinite(c.sd) && !(kind == 3 && tidy(c.sd * scale, dec) == 0))
        snprintf(s, sizeof s, st == MD ? " ± %.*f" : " \\pm %.*f", dec, tidy(c.sd * scale, dec));
    if (with_ci && isfinite(c.lo))
        snprintf(ci, sizeof ci, sign ? " [%+.*f, %+.*f]" : " [%.*f, %.*f]", dec,
                 tidy(c.lo * scale, dec), dec, tidy(c.hi * scale, dec));
    const char *x = kind == 3 ? (st == MD ? "×" : "\\times") : "";
    if (st == MD)
        snprintf(out, len, "%s%s%s%s", m, x, s, ci);
    else if (ci[0] != '\0')
        snprintf(out, len, "$%s%s%s$ {\\scriptsize $%s$}", m, x, s, ci + 1);
    else
        snprintf(out, len, "$%s%s%s$", m, x, s);
}

static void fig(char *out, size_t len, const json_t *row, int k, int with_ci, style st)
{
    fmt_cell(out, len, get_cell(row, beex_study_figures[k].key), beex_study_figures[k].kind,
             with_ci, st);
}

/* --- Markdown --------------------------------------------------------------------------- */

static void write_md(FILE *f, const json_t *doc)
{
    const json_t *rows = json_object_get(doc, "rows");
    fprintf(f, "| task | precision | n | metric | full depth | selected point | its OPs saved "
               "(%%) | size (fp32 / this) | entropy-ratio rule (delta) | its OPs saved (%%) | "
               "its iso-cost gain (points) | units whose gain interval is > 0 / < 0 | delta "
               "a static depth in disguise |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    size_t r;
    const json_t *row;
    json_array_foreach(rows, r, row)
    {
        char c[BEEX_FIG_COUNT][400];
        for (int k = 0; k < BEEX_FIG_COUNT; k++)
            fig(c[k], sizeof c[k], row, k, k != BEEX_FIG_SIZE_RATIO, MD);
        int n = (int)json_integer_value(json_object_get(row, "units"));
        int planned = (int)json_integer_value(json_object_get(row, "units_planned"));
        char nn[32];
        snprintf(nn, sizeof nn, n == planned ? "%d" : "%d of %d", n, planned);
        fprintf(
            f, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d / %d of %d | %d |\n",
            str(row, "task"), str(row, "precision"), nn, str(row, "metric"), c[BEEX_FIG_FULL],
            c[BEEX_FIG_SELECTED], c[BEEX_FIG_SELECTED_SAVING], c[BEEX_FIG_SIZE_RATIO],
            c[BEEX_FIG_DELTA], c[BEEX_FIG_DELTA_SAVING], c[BEEX_FIG_DELTA_ISO],
            count(row, "delta", "iso_gain_interval_above_0"),
            count(row, "delta", "iso_gain_interval_below_0"),
            count(row, "delta", "units_with_a_choice"), count(row, "delta", "static_in_disguise"));
    }
    fprintf(f, "\nCells: mean ± standard deviation over the row's units (seeds x folds), then "
               "[the 95 %% Student t interval of the mean; a row of one unit (n = 1) shows that "
               "unit's own 95 %% bootstrap interval over its test examples instead]; metrics in "
               "points (x 100) of the "
               "row's metric on test; points chosen on dev. Selected point: fewest dev OPs "
               "within 1 point of full depth over all rules (entropy ratio, entropy, patience, "
               "static depth, softmax confidence). Iso-cost gain: the rule's metric minus the "
               "static-depth curve's "
               "at the same mean OPs; the last counts are of units whose own 95 %% paired "
               "bootstrap interval excludes 0. Size: fp32 deployment file / this precision's.\n");
    const json_t *plan = json_object_get(doc, "plan");
    fprintf(f, "\nSplit: %s. Seeds:", str(plan, "split"));
    size_t k;
    const json_t *v;
    json_array_foreach(json_object_get(plan, "seeds"), k, v)
        fprintf(f, " %lld", (long long)json_integer_value(v));
    fprintf(f, ".\n");
    json_array_foreach(json_object_get(plan, "training"), k, v) fprintf(
        f,
        "%s %s: %lld epochs (%lld fp32 first), batch %lld, lr %g, d %lld, %lld "
        "blocks, max_len %lld%s.\n",
        str(v, "task"), str(v, "precision"),
        (long long)json_integer_value(json_object_get(v, "epochs")),
        (long long)json_integer_value(json_object_get(v, "fp32_epochs")),
        (long long)json_integer_value(json_object_get(v, "batch")),
        json_number_value(json_object_get(v, "lr")),
        (long long)json_integer_value(json_object_get(json_object_get(v, "model"), "d")),
        (long long)json_integer_value(json_object_get(json_object_get(v, "model"), "blocks")),
        (long long)json_integer_value(json_object_get(json_object_get(v, "model"), "max_len")),
        json_is_null(json_object_get(v, "glove")) ? "" : ", GloVe");
    beex_study_speedup_md(f, doc);
    const json_t *missing = json_object_get(doc, "missing_units");
    if (json_array_size(missing) > 0) {
        fprintf(f, "\nNot yet run (%zu):", json_array_size(missing));
        json_array_foreach(missing, k, v) fprintf(f, " %s", json_string_value(v));
        fprintf(f, ".\n");
    }
}

/* --- LaTeX (booktabs) --------------------------------------------------------------------- */

static void write_tex(FILE *f, const json_t *doc)
{
    const json_t *rows = json_object_get(doc, "rows");
    fprintf(f, "%% Written by `beex study` from its units' results (study.json); regenerate, do "
               "not edit.\n"
               "%% Needs \\usepackage{booktabs}.\n"
               "\\begin{table}[t]\n\\centering\n\\small\n\\setlength{\\tabcolsep}{4pt}\n"
               "\\begin{tabular}{llr r rrr rr r}\n\\toprule\n"
               " & & & & \\multicolumn{3}{c}{Entropy-ratio exit ($\\delta$)} & "
               "\\multicolumn{2}{c}{Selected, all rules} & \\\\\n"
               "\\cmidrule(lr){5-7} \\cmidrule(lr){8-9}\n"
               "Task & Prec. & $n$ & Full depth & Score & OPs saved (\\%%) & Iso-cost gain & "
               "Score & OPs saved (\\%%) & Size ($\\times$) \\\\\n\\midrule\n");
    size_t r;
    const json_t *row;
    const char *last_task = "";
    json_array_foreach(rows, r, row)
    {
        if (r > 0 && strcmp(last_task, str(row, "task")) != 0)
            fprintf(f, "\\addlinespace\n");
        char c[BEEX_FIG_COUNT][400];
        for (int k = 0; k < BEEX_FIG_COUNT; k++)
            fig(c[k], sizeof c[k], row, k, k == BEEX_FIG_DELTA_ISO, TEX);
        if (strcmp(last_task, str(row, "task")) != 0)
            beex_study_tex_escape(f, str(row, "task"));
        last_task = str(row, "task");
        fprintf(f, " & %s & %lld & %s & %s & %s & %s & %s & %s & %s \\\\\n", str(row, "precision"),
                (long long)json_integer_value(json_object_get(row, "units")), c[BEEX_FIG_FULL],
                c[BEEX_FIG_DELTA], c[BEEX_FIG_DELTA_SAVING], c[BEEX_FIG_DELTA_ISO],
                c[BEEX_FIG_SELECTED], c[BEEX_FIG_SELECTED_SAVING], c[BEEX_FIG_SIZE_RATIO]);
    }
    fprintf(f, "\\bottomrule\n\\end{tabular}\n"
               "\\caption{Test scores in points (accuracy; F1 of the positive class for "
               "reuters; MCC for conll2010), mean $\\pm$ standard deviation over $n$ seeds or "
               "folds. Exit points chosen on dev: $\\delta$ the entropy-ratio rule's fewest "
               "dev OPs within 1 point of full depth, \\emph{selected} the same over all rules. "
               "Iso-cost gain: score minus the static-depth curve at equal mean OPs, with the "
               "95\\,\\%% Student $t$ interval of its mean (for $n = 1$, the unit's own "
               "95\\,\\%% bootstrap interval over its test examples). Size: fp32 deployment "
               "file over this precision's.}\n\\label{tab:beex-study}\n\\end{table}\n");
    beex_study_speedup_tex(f, doc);
}

/* --- files -------------------------------------------------------------------------------- */

static int write_text(const char *dir, const char *name, const json_t *doc,
                      void (*fn)(FILE *, const json_t *), char *err, size_t errlen)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    beex_atomic_file af;
    if (beex_atomic_open(&af, p, err, errlen) != 0)
        return -1;
    fn(af.f, doc);
    return beex_atomic_commit(&af, err, errlen);
}

static void csv_doc(FILE *f, const json_t *doc)
{
    write_csv(f, json_object_get(doc, "rows"));
}

/* study_curves.csv, for plots/study.gp: per row the static-depth curve (mean OPs, mean and sd
 * of the metric over the units) and every unit's selected and entropy-ratio points. */
static void curves_doc(FILE *f, const json_t *doc)
{
    fprintf(f, "task,precision,series,depth,ops,metric,metric_sd\n");
    size_t r, k;
    const json_t *row, *p;
    json_array_foreach(json_object_get(doc, "rows"), r, row)
    {
        json_array_foreach(json_object_get(row, "static_depth_curve"), k, p)
        {
            fprintf(f, "%s,%s,static,%d", str(row, "task"), str(row, "precision"),
                    (int)json_integer_value(json_object_get(p, "depth")));
            csv_num(f, real_or_nan(json_object_get(p, "ops_mean")));
            csv_num(f, real_or_nan(json_object_get(p, "metric_mean")));
            csv_num(f, real_or_nan(json_object_get(p, "metric_sd")));
            fputc('\n', f);
        }
    }
    static const char *const series[2] = {"selected", "delta"};
    json_array_foreach(json_object_get(doc, "units"), k, p)
    {
        for (int s = 0; s < 2; s++) {
            double ops =
                real_or_nan(json_object_get(json_object_get(p, "ops_per_example"), series[s]));
            double m = real_or_nan(json_object_get(json_object_get(p, "figures"), series[s]));
            if (!isfinite(ops) || !isfinite(m))
                continue;
            fprintf(f, "%s,%s,%s,", str(p, "task"), str(p, "precision"), series[s]);
            csv_num(f, ops);
            csv_num(f, m);
            fputs(",\n", f);
        }
    }
}

int beex_study_write_outputs(const char *dir, const json_t *doc, char *err, size_t errlen)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/study.json", dir);
    return beex_json_write_atomic(doc, p, err, errlen) != 0 ||
                   write_text(dir, "study.csv", doc, csv_doc, err, errlen) != 0 ||
                   write_text(dir, "study.md", doc, write_md, err, errlen) != 0 ||
                   write_text(dir, "study.tex", doc, write_tex, err, errlen) != 0 ||
                   write_text(dir, "study_curves.csv", doc, curves_doc, err, errlen) != 0 ||
                   write_text(dir, "study_speedups.csv", doc, beex_study_speedup_csv, err,
                              errlen) != 0
               ? -1
               : 0;
}
