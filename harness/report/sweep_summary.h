/* The sweep's printed summary, in words a reader of a paper would want: the front over all
 * rules with intervals, the chosen points, whether each is a static depth in disguise, and
 * whether any rule beats static depth at equal cost with an interval excluding 0. */
#ifndef BEEX_REPORT_SWEEP_SUMMARY_H
#define BEEX_REPORT_SWEEP_SUMMARY_H

#include <stdio.h>

#include "harness/eval/sweep_table.h"
#include "harness/eval/timed_run.h"

typedef struct {
    const char *metric_name;
    int test_examples, resamples;
    unsigned long long seed;
} beex_summary_info;

void beex_print_sweep_summary(FILE *out, const beex_sweep_table *t, const beex_summary_info *info,
                              const beex_timed_run *runs, int nruns);

#endif
