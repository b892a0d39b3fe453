/* The contract of an exit rule (docs/exit-rules.md): one function that decides, after block b
 * of one example, from what block b shows (its entropy, argmax and largest softmax
 * probability) and a small state carried from block to block, whether the example answers
 * there. Every rule is one file in harness/model/exit_rules/ and one line in
 * exit_rule_list.h; the engine, the replay, the sweep's grid, the reports' names, `beex run
 * --rule` and the generic tests (tests/harness/model/test_exit_rules.c) all read this table. */
#ifndef BEEX_MODEL_EXIT_RULES_H
#define BEEX_MODEL_EXIT_RULES_H

#include <stddef.h>

/* The rules' kinds, in the list's order: BEEX_EXIT_DELTA, BEEX_EXIT_ENTROPY, ... */
typedef enum {
#define BEEX_EXIT_RULE(ID, sym) BEEX_EXIT_##ID,
#include "harness/model/exit_rule_list.h"
#undef BEEX_EXIT_RULE
    BEEX_EXIT_RULE_COUNT
} beex_exit_kind;

/* A rule with its parameter: what the engine runs and what the replay scores. */
typedef struct {
    beex_exit_kind kind;
    double param;
} beex_exit_rule;

/* What block b shows a rule, for one example. Online the engine fills every field; offline
 * (exit.h: beex_exit_rows_of) only those the rule says it reads, so the replay computes no
 * softmax a rule does not look at. */
typedef struct {
    float entropy;  /* H_b, natural log, as the trace stores it */
    int argmax;     /* argmax_c z_b (the lower class on a tie) */
    double maxprob; /* max_c softmax(z_b)_c = 1 / sum_c exp(z_c - max z), in (0, 1] */
} beex_exit_row;

#define BEEX_EXIT_USES_ENTROPY 1u
#define BEEX_EXIT_USES_ARGMAX 2u
#define BEEX_EXIT_USES_MAXPROB 4u
#define BEEX_EXIT_USES_ALL 7u

/* What an example carries from block to block; zero before block 1. prev is kept by
 * beex_exit_online (block b - 1's row; zero at block 1); count and acc belong to the rule. */
typedef struct {
    beex_exit_row prev;
    int count;
    double acc;
} beex_exit_state;

/* 1 = exit after block `block` (1-based, always < N: the last block answers without asking).
 * Must decide from this row, the state and param alone: the same sequence of rows gives the
 * same decisions, online in the engine and offline on a trace. NaN must never exit. */
typedef int (*beex_exit_decide_fn)(double param, beex_exit_state *s, int block,
                                   const beex_exit_row *row);

/* The sweep's parameters for a model of `blocks` blocks and `classes` classes; `quick` asks
 * for a coarser grid. Writes them to out when out is not NULL; returns how many, the same with
 * out NULL or not (at least 1 for blocks >= 2; a rule may have nothing to try on one block). */
typedef int (*beex_exit_grid_fn)(int blocks, int classes, int quick, double *out);

typedef struct {
    const char *name;       /* in result files, reports and `beex run --rule NAME=X` */
    const char *param_name; /* the parameter's name in docs and help: delta, tau, p, ... */
    const char *title;      /* a few words for help texts */
    unsigned uses;          /* BEEX_EXIT_USES_* bits of the row fields decide reads */
    int integer_param;      /* a count: labels print it as an integer */
    int later_when_higher;  /* 1: a higher parameter never exits earlier; 0: never later */
    beex_exit_decide_fn decide;
    beex_exit_grid_fn grid;
} beex_exit_rule_info;

/* Every rule, indexed by kind. */
extern const beex_exit_rule_info *const beex_exit_rules[BEEX_EXIT_RULE_COUNT];

/* The rule of kind k, or NULL when k is not a kind. */
const beex_exit_rule_info *beex_exit_rule_info_of(int kind);
/* The kind named `name`, or -1. */
int beex_exit_rule_parse(const char *name);
/* "NAME=X" (e.g. "maxprob=0.9") into *out. Returns 0, or -1 with err saying what is wrong
 * (an unknown name, with the known ones; a missing or non-numeric value; NaN). */
int beex_exit_rule_from_string(const char *s, beex_exit_rule *out, char *err, size_t errlen);
/* The rules' names joined by sep ("delta, entropy, ..."), into buf; returns buf. */
const char *beex_exit_rule_names_joined(char *buf, size_t len, const char *sep);

/* An integer parameter as the rules read it: truncated toward zero like a cast, clamped to
 * the int range, NaN as INT_MAX (never reached, so never an early exit). */
int beex_exit_param_int(double param);

#endif
