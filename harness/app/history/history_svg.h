/* The history dashboard's drawing (beex history report): one series as an inline SVG line plot
 * with labelled axes, its repetitions' spread, its change points and the commits that did not
 * build; and the HTML escaping that every string read from the history goes through. */
#ifndef BEEX_APP_HISTORY_SVG_H
#define BEEX_APP_HISTORY_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "harness/app/history/history_changes.h"
#include "harness/report/history_file.h"

/* What one plot needs. The x axis is commit order: ordinal[r] is record r's position among the
 * plotted machine's records (built or not), 0 .. ncommits - 1, so that every series of a page
 * shares one x scale and a commit that did not build leaves a visible gap. */
typedef struct {
    const beex_history *h;
    const beex_history_series *s;
    const beex_history_change *changes; /* every change of the page; the plot picks its own */
    size_t nchanges;
    const size_t *ordinal; /* per record of h; (size_t)-1 for another machine's */
    size_t ncommits;
} beex_history_plot;

/* Writes s with &, <, >, " and ' as character references: safe as element text and inside a
 * quoted attribute. NULL writes nothing. */
void beex_html_text(FILE *f, const char *s);

/* A <td> holding s escaped as by beex_html_text; when s is longer than max_chars characters
 * (a UTF-8 sequence counts once; 0: no limit), cut at the last space in its second half with
 * "…" (at most max_chars in all) and the whole of s in the title attribute (the browser's
 * tooltip), so that a long commit subject keeps a table row one or two lines tall. */
void beex_html_clipped_cell(FILE *f, const char *s, size_t max_chars);

/* The first seven characters of a commit, for labels; anything but a hex digit (a damaged
 * record) shows as '?', so that the result is safe to print into HTML unescaped. */
void beex_history_short_hash(const char *commit, char out[8]);

/* The y unit of a series: "count" for counts, "µs", "ms" or "s" for timed ones, chosen from
 * the series' largest value; *scale is the factor from the stored value (seconds) to it. */
const char *beex_history_unit(const beex_history_series *s, double *scale);

/* One value in the series' unit, for tables and tooltips ("1234567", "12.3 µs"). */
void beex_history_format_value(const beex_history_series *s, double v, char *buf, size_t len);

/* The <svg> element of one series. */
void beex_history_svg(FILE *f, const beex_history_plot *p);

#endif
