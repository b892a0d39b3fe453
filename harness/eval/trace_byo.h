/* Exit traces from other tools (docs/traces.md): "beex-exit-trace/1", JSON Lines, a header line
 * and one line per example holding every exit's logits or probabilities and the cumulative
 * cost of reaching each exit. Read into a beex_trace that carries its own costs (trace.h), so
 * that the replay, the intervals, the fronts and the tables run on it as on beex's own. */
#ifndef BEEX_EVAL_TRACE_BYO_H
#define BEEX_EVAL_TRACE_BYO_H

#include <stddef.h>
#include <stdio.h>

#include "harness/eval/trace.h"

#define BEEX_BYO_SCHEMA "beex-exit-trace/1"
/* Probabilities of one exit must sum to 1 within this. */
#define BEEX_BYO_PROB_TOLERANCE 1e-4
/* The logit standing for a probability of exactly 0 (ln 0): exp() of it, or of it divided by
 * any calibration temperature up to 20, is 0 or below 1e-200 beside the other classes. */
#define BEEX_BYO_LOG_ZERO (-1e4)

/* The header line, as read (or as a converter fills it to write one). */
typedef struct {
    int classes, exits;
    int probs;          /* 1: "values": "probs"; 0: "logits" */
    char **class_names; /* classes names, owned */
    char split[8];      /* "dev" or "test" */
    char source[512];   /* free text, "" when absent */
    char metric[16];    /* "accuracy", "f1", "mcc", or "" when absent */
    char positive[128]; /* a class name, or "" when absent */
    /* "x_beex_model": the fingerprint (16 hex digits) of the beex model whose trace this was
     * converted from (beex trace convert --model), "" when absent: lets a study check that a
     * sweep of converted traces belongs to the unit's model. */
    char model[17];
    /* Shared costs, for examples that bring none: cumulative FLOPs, BOPs and IOPs of reaching
     * exit b. has_cost 0: every example must have its own "cost". */
    int has_cost;
    double cost[BEEX_MAX_BLOCKS], bops[BEEX_MAX_BLOCKS], iops[BEEX_MAX_BLOCKS];
} beex_byo_header;

typedef struct {
    beex_byo_header h;
    /* Logits (probabilities as ln p), the entropy of each exit's softmax computed from them as
     * the engine computes it (exit.h: beex_softmax_summary), labels, len ("len" or 1), index
     * 0..n-1 in file order, and cost (n * exits; ops = FLOPs + IOPs + BOPs / 64). */
    beex_trace t;
} beex_byo_trace;

/* Reads a trace file. Every error names the file and the line (1-based; line 1 is the
 * header): a missing header or an unknown version, unknown keys, wrong counts of exits or
 * classes, non-finite values, probabilities off 1, labels out of range, costs that are not
 * positive or fall, duplicate ids, an empty file. Returns 0, or -1 with err set. */
int beex_byo_read(const char *path, beex_byo_trace *out, char *err, size_t errlen);
void beex_byo_free(beex_byo_trace *b);
void beex_byo_header_free(beex_byo_header *h);

/* Dev and test belong together: the same classes (names included) and exits, "split" dev and
 * test as given, and no conflicting "metric", "positive" or "x_beex_model". Returns 0, or -1 with
 * err naming both files. */
int beex_byo_check_pair(const beex_byo_trace *dev, const char *dev_path, const beex_byo_trace *test,
                        const char *test_path, char *err, size_t errlen);

/* The checks of one example's numbers, shared by the reader and the converters (which name
 * their own lines): values (exits x classes, row by exit) finite as floats, probabilities
 * >= 0 and summing to 1; returns -1 with *bad_exit (0-based) and why set, else 0. */
int beex_byo_check_values(const double *v, int exits, int classes, int probs, int *bad_exit,
                          char *why, size_t len);
/* Costs of `name` ("cost", "bops", "iops", "seconds"): finite, cumulative (never falling) and
 * > 0 when positive, else >= 0. Returns 0, or -1 with why set. */
int beex_byo_check_costs(const char *name, const double *c, int exits, int positive, char *why,
                         size_t len);

/* One example as the writers take it. */
typedef struct {
    const char *id; /* written as a JSON string, or NULL: id_int as a number */
    long long id_int;
    int label, len;       /* len <= 0: not written */
    const double *values; /* exits x classes */
    int value_digits;     /* 9 for values that are floats (exact), 17 for doubles */
    const double *cost;   /* exits, or NULL when the header holds the shared one */
    const double *bops;   /* exits, or NULL (none) */
    const double *iops;   /* exits, or NULL (none) */
} beex_byo_example;

/* The header line and one example line; the caller has checked the numbers (above).
 * Return 0, or -1 on a write error (the caller's stream reports it at commit). */
int beex_byo_write_header(FILE *f, const beex_byo_header *h);
int beex_byo_write_example(FILE *f, const beex_byo_header *h, const beex_byo_example *ex);

#endif
