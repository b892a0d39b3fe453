/* Offline replay of exit rules on a full-depth trace (docs/exit-rules.md): every rule of
 * harness/model/exit_rule_list.h (the paper's entropy ratio, absolute entropy, patience, static
 * depth, softmax confidence) over its grid, each point scored for quality, exit histogram, how
 * concentrated its exits are, and analytic cost (cost.h). Pure computation: no model, no
 * engine. */
#ifndef BEEX_EVAL_REPLAY_H
#define BEEX_EVAL_REPLAY_H

#include <stdint.h>

#include "harness/eval/metrics.h"
#include "harness/eval/trace.h"
#include "harness/model/cost.h"
#include "harness/model/exit_rules.h"
#include "harness/model/model.h"

/* A policy is a rule of the list with its parameter: kind indexes beex_exit_rules. */
typedef beex_exit_kind beex_policy_kind;
typedef beex_exit_rule beex_policy;

/* The replay's names for the kinds with a part of their own in a sweep (static depth is the
 * reference of every comparison, delta the paper's rule), kept for the code written with
 * them; they are the list's kinds, not a second enumeration. */
#define BEEX_POLICY_DELTA BEEX_EXIT_DELTA
#define BEEX_POLICY_ENTROPY BEEX_EXIT_ENTROPY
#define BEEX_POLICY_PATIENCE BEEX_EXIT_PATIENCE
#define BEEX_POLICY_STATIC BEEX_EXIT_STATIC
#define BEEX_POLICY_KINDS BEEX_EXIT_RULE_COUNT

/* The rule's name in files ("delta", "maxprob", ...), or "unknown". */
const char *beex_policy_name(beex_policy_kind k);

/* 1-based exit block of example i under policy p (through exit.h, as the engine does). */
int beex_policy_exit_block(const beex_trace *t, int i, const beex_policy *p);

/* A point whose most common exit block holds at least this share of the examples is called
 * "equivalent to static depth k" (docs/statistics.md). */
#define BEEX_STATIC_EQUIVALENT_SHARE 0.95

typedef struct {
    beex_policy policy;
    beex_scores scores;
    double metric;             /* the task's headline metric */
    double mean_exit;          /* mean 1-based exit block */
    double saving;             /* 1 - OPs / OPs at full depth */
    beex_cost cost;            /* mean per example */
    int hist[BEEX_MAX_BLOCKS]; /* examples exiting after block i+1 */
    int mode_block;            /* most common exit block (1-based; the lower on a tie) */
    double mode_share;         /* its share of the examples */
    int static_equivalent;     /* mode_block when mode_share >= 0.95, else 0 */
    beex_point_stats stats;    /* intervals and paired comparisons (intervals.h) */
} beex_replay_point;

/* cfg gives the shape every trace must have (blocks, classes) and, for beex's own traces,
 * the cost of each exit; a trace that brings its costs (trace.h: cost) is charged those
 * instead, each example the cost of reaching its own exit block. */
typedef struct {
    const beex_config *cfg;
    beex_precision precision;
    beex_metric metric;
    int positive; /* class scored by binary F1, -1 for macro */
} beex_replay_setup;

/* Scores one policy; exit_blocks / preds (n each) receive the per-example decisions when not
 * NULL. The stats member is left zeroed. Returns 0, or -1 on bad input (empty trace, more
 * than BEEX_MAX_BLOCKS blocks, a shape other than the setup's). */
int beex_replay(const beex_trace *t, const beex_policy *p, const beex_replay_setup *s,
                beex_replay_point *out, int *exit_blocks, int *preds);

/* The grid swept: every rule of the list in its order, each over its own grid
 * (beex_exit_rule_info.grid; docs/exit-rules.md has the table). `quick` asks each rule for
 * its coarser grid. Returns the count written to *out (malloc'ed), or -1. */
int beex_policy_grid(int blocks, int classes, int quick, beex_policy **out);

/* Marks on_front[i] = 1 for points not dominated by another (lower or equal cost and higher or
 * equal quality, one strictly). Entries with include[i] == 0 (include may be NULL) neither
 * count nor get marked. */
void beex_pareto_mark(const double *cost, const double *quality, const int *include, int n,
                      int *on_front);

#endif
