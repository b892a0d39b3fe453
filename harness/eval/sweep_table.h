/* Every exit rule of the grid replayed on dev and test, with intervals and paired comparisons
 * (intervals.h), the dev Pareto front over all rules together, the dev-chosen points, and
 * what the traces say about the model (does entropy fall with depth?). Thresholds are chosen
 * on dev only; test figures are what gets reported. */
#ifndef BEEX_EVAL_SWEEP_TABLE_H
#define BEEX_EVAL_SWEEP_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "harness/eval/intervals.h"
#include "harness/eval/replay.h"

/* The accuracy budget of the selection rules: within one point of full depth. */
#define BEEX_SELECTION_TOLERANCE 0.01

typedef struct {
    int quick;     /* coarser grid */
    int resamples; /* bootstrap resamples, >= BEEX_BOOTSTRAP_MIN_RESAMPLES */
    uint64_t seed; /* bootstrap seed */
} beex_sweep_table_options;

typedef struct {
    int n; /* grid points */
    int blocks;
    beex_metric metric; /* the headline metric of every comparison */
    beex_replay_point *dev, *test;
    int *front;       /* 1 on the dev Pareto front over all rules (metric vs OPs) */
    int *delta_front; /* 1 on the dev Pareto front of the paper's rule (delta) alone */
    int full;         /* index of full depth (static k = N) */
    int static_index[BEEX_MAX_BLOCKS]; /* index of static depth k + 1 */
    /* Dev-chosen points (indices), each over all rules: */
    int selected;       /* fewest dev OPs with dev metric >= full depth - 1 point */
    int selected_sig;   /* fewest dev OPs whose paired dev lower bound vs full is > -1 point */
    int selected_delta; /* the paper's rule alone, as selected; -1 when no delta qualifies */
    /* Mean entropy per block on dev and test, and the share of test examples whose entropy
     * rises from some block to the next (the entropy-ratio rule assumes it falls). */
    double entropy_mean_dev[BEEX_MAX_BLOCKS], entropy_mean_test[BEEX_MAX_BLOCKS];
    double entropy_rise_share;
    int entropy_falls; /* 1 when the mean test entropy never rises from a block to the next */
    /* Non-static points on test, and those whose iso-cost gain interval is above 0 (in all,
     * and on the dev front): with many points tested about 2.5 % pass by chance. */
    int beat_tested, beat_all, beat_front;
} beex_sweep_table;

/* Replays the grid on both traces and fills the table. Never fails for what the model does
 * (a rising entropy, no delta near full depth): only on bad traces or memory. Returns 0, or
 * -1 with err set. */
int beex_sweep_replay_all(const beex_trace *dev, const beex_trace *test, const beex_replay_setup *s,
                          const beex_sweep_table_options *o, beex_sweep_table *out, char *err,
                          size_t errlen);
void beex_sweep_table_free(beex_sweep_table *t);

/* Indices of at most max_points distinct points of the dev front, spread along it by
 * OPs, always including the selected point and full depth, then the other chosen points. Returns
 * the count. */
int beex_sweep_timed_points(const beex_sweep_table *t, int max_points, int *idx);

#endif
