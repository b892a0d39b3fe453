/* `beex sweep` in three stages: the full-depth trace pass over dev and test (sweep_trace.c),
 * the replay of every exit rule and threshold with dev-chosen Pareto points (sweep.c), and
 * the timed runs of those points per variant x threads x batch (sweep_timed.c). The report
 * files are written by harness/report/sweep_report.c. */
#ifndef BEEX_BENCH_SWEEP_H
#define BEEX_BENCH_SWEEP_H

#include <jansson.h>
#include <stdint.h>

#include "harness/bench/replay.h"
#include "harness/bench/timing.h"
#include "harness/model/engine.h"
#include "harness/text/dataset.h"
#include "harness/text/tokenizer.h"

/* Token ids of one split (or shard of it), labels mapped to the model's classes. */
typedef struct {
    int n;
    int32_t **ids; /* n rows of lens[i] ids */
    int *lens;
    int *labels;
    int *index; /* example number within the split */
} beex_encoded;

/* Encodes examples [first, first + count) of a split; label_map maps dataset label indices
 * to model classes. Returns 0, or -1 with err set. */
int beex_encode_split(const beex_split *sp, const beex_vocab *v, int max_len, const int *label_map,
                      int first, int count, beex_encoded *out, char *err, size_t errlen);
void beex_encoded_free(beex_encoded *e);

/* Full-depth pass (beex_engine_trace) over every encoded example, with a progress bar
 * labelled `what`. Returns 0, or -1 with err set. */
int beex_sweep_trace(beex_engine *e, const beex_encoded *enc, const char *what, beex_trace *out,
                     char *err, size_t errlen);

/* Every policy of the grid scored on dev and on test. */
typedef struct {
    int n;
    beex_replay_point *dev, *test;
    int *front;   /* 1 when a delta point is on the dev Pareto front (metric vs OPs) */
    int full;     /* index of full depth (static k = N) */
    int selected; /* delta point with the fewest dev OPs within 1 point of full depth */
} beex_sweep_table;

int beex_sweep_replay_all(const beex_trace *dev, const beex_trace *test, const beex_replay_setup *s,
                          int quick, beex_sweep_table *out);
void beex_sweep_table_free(beex_sweep_table *t);

/* Indices (into the table) of at most max_points distinct dev-Pareto delta points, spread
 * along the front, always including the selected point and the most accurate one. Returns the
 * count written to idx. */
int beex_sweep_timed_points(const beex_sweep_table *t, int max_points, int *idx);

/* One timed configuration: reps passes over the test set in batches at one delta. */
typedef struct {
    int isa, threads, batch;
    double delta;
    int table_index; /* the replay point it reproduces */
    int reps;
    double *seconds;        /* reps per-pass wall times (malloc'ed) */
    beex_stats per_example; /* seconds per example */
    double metric, accuracy, mean_exit;
    int hist[BEEX_MAX_BLOCKS];
    int mismatched_examples; /* exit block or prediction differing from the replay */
    int matches;             /* accuracy and histogram equal the replay's */
    json_t *hw;              /* hardware counters (or their absence) */
} beex_timed_run;

/* Runs one configuration on an engine already created for (isa, threads). replay_exit /
 * replay_pred hold the replay's per-example decisions for this delta on test. Returns 0, or
 * -1 with err set (engine failure). A mismatch is not an error here: run->matches says it. */
int beex_sweep_timed_run(beex_engine *e, const beex_encoded *test, const beex_replay_setup *s,
                         const int *replay_exit, const int *replay_pred, beex_timed_run *run,
                         char *err, size_t errlen);
void beex_timed_run_free(beex_timed_run *r);

/* A one-line progress bar on stderr (only when stderr is a terminal; otherwise a single line
 * when done). */
void beex_progress(const char *what, long done, long total);

#endif
