/* Measuring one build of beex for the history (docs/history.md): the fixed benchmark set, each
 * run of a (possibly older) beex binary under valgrind's callgrind with its cache simulation,
 * and the optional timed medians. Used by `beex history record`, `backfill`, `bisect` and
 * `gate`, which differ only in which binary and which benchmarks. */
#ifndef BEEX_APP_HISTORY_MEASURE_H
#define BEEX_APP_HISTORY_MEASURE_H

#include <jansson.h>
#include <stddef.h>

typedef struct {
    const char *binary;  /* the beex program to measure (an older commit's, for backfill) */
    const char *only;    /* NULL: every benchmark; else one bench name or a prefix ending in '/' */
    int counts;          /* run the deterministic callgrind benchmarks */
    int timed;           /* also the timed ones (named machine only; AVX-512 included) */
    int reps;            /* timed repetitions per benchmark (default 9) */
    const char *scratch; /* a folder for models, inputs and callgrind files (created) */
    int verbose;         /* progress on stderr */
} beex_history_measure_opts;

/* Measures and fills, in RECORD (an object the caller owns):
 *   "counts": {"BENCH": {"instructions": N, "d1_misses": N, "ll_misses": N}, ...}
 *   "timed":  {"BENCH": {"median": s, "reps": [s, ...]}, ...}
 *   "absent": {"BENCH": "why (the binary's own error, or valgrind's)"}
 * A benchmark the binary cannot run (an older commit without that precision or option) goes
 * to "absent"; only a failure of the measuring itself (no valgrind, an unwritable scratch
 * folder) is an error. Returns 0 or -1 with err. */
int beex_history_measure(const beex_history_measure_opts *o, json_t *record, char *err,
                         size_t errlen);

/* The names of the benchmark set, in a stable order, for --help, --bench checks and tests:
 * fills names (up to cap) and returns how many there are. */
size_t beex_history_bench_names(const char **names, size_t cap);

/* The record's header fields for COMMIT in the git work tree REPO: commit (full hash),
 * commit_date (UTC), subject, recorded (now), compiler (the argument, left out when NULL or ""),
 * valgrind, machine {fingerprint, cpu}. "suite_version" (the measured binary's `--version`)
 * is added by beex_history_measure, which runs the binary; it also adds "compiler" from that
 * line when the header has none. Returns a new object, or NULL with err. */
json_t *beex_history_record_header(const char *repo, const char *commit, const char *compiler,
                                   char *err, size_t errlen);

#endif
