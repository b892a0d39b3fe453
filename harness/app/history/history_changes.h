/* The change points of every series of a history (docs/history.md), with their commits, and
 * the confirmation of timed changes by the deterministic counts of the same code path. */
#ifndef BEEX_APP_HISTORY_CHANGES_H
#define BEEX_APP_HISTORY_CHANGES_H

#include <stddef.h>

#include "harness/eval/changepoint.h"
#include "harness/report/history_file.h"

typedef struct {
    const char *key;    /* the series, "bench:metric" (points into the series list) */
    int timed;          /* 1: a timed series */
    beex_change change; /* index into the series, sizes, p-value */
    size_t record;      /* the history record that starts the new segment */
    const char *commit; /* that record's commit (points into the history) */
    int confirmed;      /* timed only: 1 confirmed by a count series, 0 not; -1 for counts */
    int regression;     /* 1: the value grew (slower, more instructions or misses) */
    int current;        /* 1: no later change in this series (the step still stands) */
} beex_history_change;

/* Every change of every series of MACHINE (NULL: the last record's). Series and changes are
 * owned by the caller (free with beex_history_series_free and free(changes)). Counts use
 * min_rel_change 0.005 unless o says otherwise; timed series o as given. Returns 0 or -1. */
int beex_history_changes(const beex_history *h, const char *machine, const beex_changepoint_opts *o,
                         beex_history_series **series, size_t *nseries,
                         beex_history_change **changes, size_t *nchanges, char *err, size_t errlen);

#endif
