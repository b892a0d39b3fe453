/* `beex history bisect` (docs/history.md): the first commit that made one deterministic count
 * worse, found by `git bisect run` in a scratch work tree, each step building the checked-out
 * commit and measuring it with the history's own benchmark (history_measure.h). */
#ifndef BEEX_APP_HISTORY_BISECT_H
#define BEEX_APP_HISTORY_BISECT_H

#include <stddef.h>

typedef struct {
    const char *repo;      /* a git work tree (any folder inside it) */
    const char *good;      /* the older revision, measured first */
    const char *bad;       /* a descendant of good */
    const char *bench;     /* a counted bench of the fixed set */
    const char *metric;    /* instructions, d1_misses or ll_misses */
    double threshold;      /* bad when the value exceeds good * (1 + threshold) */
    const char *worktree;  /* NULL: <repo>/build/history-bisect-worktree (created, removed) */
    const char *build_dir; /* NULL: <repo>/build/history-bisect-build (kept: incremental) */
    const char *self;      /* this beex program, which git bisect run calls back (step mode) */
} beex_history_bisect_opts;

typedef struct {
    char commit[41];    /* the first bad commit */
    char subject[256];  /* its first line */
    double good_value;  /* GOOD's measurement */
    double bad_value;   /* BAD's measurement */
    double first_value; /* the first bad commit's measurement (its step), or BAD's */
} beex_history_bisect_result;

/* The three metrics of a count, in the history's order. */
extern const char *const beex_history_bisect_metrics[3];

/* 0 when bench is a counted benchmark of the set (a timed one cannot be bisected: it moves
 * with the host), else -1 with err listing the counted names. */
int beex_history_bisect_check_bench(const char *bench, char *err, size_t errlen);

/* Checks the revisions, measures GOOD and BAD, and when BAD is slower by the threshold runs
 * `git bisect run`. Returns 0 with res filled (a first bad commit found), 1 when BAD is not
 * slower than GOOD (nothing bisected, res holds both values), 2 on bad arguments (not a git
 * tree, unknown revision, GOOD not an ancestor of BAD) and -1 on a runtime error (a build of
 * GOOD or BAD failed, measuring failed, git failed); err says why. 130 after SIGINT/SIGTERM.
 * The bisect is reset and the scratch work tree removed on every path. */
int beex_history_bisect_run(const beex_history_bisect_opts *o, beex_history_bisect_result *res,
                            char *err, size_t errlen);

/* The step that git bisect run calls, in the work tree WORKTREE: builds it into build_dir,
 * measures bench, and returns git bisect's status: 0 good, 1 bad (value > good_value *
 * (1 + threshold)), 125 skip (the commit does not build, or its binary cannot run bench),
 * 128 to abort the bisect (measuring itself failed). */
int beex_history_bisect_step(const char *worktree, const char *build_dir, const char *bench,
                             const char *metric, double good_value, double threshold);

#endif
