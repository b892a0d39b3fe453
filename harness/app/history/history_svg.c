#include "harness/app/history/history_svg.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

/* The plot's box, in SVG user units. The margins hold the y tick labels (left), the last
 * short hash (right), two staggered rows of change labels (top) and the x ticks and axis
 * title (bottom). */
#define PW 760.0
#define PH 280.0
#define ML 84.0
#define MR 40.0
#define MT 34.0
#define MB 46.0
#define MAX_XTICKS 6

typedef struct {
    double lo, hi; /* in the series' unit */
    double step;   /* between y ticks */
    double scale;  /* stored value -> unit */
} yaxis;

/* Escapes the first n bytes of s. */
static void html_text_n(FILE *f, const char *s, size_t n)
{
    for (const char *e = s + n; s < e && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

void beex_html_text(FILE *f, const char *s)
{
    if (s != NULL)
        html_text_n(f, s, strlen(s));
}

/* The byte length of s's first max_chars characters, or strlen(s) when s is no longer. */
static size_t clip_length(const char *s, size_t max_chars)
{
    size_t chars = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80) /* a continuation byte: same character */
            continue;
        if (chars == max_chars)
            return i;
        chars++;
    }
    return i;
}

void beex_html_clipped_cell(FILE *f, const char *s, size_t max_chars)
{
    const char *text = s != NULL ? s : "";
    size_t whole = strlen(text);
    if (max_chars == 0 || clip_length(text, max_chars) == whole) {
        fputs("<td>", f);
        html_text_n(f, text, whole);
        fputs("</td>", f);
        return;
    }
    /* Room for the ellipsis; then back to the last space in the second half, so that a whole
     * word ends the text (without its trailing space). */
    size_t cut = clip_length(text, max_chars - 1);
    size_t half = clip_length(text, max_chars / 2);
    for (size_t i = cut; i > half; i--)
        if (text[i - 1] == ' ') {
            cut = i - 1;
            break;
        }
    fputs("<td title=\"", f);
    html_text_n(f, text, whole);
    fputs("\">", f);
    html_text_n(f, text, cut);
    fputs("\u2026</td>", f);
}

void beex_history_short_hash(const char *commit, char out[8])
{
    size_t i = 0;
    for (; commit != NULL && commit[i] != '\0' && i < 7; i++)
        out[i] = isxdigit((unsigned char)commit[i]) ? commit[i] : '?';
    out[i] = '\0';
}

const char *beex_history_unit(const beex_history_series *s, double *scale)
{
    if (!s->timed) {
        *scale = 1;
        return "count";
    }
    double max = 0;
    for (size_t i = 0; i < s->n; i++)
        if (fabs(s->x[i]) > max)
            max = fabs(s->x[i]);
    if (max >= 1) {
        *scale = 1;
        return "s";
    }
    if (max >= 1e-3) {
        *scale = 1e3;
        return "ms";
    }
    *scale = 1e6;
    return "\xc2\xb5s"; /* µs, UTF-8 */
}

void beex_history_format_value(const beex_history_series *s, double v, char *buf, size_t len)
{
    double scale;
    const char *unit = beex_history_unit(s, &scale);
    if (s->timed)
        snprintf(buf, len, "%.4g %s", v * scale, unit);
    else
        snprintf(buf, len, "%.0f", v);
}

/* 1, 2 or 5 times a power of ten, at least r. */
static double nice_step(double r)
{
    double e = pow(10, floor(log10(r)));
    double f = r / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
}

/* The y range over the values and, for timed series, every repetition, padded and widened to
 * whole ticks; a flat series gets a band around its value so that its line is drawn mid-plot. */
static yaxis y_axis(const beex_history_series *s)
{
    yaxis a;
    beex_history_unit(s, &a.scale);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < s->n; i++) {
        lo = fmin(lo, s->x[i]);
        hi = fmax(hi, s->x[i]);
        for (size_t k = 0; s->reps != NULL && s->reps[i] != NULL && k < s->nreps[i]; k++) {
            lo = fmin(lo, s->reps[i][k]);
            hi = fmax(hi, s->reps[i][k]);
        }
    }
    if (!(lo <= hi)) /* no points */
        lo = hi = 0;
    lo *= a.scale;
    hi *= a.scale;
    double pad = hi > lo ? 0.08 * (hi - lo) : (fabs(hi) > 0 ? 0.05 * fabs(hi) : 1);
    int nonneg = lo >= 0;
    lo -= pad;
    hi += pad;
    if (nonneg && lo < 0)
        lo = 0;
    a.step = nice_step((hi - lo) / 4);
    a.lo = floor(lo / a.step) * a.step;
    a.hi = ceil(hi / a.step) * a.step;
    return a;
}

static double px(const beex_history_plot *p, size_t rec)
{
    if (p->ncommits < 2)
        return ML + 0.5 * (PW - ML - MR);
    return ML + (double)p->ordinal[rec] / (double)(p->ncommits - 1) * (PW - ML - MR);
}

static double py(const yaxis *a, double stored)
{
    return MT + (a->hi - stored * a->scale) / (a->hi - a->lo) * (PH - MT - MB);
}

/* A tick label: counts with a k/M/G suffix, timed values in the axis' unit; as many decimals as
 * the step needs. */
static void tick_label(const beex_history_series *s, const yaxis *a, double v, char *buf,
                       size_t len)
{
    double div = 1;
    const char *suffix = "";
    double big = fmax(fabs(a->lo), fabs(a->hi));
    if (!s->timed && big >= 1e9) {
        div = 1e9;
        suffix = " G";
    } else if (!s->timed && big >= 1e6) {
        div = 1e6;
        suffix = " M";
    } else if (!s->timed && big >= 1e4) {
        div = 1e3;
        suffix = " k";
    }
    int dec = (int)ceil(-log10(a->step / div) - 1e-9);
    dec = dec < 0 ? 0 : dec > 6 ? 6 : dec;
    snprintf(buf, len, "%.*f%s", dec, v / div, suffix);
}

static void axes(FILE *f, const beex_history_plot *p, const yaxis *a)
{
    const beex_history_series *s = p->s;
    double x0 = ML, x1 = PW - MR, y0 = MT, y1 = PH - MB;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>\n", x0,
            y0, x1 - x0, y1 - y0);
    for (int k = 0; k <= 64; k++) {
        double v = a->lo + k * a->step;
        if (v > a->hi + 1e-9 * a->step)
            break;
        double y = py(a, v / a->scale);
        char label[48];
        tick_label(s, a, v, label, sizeof label);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" class=\"ytick\">%s</text>\n",
                x0, y, x1, y, x0 - 6, y + 4, label);
    }
    size_t m = s->n < MAX_XTICKS ? s->n : MAX_XTICKS;
    long last = -1;
    for (size_t k = 0; k < m; k++) {
        size_t i = m > 1 ? k * (s->n - 1) / (m - 1) : 0;
        if ((long)i == last)
            continue;
        last = (long)i;
        double x = px(p, s->rec[i]);
        char hash[8];
        beex_history_short_hash(p->h->records[s->rec[i]].commit, hash);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" class=\"xtick\">%s</text>\n",
                x, y1, x, y1 + 4, x, y1 + 16, hash);
    }
    double scale;
    const char *unit = beex_history_unit(s, &scale);
    const char *metric = strrchr(s->key, ':');
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"xtitle\">commit (oldest to newest)</text>\n",
            (x0 + x1) / 2, PH - 8);
    fprintf(f, "<text transform=\"translate(14 %.1f) rotate(-90)\" class=\"ytitle\">",
            (y0 + y1) / 2);
    beex_html_text(f, metric != NULL ? metric + 1 : s->key);
    fprintf(f, " (%s)</text>\n", unit);
}

/* Timed series: the min-max band of each commit's repetitions, and the repetitions as dots. */
static void spread(FILE *f, const beex_history_plot *p, const yaxis *a)
{
    const beex_history_series *s = p->s;
    if (s->reps == NULL || s->n == 0)
        return;
    fputs("<polygon class=\"band\" points=\"", f);
    for (size_t i = 0; i < s->n; i++) {
        double hi = s->x[i];
        for (size_t k = 0; s->reps[i] != NULL && k < s->nreps[i]; k++)
            hi = fmax(hi, s->reps[i][k]);
        fprintf(f, "%.1f,%.1f ", px(p, s->rec[i]), py(a, hi));
    }
    for (size_t j = s->n; j-- > 0;) {
        double low = s->x[j];
        for (size_t k = 0; s->reps[j] != NULL && k < s->nreps[j]; k++)
            low = fmin(low, s->reps[j][k]);
        fprintf(f, "%.1f,%.1f ", px(p, s->rec[j]), py(a, low));
    }
    fputs("\"/>\n", f);
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; s->reps[i] != NULL && k < s->nreps[i]; k++)
            fprintf(f, "<circle class=\"rep\" cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\"/>",
                    px(p, s->rec[i]), py(a, s->reps[i][k]));
    fputc('\n', f);
}

/* The values as a line, each point with a tooltip (SVG <title>: no script needed). */
static void points(FILE *f, const beex_history_plot *p, const yaxis *a)
{
    const beex_history_series *s = p->s;
    if (s->n > 1) {
        fputs("<polyline class=\"line\" points=\"", f);
        for (size_t i = 0; i < s->n; i++)
            fprintf(f, "%.1f,%.1f ", px(p, s->rec[i]), py(a, s->x[i]));
        fputs("\"/>\n", f);
    }
    for (size_t i = 0; i < s->n; i++) {
        const beex_history_record *r = &p->h->records[s->rec[i]];
        char v[64], hash[8];
        beex_history_format_value(s, s->x[i], v, sizeof v);
        beex_history_short_hash(r->commit, hash);
        fprintf(f, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"><title>%s ",
                px(p, s->rec[i]), py(a, s->x[i]), hash);
        beex_html_text(f, r->subject);
        fprintf(f, "&#10;%s</title></circle>\n", v);
    }
}

/* Commits of this machine that did not build: a red mark at the foot of the plot. */
static void failed_builds(FILE *f, const beex_history_plot *p)
{
    for (size_t r = 0; r < p->h->count; r++) {
        const beex_history_record *rec = &p->h->records[r];
        if (rec->built || p->ordinal[r] == (size_t)-1)
            continue;
        double x = px(p, r), y = PH - MB;
        char hash[8];
        beex_history_short_hash(rec->commit, hash);
        fprintf(f,
                "<path class=\"failed\" d=\"M%.1f %.1f l-4 -8 h8 z\"><title>%s did not build: ", x,
                y, hash);
        beex_html_text(f, rec->subject);
        fputs("</title></path>\n", f);
    }
}

/* The series' change points: a vertical line at the commit that starts the new segment, with
 * its short hash and size above the plot (two rows, so that neighbours do not overprint). */
static void change_marks(FILE *f, const beex_history_plot *p)
{
    size_t j = 0;
    for (size_t c = 0; c < p->nchanges; c++) {
        const beex_history_change *ch = &p->changes[c];
        if (strcmp(ch->key, p->s->key) != 0 || ch->record >= p->h->count)
            continue;
        double x = px(p, ch->record), ty = 12 + 12 * (double)(j++ % 2);
        int right = x > PW / 2;
        const char *cls = ch->regression ? "chg up" : "chg down";
        char hash[8];
        beex_history_short_hash(ch->commit, hash);
        fprintf(f,
                "<g class=\"%s\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s %+.1f%%</text>"
                "<title>change at %s: %+.2f%%, confidence %.3f",
                cls, x, MT, x, PH - MB, right ? x - 3 : x + 3, ty, right ? "end" : "start", hash,
                100 * ch->change.rel_change, hash, 100 * ch->change.rel_change,
                1 - ch->change.p_value);
        if (ch->timed)
            fputs(ch->confirmed == 1 ? ", confirmed by a count" : ", unconfirmed", f);
        fputs("</title></g>\n", f);
    }
}

void beex_history_svg(FILE *f, const beex_history_plot *p)
{
    yaxis a = y_axis(p->s);
    fprintf(f,
            "<svg class=\"plot\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "role=\"img\" aria-label=\"",
            PW, PH, PW, PH);
    beex_html_text(f, p->s->key);
    fputs("\">\n", f);
    axes(f, p, &a);
    spread(f, p, &a);
    failed_builds(f, p);
    change_marks(f, p);
    points(f, p, &a);
    fputs("</svg>\n", f);
}
