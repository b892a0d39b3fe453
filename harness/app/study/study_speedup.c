/* Measured speed-ups in a study: per unit, the selected point's median time per test example
 * against full depth's, both from the unit's own timed sweep (same variant, threads, batch,
 * run minutes apart on the same machine, so their ratio is steadier than either time); per
 * task x precision x variant x threads x batch, the mean, sd and t interval over the units.
 * Times depend on the machine and its load, so the tables say where they were measured. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/study/study.h"
#include "harness/app/study/study_table.h"
#include "harness/base/student_t.h"

static double real_of(const json_t *j)
{
    return json_is_number(j) ? json_number_value(j) : NAN;
}

static int same_point(const json_t *run, const char *policy, double param)
{
    const char *p = json_string_value(json_object_get(run, "policy"));
    return p != NULL && strcmp(p, policy) == 0 && real_of(json_object_get(run, "param")) == param;
}

static double median_of(const json_t *run)
{
    return real_of(json_object_get(json_object_get(run, "seconds_per_example"), "median"));
}

/* The timed run of (policy, param) with the same variant, threads and batch as `like`. */
static const json_t *find_run(const json_t *timed, const json_t *like, const char *policy,
                              double param)
{
    size_t k;
    const json_t *r;
    json_array_foreach(timed, k, r)
    {
        if (same_point(r, policy, param) &&
            json_equal(json_object_get(r, "variant"), json_object_get(like, "variant")) &&
            json_equal(json_object_get(r, "threads"), json_object_get(like, "threads")) &&
            json_equal(json_object_get(r, "batch"), json_object_get(like, "batch")))
            return r;
    }
    return NULL;
}

void beex_study_read_speedups(const json_t *doc, beex_unit_figures *f)
{
    f->n_speedups = 0;
    const json_t *timed = json_object_get(doc, "timed");
    const json_t *replay = json_object_get(doc, "replay");
    const json_t *sel = json_array_get(
        json_object_get(replay, "points"),
        (size_t)json_integer_value(json_object_get(json_object_get(replay, "selected"), "index")));
    const char *sel_policy = json_string_value(json_object_get(sel, "policy"));
    double sel_param = real_of(json_object_get(sel, "param"));
    if (!json_is_array(timed) || sel_policy == NULL || f->blocks < 1)
        return;
    size_t k;
    const json_t *r;
    json_array_foreach(timed, k, r)
    {
        /* one speed-up per full-depth run, paired with its selected-point twin */
        if (!same_point(r, "static", (double)f->blocks) || f->n_speedups >= BEEX_STUDY_MAX_SPEEDUPS)
            continue;
        const json_t *s = find_run(timed, r, sel_policy, sel_param);
        const char *variant = json_string_value(json_object_get(r, "variant"));
        if (s == NULL || variant == NULL)
            continue;
        beex_unit_speedup *u = &f->speedups[f->n_speedups];
        snprintf(u->variant, sizeof u->variant, "%s", variant);
        u->threads = (int)json_integer_value(json_object_get(r, "threads"));
        u->batch = (int)json_integer_value(json_object_get(r, "batch"));
        u->full_s = median_of(r);
        u->selected_s = median_of(s);
        if (isfinite(u->full_s) && isfinite(u->selected_s) && u->selected_s > 0)
            f->n_speedups++;
    }
}

static json_t *num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *stats(const double *v, int n)
{
    beex_mean_ci c;
    beex_mean_ci95(v, n, &c);
    return json_pack("{s:i, s:o, s:o, s:[o, o]}", "n", n, "mean", num(c.mean), "sd", num(c.sd),
                     "ci95", num(c.lo), num(c.hi));
}

static int same_config(const beex_unit_speedup *a, const beex_unit_speedup *b)
{
    return strcmp(a->variant, b->variant) == 0 && a->threads == b->threads && a->batch == b->batch;
}

json_t *beex_study_speedup_rows(const beex_unit_figures *units, int n)
{
    json_t *rows = json_array();
    double *sp = malloc((size_t)(n > 0 ? n : 1) * sizeof *sp);
    double *full = malloc((size_t)(n > 0 ? n : 1) * sizeof *full);
    double *sel = malloc((size_t)(n > 0 ? n : 1) * sizeof *sel);
    if (sp == NULL || full == NULL || sel == NULL)
        goto done;
    /* configurations in the order the first unit that has them lists them */
    for (int j = 0; j < n; j++)
        for (int c = 0; c < units[j].n_speedups; c++) {
            const beex_unit_speedup *want = &units[j].speedups[c];
            int seen = 0;
            for (int i = 0; i < j && !seen; i++)
                for (int d = 0; d < units[i].n_speedups && !seen; d++)
                    seen = same_config(&units[i].speedups[d], want);
            if (seen)
                continue;
            int m = 0;
            for (int i = j; i < n; i++)
                for (int d = 0; d < units[i].n_speedups; d++)
                    if (same_config(&units[i].speedups[d], want)) {
                        const beex_unit_speedup *x = &units[i].speedups[d];
                        full[m] = x->full_s * 1e6;
                        sel[m] = x->selected_s * 1e6;
                        sp[m++] = x->full_s / x->selected_s;
                        break;
                    }
            json_array_append_new(rows, json_pack("{s:s, s:i, s:i, s:o, s:o, s:o}", "variant",
                                                  want->variant, "threads", want->threads, "batch",
                                                  want->batch, "full_depth_us_per_example",
                                                  stats(full, m), "selected_us_per_example",
                                                  stats(sel, m), "speedup", stats(sp, m)));
        }
done:
    free(sp);
    free(full);
    free(sel);
    return rows;
}

/* One row of the speed-up tables: a task x precision row's entry for one configuration. */
typedef struct {
    const char *task, *precision, *variant;
    long long threads, batch;
    beex_study_cell full, selected, speedup; /* us per example, us per example, ratio */
} sp_line;

/* Calls fn on every configuration of every row, in document order; returns how many. */
static int for_each_line(const json_t *doc, FILE *f, void (*fn)(FILE *, const sp_line *))
{
    int count = 0;
    size_t r, k;
    const json_t *row, *s;
    json_array_foreach(json_object_get(doc, "rows"), r, row)
    {
        json_array_foreach(json_object_get(row, "speedups"), k, s)
        {
            const char *task = json_string_value(json_object_get(row, "task"));
            const char *prec = json_string_value(json_object_get(row, "precision"));
            const char *variant = json_string_value(json_object_get(s, "variant"));
            sp_line l = {task ? task : "",
                         prec ? prec : "",
                         variant ? variant : "",
                         (long long)json_integer_value(json_object_get(s, "threads")),
                         (long long)json_integer_value(json_object_get(s, "batch")),
                         beex_study_cell_of(json_object_get(s, "full_depth_us_per_example")),
                         beex_study_cell_of(json_object_get(s, "selected_us_per_example")),
                         beex_study_cell_of(json_object_get(s, "speedup"))};
            if (fn != NULL)
                fn(f, &l);
            count++;
        }
    }
    return count;
}

/* "2.41 ± 0.10 [2.29, 2.53]"; the interval only for n >= 2. */
static void fmt(char *out, size_t len, beex_study_cell c, int decimals)
{
    if (!isfinite(c.mean))
        snprintf(out, len, "-");
    else if (c.n < 2 || !isfinite(c.lo))
        snprintf(out, len, "%.*f", decimals, c.mean);
    else
        snprintf(out, len, "%.*f ± %.*f [%.*f, %.*f]", decimals, c.mean, decimals, c.sd, decimals,
                 c.lo, decimals, c.hi);
}

static void md_line(FILE *f, const sp_line *l)
{
    char a[128], b[128], c[128];
    fmt(a, sizeof a, l->full, 1);
    fmt(b, sizeof b, l->selected, 1);
    fmt(c, sizeof c, l->speedup, 2);
    fprintf(f, "| %s | %s | %s | %lld | %lld | %d | %s | %s | %s |\n", l->task, l->precision,
            l->variant, l->threads, l->batch, l->speedup.n, a, b, c);
}

void beex_study_speedup_md(FILE *f, const json_t *doc)
{
    if (for_each_line(doc, f, NULL) == 0)
        return;
    fprintf(f, "\nMeasured speed-up of the selected point over full depth (times per test "
               "example, medians of the timed repetitions, the same variant, threads and batch; "
               "each unit timed where it was swept: see context.json):\n\n"
               "| task | precision | variant | threads | batch | n | full depth (µs / example) "
               "| selected point (µs / example) | speed-up (×) |\n"
               "|---|---|---|---|---|---|---|---|---|\n");
    for_each_line(doc, f, md_line);
}

static void tex_line(FILE *f, const sp_line *l)
{
    beex_study_tex_escape(f, l->task);
    fprintf(f, " & %s & %s & %lld & %d & %.1f & %.1f & $%.2f \\pm %.2f$ \\\\\n", l->precision,
            l->variant, l->batch, l->speedup.n, l->full.mean, l->selected.mean, l->speedup.mean,
            isfinite(l->speedup.sd) ? l->speedup.sd : 0.0);
}

void beex_study_speedup_tex(FILE *f, const json_t *doc)
{
    if (for_each_line(doc, f, NULL) == 0)
        return;
    fprintf(f, "\n\\begin{table}[t]\n\\centering\n\\small\n"
               "\\begin{tabular}{llll r rrr}\n\\toprule\n"
               "Task & Prec. & Variant & Batch & $n$ & Full depth ($\\mu$s) & Selected "
               "($\\mu$s) & Speed-up ($\\times$) \\\\\n\\midrule\n");
    for_each_line(doc, f, tex_line);
    fprintf(f, "\\bottomrule\n\\end{tabular}\n"
               "\\caption{Measured speed-up of the selected exit point over full depth: median "
               "time per test example on one thread, mean $\\pm$ standard deviation over $n$ "
               "seeds or folds.}\n\\label{tab:beex-study-speedup}\n\\end{table}\n");
}

static void csv_line(FILE *f, const sp_line *l)
{
    fprintf(f, "%s,%s,%s,%lld,%lld,%d", l->task, l->precision, l->variant, l->threads, l->batch,
            l->speedup.n);
    double v[6] = {l->full.mean,  l->selected.mean, l->speedup.mean,
                   l->speedup.sd, l->speedup.lo,    l->speedup.hi};
    for (int i = 0; i < 6; i++) {
        if (isfinite(v[i]))
            fprintf(f, ",%.6f", v[i]);
        else
            fputc(',', f);
    }
    fputc('\n', f);
}

void beex_study_speedup_csv(FILE *f, const json_t *doc)
{
    fprintf(f, "task,precision,variant,threads,batch,n,full_depth_us_per_example_mean,"
               "selected_us_per_example_mean,speedup_mean,speedup_sd,speedup_ci95_lo,"
               "speedup_ci95_hi\n");
    for_each_line(doc, f, csv_line);
}
