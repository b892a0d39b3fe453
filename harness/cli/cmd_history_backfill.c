/* `beex history backfill REV..REV`: past commits built and measured into the history.
 * Exit 0 done (failed builds are recorded, not errors), 1 runtime error, 2 usage error. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/app/history/history_backfill.h"
#include "harness/app/history/history_benches.h"
#include "harness/app/history/history_measure.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex history backfill REV..REV | REV [--history FILE] [--repo DIR]\n"
            "                             [--worktree DIR] [--only BENCH] [--timed]\n"
            "                             [--reps N] [--jobs N]\n"
            "Builds each commit of `git rev-list --reverse --first-parent A..B` (or the one\n"
            "commit REV) and measures it with this program's benchmark set (docs/history.md),\n"
            "appending one record per commit to the history, oldest first. A commit already in\n"
            "the history for this machine is skipped, so an interrupted backfill resumes. A\n"
            "commit that does not build is recorded as \"build\": \"failed\" with its last error\n"
            "line. One scratch worktree and one build folder in it serve every commit, so each\n"
            "build recompiles only what the commit changed.\n"
            "  --history FILE   default DIR/results/history/<machine>.jsonl\n"
            "  --repo DIR       the repository (default .)\n"
            "  --worktree DIR   the scratch worktree (default DIR/build/history-worktree,\n"
            "                   created with `git worktree add --detach`; an existing folder\n"
            "                   must be a worktree of the same repository)\n"
            "  --only BENCH     one benchmark, a prefix ending in '/', or a comma-separated list\n"
            "  --timed          also the timed set; --reps N its repetitions (default 9)\n"
            "  --jobs N         build jobs (default one per CPU)\n"
            "Needs git, cmake, a C compiler and valgrind.\n");
}

static int check_only(const char *only)
{
    const char *names[512];
    size_t n = beex_history_bench_names(names, 512);
    for (size_t i = 0; i < n; i++)
        if (beex_hb_selected(only, names[i]))
            return 0;
    fprintf(stderr, "beex history backfill: --only '%s' names no benchmark of the set\n", only);
    return -1;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, beex_history_backfill_opts *o)
{
    enum { O_HISTORY = 256, O_REPO, O_WT, O_ONLY, O_TIMED, O_REPS, O_JOBS };
    static const struct option opts[] = {{"history", required_argument, 0, O_HISTORY},
                                         {"repo", required_argument, 0, O_REPO},
                                         {"worktree", required_argument, 0, O_WT},
                                         {"only", required_argument, 0, O_ONLY},
                                         {"timed", no_argument, 0, O_TIMED},
                                         {"reps", required_argument, 0, O_REPS},
                                         {"jobs", required_argument, 0, O_JOBS},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case O_HISTORY:
            o->history = optarg;
            break;
        case O_REPO:
            o->repo = optarg;
            break;
        case O_WT:
            o->worktree = optarg;
            break;
        case O_ONLY:
            o->only = optarg;
            break;
        case O_TIMED:
            o->timed = 1;
            break;
        case O_REPS:
            if (beex_arg_int("history backfill", "reps", optarg, 2, 10000, &o->reps) != 0)
                return 2;
            break;
        case O_JOBS:
            if (beex_arg_int("history backfill", "jobs", optarg, 1, 1024, &o->jobs) != 0)
                return 2;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "beex history backfill: expected one REV..REV (or REV)\n");
        usage(stderr);
        return 2;
    }
    o->range = argv[optind];
    if (o->only != NULL && check_only(o->only) != 0)
        return 2;
    if (o->only != NULL && !o->timed && strncmp(o->only, "timed/", 6) == 0) {
        fprintf(stderr, "beex history backfill: --only %s is a timed benchmark: add --timed\n",
                o->only);
        return 2;
    }
    return -1;
}

int beex_cmd_history_backfill(int argc, char **argv)
{
    beex_history_backfill_opts o = {NULL, ".", NULL, NULL, NULL, 0, 9, 0};
    int prc = parse_args(argc, argv, &o);
    if (prc >= 0)
        return prc;
    char err[1024];
    beex_history_backfill_counts n;
    if (beex_history_backfill_run(&o, &n, err, sizeof err) != 0) {
        fprintf(stderr, "beex history backfill: %s\n", err);
        return 1;
    }
    return 0;
}
