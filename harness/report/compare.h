/* The regression verdict of `beex compare`: per benchmark, repetition times compared with the
 * two-sided Mann-Whitney U test (as Google Benchmark's compare.py) plus a minimum relative
 * change, and exact instruction counts compared by a relative threshold. */
#ifndef BEEX_REPORT_COMPARE_H
#define BEEX_REPORT_COMPARE_H

#include <jansson.h>
#include <stddef.h>

#include "harness/report/bench_rows.h"

typedef struct {
    double alpha;           /* p-value below which a time difference is significant (0.05) */
    double time_threshold;  /* relative median slow-down that counts as a regression (0.05) */
    double instr_threshold; /* relative instruction growth that counts (0.02) */
} beex_compare_options;

typedef enum {
    BEEX_VERDICT_SAME = 0,
    BEEX_VERDICT_FASTER,
    BEEX_VERDICT_SLOWER,  /* regression */
    BEEX_VERDICT_TOO_FEW, /* fewer than 2 repetitions on a side: no test */
    BEEX_VERDICT_ONLY_OLD,
    BEEX_VERDICT_ONLY_NEW
} beex_verdict;

typedef struct {
    const char *name; /* borrowed from the sets */
    int has_time;
    double old_median, new_median, time_change; /* change = new / old - 1 */
    double p_value;
    size_t old_n, new_n;
    int has_instructions;
    long long old_instr, new_instr;
    double instr_change;
    beex_verdict time_verdict, instr_verdict;
    int regression;
} beex_compare_row;

const char *beex_verdict_name(beex_verdict v);

/* Refuses what no measurement gives: a time that is not a finite number > 0, an instruction
 * count of 0 (a change relative to it means nothing). Returns 0, or -1 with err naming the
 * file (path) and the benchmark. */
int beex_compare_check_set(const beex_bench_set *s, const char *path, char *err, size_t errlen);
/* One row per name in either set (old's order, then names new alone has). Returns the row
 * count (rows malloc'ed), or -1. */
long beex_compare_sets(const beex_bench_set *old, const beex_bench_set *new_,
                       const beex_compare_options *o, beex_compare_row **rows);
json_t *beex_compare_row_json(const beex_compare_row *r);

#endif
