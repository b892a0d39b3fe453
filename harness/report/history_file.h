/* The performance history (docs/history.md): one JSON line per measured commit in a file under
 * results/history/, read back as series (one per benchmark and metric) for change points, the
 * dashboard, the gate and bisect. This room only reads and appends; measuring is app/history/. */
#ifndef BEEX_REPORT_HISTORY_FILE_H
#define BEEX_REPORT_HISTORY_FILE_H

#include <jansson.h>
#include <stddef.h>

#define BEEX_HISTORY_SCHEMA "beex-history/1"

/* One record as read: the parsed JSON line (owned), plus the fields every user needs. */
typedef struct {
    json_t *json;            /* the whole record: "counts", "timed", "absent", "build", ... */
    const char *commit;      /* 40 hex digits (inside json) */
    const char *commit_date; /* ISO 8601 UTC, the commit's committer date */
    const char *subject;     /* the commit's first line ("" if absent) */
    const char *machine;     /* machine.fingerprint */
    const char *compiler;
    int built; /* 0: "build": "failed" (no measurements; "why" says why) */
} beex_history_record;

typedef struct {
    beex_history_record *records; /* commit order, oldest first: by commit date, file order
                                   * breaking ties (backfills append ranges in any order) */
    size_t count;
} beex_history;

/* Reads FILE; a malformed line, a wrong schema or a missing field is an error naming the file
 * and line (errbuf), never a skipped line. An absent file reads as an empty history when
 * missing_ok. Returns 0 or -1. */
int beex_history_read(const char *path, int missing_ok, beex_history *h, char *err, size_t errlen);
void beex_history_free(beex_history *h);

/* Appends one record (compact, one line, "\n") with O_APPEND and fsync, after checking that
 * it carries the schema and a commit; creates the file and its folder when missing.
 * Returns 0 or -1 (err names the file). */
int beex_history_append(const char *path, json_t *record, char *err, size_t errlen);

/* The index of the last record of COMMIT (any prefix of at least 7 hex digits) measured on
 * MACHINE (NULL: any machine), or -1. */
long beex_history_find(const beex_history *h, const char *commit, const char *machine);

/* One series: the values of "bench:metric" (e.g. "forward/w1a1/scalar:instructions",
 * "timed/gemm/w1a1/avx512/64x256x768:median") over the records of one machine that have it,
 * oldest first. x[i] is the value, rec[i] the record index it came from. Timed series also
 * carry each point's repetitions (reps[i], nreps[i]; NULL for counts). */
typedef struct {
    char *key; /* "bench:metric" */
    int timed; /* 1: seconds from a timed benchmark; 0: a deterministic count */
    size_t n;
    double *x;
    size_t *rec;
    double **reps; /* timed only: reps[i][0..nreps[i]) */
    size_t *nreps;
} beex_history_series;

/* Every series present in the records of MACHINE (NULL: the machine of the last record), sorted
 * by key. Returns 0 or -1. */
int beex_history_series_all(const beex_history *h, const char *machine, beex_history_series **out,
                            size_t *count, char *err, size_t errlen);
void beex_history_series_free(beex_history_series *s, size_t count);

#endif
