#include "harness/app/history/history_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/app/history/history_changes.h"
#include "harness/app/history/history_svg.h"
#include "harness/base/atomic_file.h"
#include "harness/report/run_dir.h"

/* Everything one page shows, computed before the first byte is written. */
typedef struct {
    const beex_history_report_opts *o;
    const char *machine;
    const beex_history *h;
    size_t *ordinal; /* per record: position among the machine's records, or (size_t)-1 */
    size_t ncommits; /* the machine's records, built or not */
    size_t built, failed;
    beex_history_series *series;
    size_t nseries;
    beex_history_change *changes;
    size_t nchanges;
} page;

/* The families of docs/history.md's benchmark set, in the page's order; a series of any other
 * family (a later version of the set) goes under "other", never dropped. */
static const char *const families[] = {"forward", "kernel", "train", "timed"};
#define NFAMILIES (sizeof families / sizeof families[0])

/* A subject in a table is clipped to this many characters, the whole of it in the cell's
 * tooltip: full subjects of 150-300 characters made each row of "Current regressions" many
 * lines tall, and the table filled a screen with a handful of rows. */
#define SUBJECT_CHARS 72

static const char *page_css =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;"
    "color:#222}\n"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;"
    "text-align:left;vertical-align:top}td.num{text-align:right}\n"
    "figure.series{margin:1em 0;border-top:1px solid #eee;padding-top:.5em}\n"
    "svg.plot{max-width:100%;height:auto}\n"
    ".frame{fill:none;stroke:#999}.grid{stroke:#eee}.axis{stroke:#999}\n"
    ".ytick{font-size:11px;text-anchor:end;fill:#444}"
    ".xtick{font:11px monospace;text-anchor:middle;fill:#444}\n"
    ".xtitle,.ytitle{font-size:12px;text-anchor:middle}\n"
    ".line{fill:none;stroke:#1f5fa8;stroke-width:1.5}.pt{fill:#1f5fa8}\n"
    ".band{fill:#9ec1e8;fill-opacity:.45}.rep{fill:#555;fill-opacity:.6}.failed{fill:#c00}\n"
    ".chg line{stroke-width:1.5;stroke-dasharray:4 3}.chg text{font:11px monospace}\n"
    ".chg.up line{stroke:#c00}.chg.up text,.up{fill:#c00;color:#c00}\n"
    ".chg.down line{stroke:#080}.chg.down text,.down{fill:#080;color:#080}\n";

/* The filter box, shown only when scripts run: without them every series is on the page. */
static const char *page_script =
    "(function () {\n"
    "  var box = document.getElementById('filterbox');\n"
    "  var input = document.getElementById('filter');\n"
    "  var shown = document.getElementById('shown');\n"
    "  var figs = document.querySelectorAll('figure.series');\n"
    "  box.hidden = false;\n"
    "  input.addEventListener('input', function () {\n"
    "    var q = input.value.toLowerCase(), n = 0;\n"
    "    figs.forEach(function (e) {\n"
    "      var hide = q !== '' && e.getAttribute('data-key').toLowerCase().indexOf(q) < 0;\n"
    "      e.hidden = hide;\n"
    "      if (!hide) n++;\n"
    "    });\n"
    "    shown.textContent = n + ' of ' + figs.length + ' series shown';\n"
    "  });\n"
    "})();\n";

static int same_machine(const beex_history_record *r, const char *machine)
{
    return r->machine != NULL && strcmp(r->machine, machine) == 0;
}

/* The family a key belongs to: its index in families, or NFAMILIES for "other". */
static size_t family_of(const char *key)
{
    size_t len = strcspn(key, "/:");
    for (size_t i = 0; i < NFAMILIES; i++)
        if (strlen(families[i]) == len && strncmp(key, families[i], len) == 0)
            return i;
    return NFAMILIES;
}

static const beex_history_series *series_of(const page *pg, const char *key)
{
    for (size_t i = 0; i < pg->nseries; i++)
        if (strcmp(pg->series[i].key, key) == 0)
            return &pg->series[i];
    return NULL;
}

/* Shortest text that reads back as the same double. */
static void format_exact(double v, char *buf, size_t len)
{
    if (v == floor(v) && fabs(v) < 1e15) { /* counts: every digit, no exponent */
        snprintf(buf, len, "%.0f", v);
        return;
    }
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void write_csv(FILE *f, const page *pg)
{
    fputs("key,commit,value\n", f);
    for (size_t i = 0; i < pg->nseries; i++) {
        const beex_history_series *s = &pg->series[i];
        for (size_t k = 0; k < s->n; k++) {
            char v[40];
            format_exact(s->x[k], v, sizeof v);
            csv_field(f, s->key);
            fputc(',', f);
            csv_field(f, pg->h->records[s->rec[k]].commit);
            fprintf(f, ",%s\n", v);
        }
    }
}

static void write_head(FILE *f, const page *pg)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    if (pg->o->title != NULL) {
        beex_html_text(f, pg->o->title);
    } else {
        fputs("beex performance history: ", f);
        beex_html_text(f, pg->machine);
    }
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body data-series=\"%zu\">\n<h1>", page_css,
            pg->nseries);
    if (pg->o->title != NULL) {
        beex_html_text(f, pg->o->title);
    } else {
        fputs("beex performance history: ", f);
        beex_html_text(f, pg->machine);
    }
    fputs("</h1>\n", f);
}

static void summary_row(FILE *f, const char *name, const char *value)
{
    fprintf(f, "<tr><th>%s</th><td>", name);
    beex_html_text(f, value);
    fputs("</td></tr>\n", f);
}

static void write_summary(FILE *f, const page *pg)
{
    const beex_history_record *first = NULL, *last = NULL;
    for (size_t r = 0; r < pg->h->count; r++)
        if (same_machine(&pg->h->records[r], pg->machine)) {
            first = first != NULL ? first : &pg->h->records[r];
            last = &pg->h->records[r];
        }
    const char *cpu =
        json_string_value(json_object_get(json_object_get(last->json, "machine"), "cpu"));
    char buf[512], a[8], b[8];
    fputs("<table class=\"summary\">\n", f);
    summary_row(f, "history file", pg->o->history);
    snprintf(buf, sizeof buf, "%s%s%s%s", pg->machine, cpu != NULL ? " (" : "",
             cpu != NULL ? cpu : "", cpu != NULL ? ")" : "");
    summary_row(f, "machine", buf);
    beex_history_short_hash(first->commit, a);
    beex_history_short_hash(last->commit, b);
    snprintf(buf, sizeof buf, "%s (%s) to %s (%s)", a, first->commit_date ? first->commit_date : "",
             b, last->commit_date ? last->commit_date : "");
    summary_row(f, "commits", buf);
    snprintf(buf, sizeof buf, "%zu", pg->built);
    summary_row(f, "commits measured", buf);
    snprintf(buf, sizeof buf, "%zu", pg->failed);
    summary_row(f, "commits that failed to build", buf);
    snprintf(buf, sizeof buf, "%zu", pg->nseries);
    summary_row(f, "series", buf);
    snprintf(buf, sizeof buf,
             "%zu (E-divisive means, permutation test at significance %g; a timed change is "
             "confirmed when a count of the same code path changes within one commit)",
             pg->nchanges, pg->o->significance);
    summary_row(f, "change points", buf);
    fputs("</table>\n", f);
}

static void write_failed(FILE *f, const page *pg)
{
    fputs("<h2 id=\"failed\">Commits that failed to build</h2>\n", f);
    if (pg->failed == 0) {
        fputs("<p>none</p>\n", f);
        return;
    }
    fputs("<table class=\"failed\">\n<tr><th>commit</th><th>subject</th><th>why</th></tr>\n", f);
    for (size_t r = 0; r < pg->h->count; r++) {
        const beex_history_record *rec = &pg->h->records[r];
        if (rec->built || !same_machine(rec, pg->machine))
            continue;
        char hash[8];
        beex_history_short_hash(rec->commit, hash);
        fprintf(f, "<tr><td><code>%s</code></td>", hash);
        beex_html_clipped_cell(f, rec->subject, SUBJECT_CHARS);
        fputs("<td>", f);
        beex_html_text(f, json_string_value(json_object_get(rec->json, "why")));
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void change_row(FILE *f, const page *pg, const beex_history_change *ch)
{
    const beex_history_series *s = series_of(pg, ch->key);
    char hash[8], before[64] = "", after[64] = "";
    beex_history_short_hash(ch->commit, hash);
    if (s != NULL) {
        beex_history_format_value(s, ch->change.before, before, sizeof before);
        beex_history_format_value(s, ch->change.after, after, sizeof after);
    }
    fputs("<tr><td><code>", f);
    beex_html_text(f, ch->key);
    fprintf(f, "</code></td><td><code>%s</code></td>", hash);
    beex_html_clipped_cell(f, ch->record < pg->h->count ? pg->h->records[ch->record].subject : "",
                           SUBJECT_CHARS);
    fprintf(f,
            "<td class=\"num %s\">%+.2f%%</td><td class=\"num\">%s &rarr; %s</td>"
            "<td class=\"num\">%.3f</td><td>%s</td></tr>\n",
            ch->regression ? "up" : "down", 100 * ch->change.rel_change, before, after,
            1 - ch->change.p_value,
            !ch->timed           ? "a count (needs none)"
            : ch->confirmed == 1 ? "confirmed"
                                 : "unconfirmed (the host may have moved)");
}

/* current_only: the current regressions (the steps up that still stand); else every change. */
static void write_changes(FILE *f, const page *pg, int current_only)
{
    size_t n = 0;
    for (size_t c = 0; c < pg->nchanges; c++)
        n += !current_only || (pg->changes[c].regression && pg->changes[c].current);
    fputs(current_only ? "<h2 id=\"regressions\">Current regressions</h2>\n"
                       : "<h2 id=\"changes\">All change points</h2>\n",
          f);
    if (n == 0) {
        fputs("<p>none</p>\n", f);
        return;
    }
    fprintf(f,
            "<table class=\"%s\">\n<tr><th>series</th><th>commit</th><th>subject</th>"
            "<th>change</th><th>before &rarr; after</th><th>confidence</th><th>confirmed"
            "</th></tr>\n",
            current_only ? "regressions" : "changes");
    for (size_t c = 0; c < pg->nchanges; c++)
        if (!current_only || (pg->changes[c].regression && pg->changes[c].current))
            change_row(f, pg, &pg->changes[c]);
    fputs("</table>\n", f);
}

static void write_figure(FILE *f, const page *pg, const beex_history_series *s)
{
    size_t nch = 0;
    for (size_t c = 0; c < pg->nchanges; c++)
        nch += strcmp(pg->changes[c].key, s->key) == 0;
    fputs("<figure class=\"series\" data-key=\"", f);
    beex_html_text(f, s->key);
    fputs("\">\n", f);
    beex_history_plot p = {pg->h, s, pg->changes, pg->nchanges, pg->ordinal, pg->ncommits};
    beex_history_svg(f, &p);
    fputs("<figcaption><code>", f);
    beex_html_text(f, s->key);
    fprintf(f, "</code>: %zu commit%s", s->n, s->n == 1 ? "" : "s");
    if (s->n > 0) {
        char v[64], hash[8];
        beex_history_format_value(s, s->x[s->n - 1], v, sizeof v);
        beex_history_short_hash(pg->h->records[s->rec[s->n - 1]].commit, hash);
        fprintf(f, ", last %s at <code>%s</code>", v, hash);
    }
    fprintf(f, ", %zu change point%s%s</figcaption>\n</figure>\n", nch, nch == 1 ? "" : "s",
            s->timed ? "; the band is the repetitions' min to max" : "");
}

static void write_families(FILE *f, const page *pg)
{
    for (size_t fam = 0; fam <= NFAMILIES; fam++) {
        size_t n = 0;
        for (size_t i = 0; i < pg->nseries; i++)
            n += family_of(pg->series[i].key) == fam;
        if (n == 0)
            continue;
        const char *name = fam < NFAMILIES ? families[fam] : "other";
        fprintf(f, "<section class=\"family\" id=\"family-%s\">\n<h2>%s (%zu series)</h2>\n", name,
                name, n);
        for (size_t i = 0; i < pg->nseries; i++)
            if (family_of(pg->series[i].key) == fam)
                write_figure(f, pg, &pg->series[i]);
        fputs("</section>\n", f);
    }
}

static void write_page(FILE *f, const page *pg)
{
    write_head(f, pg);
    write_summary(f, pg);
    write_changes(f, pg, 1);
    write_failed(f, pg);
    write_changes(f, pg, 0);
    fputs("<p id=\"filterbox\" hidden><label>filter series: <input id=\"filter\" "
          "type=\"search\"></label> <span id=\"shown\"></span></p>\n",
          f);
    if (pg->nseries == 0)
        fputs("<p>No series: no record of this machine holds a measurement.</p>\n", f);
    write_families(f, pg);
    fprintf(f, "<script>\n%s</script>\n</body>\n</html>\n", page_script);
}

/* Both files are opened before either is written, so that a folder that cannot take them
 * fails before any output changes; each then appears whole (base/atomic_file.h). */
static int write_outputs(const page *pg, char *err, size_t errlen)
{
    char html[4096], csv[4096];
    if (snprintf(html, sizeof html, "%s/index.html", pg->o->out_dir) >= (int)sizeof html ||
        snprintf(csv, sizeof csv, "%s/series.csv", pg->o->out_dir) >= (int)sizeof csv) {
        snprintf(err, errlen, "%s: path too long", pg->o->out_dir);
        return -1;
    }
    if (beex_mkdir_p(pg->o->out_dir, err, errlen) != 0)
        return -1;
    beex_atomic_file fh, fc;
    if (beex_atomic_open(&fc, csv, err, errlen) != 0)
        return -1;
    if (beex_atomic_open(&fh, html, err, errlen) != 0) {
        beex_atomic_abort(&fc);
        return -1;
    }
    write_csv(fc.f, pg);
    write_page(fh.f, pg);
    if (beex_atomic_commit(&fc, err, errlen) != 0) {
        beex_atomic_abort(&fh);
        return -1;
    }
    return beex_atomic_commit(&fh, err, errlen);
}

/* An --out that exists must be a directory whose two files can be replaced. */
static int check_out_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT)
            return 0; /* created later, with its parents */
        snprintf(err, errlen, "--out %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--out %s: exists and is not a directory", dir);
        return -1;
    }
    const char *names[] = {"index.html", "series.csv"};
    for (size_t i = 0; i < 2; i++) {
        char path[4096], why[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (beex_check_output_file(path, why, sizeof why) != 0) {
            snprintf(err, errlen, "--out %s: %s", dir, why);
            return -1;
        }
    }
    return 0;
}

/* The machine to plot, the x positions of its records and its counts of built and failed
 * commits. Returns 0, or BAD_INPUT with err. */
static int choose_machine(page *pg, char *err, size_t errlen)
{
    const beex_history *h = pg->h;
    if (h->count == 0) {
        snprintf(err, errlen, "%s: holds no records", pg->o->history);
        return BEEX_HISTORY_REPORT_BAD_INPUT;
    }
    pg->machine = pg->o->machine != NULL ? pg->o->machine : h->records[h->count - 1].machine;
    if (pg->machine == NULL) {
        snprintf(err, errlen, "%s: the last record names no machine; give --machine",
                 pg->o->history);
        return BEEX_HISTORY_REPORT_BAD_INPUT;
    }
    pg->ordinal = malloc(h->count * sizeof *pg->ordinal);
    if (pg->ordinal == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t r = 0; r < h->count; r++) {
        pg->ordinal[r] = (size_t)-1;
        if (!same_machine(&h->records[r], pg->machine))
            continue;
        pg->ordinal[r] = pg->ncommits++;
        if (h->records[r].built)
            pg->built++;
        else
            pg->failed++;
    }
    if (pg->ncommits == 0) {
        snprintf(err, errlen, "%s: no record of machine '%s'", pg->o->history, pg->machine);
        return BEEX_HISTORY_REPORT_BAD_INPUT;
    }
    return 0;
}

int beex_history_report(const beex_history_report_opts *o, beex_history_report_summary *sum,
                        char *err, size_t errlen)
{
    if (!(o->significance > 0 && o->significance < 1)) {
        snprintf(err, errlen, "--significance must be in (0, 1)");
        return BEEX_HISTORY_REPORT_BAD_INPUT;
    }
    if (check_out_dir(o->out_dir, err, errlen) != 0)
        return BEEX_HISTORY_REPORT_BAD_INPUT;
    beex_history h;
    if (beex_history_read(o->history, 0, &h, err, errlen) != 0)
        return BEEX_HISTORY_REPORT_BAD_INPUT;
    page pg = {.o = o, .h = &h};
    int rc = choose_machine(&pg, err, errlen);
    if (rc == 0) {
        beex_changepoint_opts co;
        beex_changepoint_defaults(&co);
        co.significance = o->significance;
        rc = beex_history_changes(&h, pg.machine, &co, &pg.series, &pg.nseries, &pg.changes,
                                  &pg.nchanges, err, errlen);
    }
    if (rc == 0)
        rc = write_outputs(&pg, err, errlen);
    if (rc == 0 && sum != NULL) {
        *sum = (beex_history_report_summary){pg.nseries, pg.nchanges, 0, pg.built, pg.failed};
        for (size_t c = 0; c < pg.nchanges; c++)
            sum->regressions += pg.changes[c].regression && pg.changes[c].current;
    }
    if (pg.series != NULL)
        beex_history_series_free(pg.series, pg.nseries);
    free(pg.changes);
    free(pg.ordinal);
    beex_history_free(&h);
    return rc;
}
