/* `beex history backfill` (docs/history.md): past commits built one after another in one
 * scratch git worktree and one build folder (so that each build recompiles only what the
 * commit changed), each measured by this program's benchmark set and appended to the history,
 * oldest first. Commits already in the history for this machine are skipped: an interrupted
 * backfill resumes where it stopped. */
#ifndef BEEX_APP_HISTORY_BACKFILL_H
#define BEEX_APP_HISTORY_BACKFILL_H

#include <stddef.h>

typedef struct {
    const char *range;    /* "A..B" (git rev-list --first-parent A..B) or one revision */
    const char *repo;     /* the repository's work tree (".") */
    const char *history;  /* NULL: REPO/results/history/<machine>.jsonl */
    const char *worktree; /* NULL: REPO/build/history-worktree */
    const char *only;     /* NULL: the whole set; else a bench or a prefix ending in '/' */
    int timed, reps;
    int jobs; /* build jobs (0: one per online CPU) */
} beex_history_backfill_opts;

typedef struct {
    int measured, failed, skipped, total;
} beex_history_backfill_counts;

/* Prints one progress line per commit on stdout. A commit whose build fails is recorded as
 * "build": "failed" with its last error line, and the next one is built. Returns 0, or -1 with
 * err when the backfill itself cannot go on (no such revisions, a worktree folder that is not
 * one, an unreadable history, valgrind missing). */
int beex_history_backfill_run(const beex_history_backfill_opts *o,
                              beex_history_backfill_counts *counts, char *err, size_t errlen);

#endif
