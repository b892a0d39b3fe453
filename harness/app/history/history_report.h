/* `beex history report`: the performance history (docs/history.md) as one static page,
 * DIR/index.html, with a summary, the current regressions and every series plotted with its
 * change points, grouped by bench family; and the plotted values as DIR/series.csv. No server
 * and no external resources; the page reads complete without JavaScript. */
#ifndef BEEX_APP_HISTORY_REPORT_H
#define BEEX_APP_HISTORY_REPORT_H

#include <stddef.h>

typedef struct {
    const char *history; /* the history file (JSON lines, beex-history/1) */
    const char *machine; /* whose records to plot; NULL: the last record's */
    const char *out_dir; /* created with its parents; must not be a file */
    const char *title;   /* NULL: "beex performance history: MACHINE" */
    double significance; /* the change points' significance level, in (0, 1) */
} beex_history_report_opts;

typedef struct {
    size_t series;      /* plotted */
    size_t changes;     /* change points found */
    size_t regressions; /* of them, current regressions */
    size_t commits;     /* records of the machine that built and were measured */
    size_t failed;      /* records of the machine whose build failed */
} beex_history_report_summary;

/* The returns: 0, BEEX_HISTORY_REPORT_BAD_INPUT when the history or an option cannot be used
 * (unreadable or malformed file, no records, unknown machine, an --out that is no directory),
 * found before any output is written; -1 when writing fails. err says why in both cases. */
enum { BEEX_HISTORY_REPORT_BAD_INPUT = -2 };

int beex_history_report(const beex_history_report_opts *o, beex_history_report_summary *sum,
                        char *err, size_t errlen);

#endif
