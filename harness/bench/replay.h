/* Offline replay of exit rules on a full-depth trace (MODEL.md section 5): the paper's
 * entropy-ratio rule over a grid of delta and the baselines (absolute entropy tau, patience p,
 * static depth k), each scored for quality, exit histogram and analytic cost (cost.h); and the
 * Pareto front of quality against OPs. Pure computation: no model, no engine. */
#ifndef BEEX_BENCH_REPLAY_H
#define BEEX_BENCH_REPLAY_H

#include <stdint.h>

#include "harness/bench/replay_metrics.h"
#include "harness/model/cost.h"
#include "harness/model/model.h"

#define BEEX_MAX_BLOCKS 64

/* Per example and block: logits and entropy, as beex_engine_trace returns them. */
typedef struct {
    int n, blocks, classes;
    int32_t *index; /* n: example number within its split (shards keep the global one) */
    int32_t *label; /* n */
    int32_t *len;   /* n: token count T after truncation */
    float *logits;  /* n * blocks * classes */
    float *entropy; /* n * blocks */
} beex_trace;

int beex_trace_alloc(beex_trace *t, int n, int blocks, int classes);
void beex_trace_free(beex_trace *t);

typedef enum {
    BEEX_POLICY_DELTA = 0, /* paper: fractional entropy reduction below delta */
    BEEX_POLICY_ENTROPY,   /* DeeBERT: entropy below tau */
    BEEX_POLICY_PATIENCE,  /* PABEE: argmax unchanged for p blocks */
    BEEX_POLICY_STATIC     /* fixed depth k */
} beex_policy_kind;

typedef struct {
    beex_policy_kind kind;
    double param;
} beex_policy;

const char *beex_policy_name(beex_policy_kind k);
int beex_policy_parse(const char *s); /* -1 when unknown */

/* 1-based exit block of example i under policy p (through exit.h, as the engine does). */
int beex_policy_exit_block(const beex_trace *t, int i, const beex_policy *p);

typedef struct {
    beex_policy policy;
    beex_scores scores;
    double metric;             /* the task's headline metric */
    double mean_exit;          /* mean 1-based exit block */
    double saving;             /* 1 - OPs / OPs at full depth */
    beex_cost cost;            /* mean per example */
    int hist[BEEX_MAX_BLOCKS]; /* examples exiting after block i+1 */
} beex_replay_point;

typedef struct {
    const beex_config *cfg;
    beex_precision precision;
    beex_metric metric;
    int positive; /* class scored by binary F1, -1 for macro */
} beex_replay_setup;

/* Scores one policy; exit_blocks / preds (n each) receive the per-example decisions when not
 * NULL. Returns 0, or -1 on bad input (empty trace, more than BEEX_MAX_BLOCKS blocks). */
int beex_replay(const beex_trace *t, const beex_policy *p, const beex_replay_setup *s,
                beex_replay_point *out, int *exit_blocks, int *preds);

/* The grid swept by default: delta from -0.50 to 1.00 in steps of 0.01 (plus 1.01, which
 * exits every example at block 2), tau from 0 to ln(C) in 100 steps, patience 1..N-1,
 * static depth 1..N. `quick` uses steps 5 times coarser. Returns the count written to
 * *out (malloc'ed), or -1. */
int beex_policy_grid(int blocks, int classes, int quick, beex_policy **out);

/* Marks on_front[i] = 1 for points not dominated by another (lower or equal cost and higher or
 * equal quality, one strictly). */
void beex_pareto_mark(const double *cost, const double *quality, int n, int *on_front);

#endif
