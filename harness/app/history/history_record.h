/* `beex history record` (docs/history.md): one build of beex measured now and appended to the
 * machine's history as one record, or written to a file of its own (the gate's use). */
#ifndef BEEX_APP_HISTORY_RECORD_H
#define BEEX_APP_HISTORY_RECORD_H

#include <stddef.h>

typedef struct {
    const char *history;    /* NULL: REPO/results/history/<machine>.jsonl */
    const char *binary;     /* the beex program to measure */
    const char *repo;       /* the git work tree the binary was built from */
    const char *commit;     /* the revision the record is of (HEAD) */
    const char *only;       /* NULL: the whole set; else a bench or a prefix ending in '/' */
    int timed, reps;        /* also the timed set; its repetitions */
    const char *out_record; /* non-NULL: the record goes to this file (atomically), not the
                               history */
    int force;              /* append even when the history has this commit and machine */
    int verbose;
} beex_history_record_opts;

/* Measures and appends (or writes). The history is read, and a second record of the same
 * commit and machine refused without force, before anything is measured. Returns 0 with the
 * file written in path_out, or -1 with err. */
int beex_history_record_run(const beex_history_record_opts *o, char *path_out, size_t path_len,
                            char *err, size_t errlen);

#endif
