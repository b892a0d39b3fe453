/* `beex history gate` (docs/history.md): this build measured now against the last good record
 * of the same machine in the history. Instruction counts are gated at a relative threshold;
 * timed benchmarks by a one-sided Mann-Whitney U test plus a minimum median growth. */
#ifndef BEEX_APP_HISTORY_GATE_H
#define BEEX_APP_HISTORY_GATE_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>

typedef struct {
    const char *history;   /* NULL: REPO/results/history/<machine>.jsonl */
    const char *repo;      /* the git work tree of this build (its commit and machine) */
    const char *binary;    /* the beex program to measure */
    const char *only;      /* NULL: the whole set; else one bench or a prefix ending in '/' */
    int timed;             /* also the timed set, gated by the U test */
    int reps;              /* timed repetitions (9) */
    double threshold;      /* instructions fail above base * (1 + threshold) (0.02) */
    double alpha;          /* timed: the one-sided U test's level (0.01) */
    double time_threshold; /* timed: and the median grew by more than this (0.05) */
} beex_history_gate_opts;

typedef struct {
    char key[200]; /* "bench:metric" */
    int timed;     /* 1: seconds (median), 0: a count */
    int gated;     /* 1: this row can fail the gate */
    int has_base, has_now;
    double base, now; /* the values; meaningful where has_base / has_now */
    double change;    /* now / base - 1; NaN unless both sides */
    double p_value;   /* timed: one-sided (this build slower); NaN otherwise */
    int fail;         /* 1: a regression */
    char note[200];   /* why a row is not gated ("" when gated) */
} beex_history_gate_row;

/* Compares two records' measurements (a pure function, no measuring): counts of the same bench
 * and metric, and with o->timed the timed benches. Rows are sorted by bench, then metric
 * (instructions, d1_misses, ll_misses); a bench on one side only (or "absent" on one side) is
 * listed with a note and never gated. Returns the number of failing rows, or -1 when memory
 * runs out. */
int beex_history_gate_compare(const json_t *base, const json_t *now,
                              const beex_history_gate_opts *o, beex_history_gate_row **rows,
                              size_t *n);

typedef struct {
    beex_history_gate_row *rows;
    size_t n;
    int failures;
    char history[PATH_MAX];  /* the file read */
    char machine[128];       /* this machine's fingerprint */
    char base_commit[41];    /* the baseline record's commit */
    char base_subject[128];  /* and its first line */
    char base_compiler[128]; /* "" when the record has none */
    char now_compiler[128];
} beex_history_gate_result;

/* Finds the baseline (the last record of this machine with "build": "ok"; none is an error
 * naming the machines the file has), then measures the binary and compares. Checks the
 * history before measuring. Returns 0 (res->failures says the verdict) or -1 with err. */
int beex_history_gate_run(const beex_history_gate_opts *o, beex_history_gate_result *res, char *err,
                          size_t errlen);
void beex_history_gate_result_free(beex_history_gate_result *res);

#endif
