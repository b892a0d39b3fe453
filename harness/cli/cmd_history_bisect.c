/* `beex history bisect GOOD BAD --bench NAME`: the first commit that made one deterministic
 * count worse, by git bisect run (app/history/history_bisect.h). Exit 0 = found, 1 = BAD is
 * not slower than GOOD (nothing to bisect), 2 = usage or a failed build, measurement or git. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/app/history/history_bisect.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex history bisect GOOD BAD --bench NAME [--metric M] [--threshold F]\n"
            "                           [--repo DIR] [--worktree DIR] [--build-dir DIR]\n"
            "  The first commit between GOOD and BAD (GOOD an ancestor of BAD) that made the\n"
            "  count M of the history's benchmark NAME grow by more than F (default 0.02 =\n"
            "  2 %%) over GOOD's. NAME is a counted bench of docs/history.md's set (a timed\n"
            "  one moves with the host; see `beex history gate`); M is instructions (default),\n"
            "  d1_misses or ll_misses. GOOD and BAD are built and measured first; when BAD is\n"
            "  not slower, nothing is bisected. Then `git bisect run` builds and measures each\n"
            "  commit it picks: a commit that does not build, or whose binary cannot run NAME,\n"
            "  is skipped (exit 125).\n"
            "  --repo DIR       the git repository (default: the current folder)\n"
            "  --worktree DIR   the scratch work tree the commits are checked out in (created\n"
            "                   and removed; default REPO/build/history-bisect-worktree); the\n"
            "                   bisect is reset at the end, on errors and on Ctrl-C too\n"
            "  --build-dir DIR  the Release build of each commit (kept, so that every build\n"
            "                   after the first is incremental; default\n"
            "                   REPO/build/history-bisect-build)\n"
            "  (--step, --good-value: internal, the step git bisect run calls back)\n"
            "  Exit status: 0 a first bad commit found, 1 BAD not slower than GOOD, 2 usage\n"
            "  error, or a build, measurement or git command that failed.\n");
}

typedef struct {
    beex_history_bisect_opts o;
    int step;
    int have_good_value;
    double good_value;
} bisect_args;

static int parse_metric(const char *s, const char **out)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, beex_history_bisect_metrics[i]) == 0) {
            *out = beex_history_bisect_metrics[i];
            return 0;
        }
    fprintf(stderr,
            "beex history bisect: --metric must be instructions, d1_misses or ll_misses, got "
            "'%s'\n",
            s);
    return -1;
}

/* Returns -1 to go on, or the exit status: 0 after --help, 2 on a usage error. */
static int parse_args(int argc, char **argv, bisect_args *a)
{
    enum { O_BENCH = 256, O_METRIC, O_THR, O_REPO, O_WT, O_BD, O_STEP, O_GOODV };
    static const struct option opts[] = {{"bench", required_argument, 0, O_BENCH},
                                         {"metric", required_argument, 0, O_METRIC},
                                         {"threshold", required_argument, 0, O_THR},
                                         {"repo", required_argument, 0, O_REPO},
                                         {"worktree", required_argument, 0, O_WT},
                                         {"build-dir", required_argument, 0, O_BD},
                                         {"step", no_argument, 0, O_STEP},
                                         {"good-value", required_argument, 0, O_GOODV},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *cmd = "history bisect";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case O_BENCH:
            a->o.bench = optarg;
            break;
        case O_METRIC:
            if (parse_metric(optarg, &a->o.metric) != 0)
                return 2;
            break;
        case O_THR:
            if (beex_arg_double(cmd, "threshold", optarg, &a->o.threshold) != 0)
                return 2;
            if (a->o.threshold < 0 || a->o.threshold >= 100) {
                fprintf(stderr, "beex history bisect: --threshold must be in [0, 100)\n");
                return 2;
            }
            break;
        case O_REPO:
            a->o.repo = optarg;
            break;
        case O_WT:
            a->o.worktree = optarg;
            break;
        case O_BD:
            a->o.build_dir = optarg;
            break;
        case O_STEP:
            a->step = 1;
            break;
        case O_GOODV:
            if (beex_arg_double(cmd, "good-value", optarg, &a->good_value) != 0)
                return 2;
            a->have_good_value = 1;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    char err[8192];
    if (a->o.bench == NULL) {
        fprintf(stderr, "beex history bisect: --bench NAME is required\n");
        return 2;
    }
    if (beex_history_bisect_check_bench(a->o.bench, err, sizeof err) != 0) {
        fprintf(stderr, "beex history bisect: --bench %s\n", err);
        return 2;
    }
    if (a->step) {
        if (!a->have_good_value || a->o.build_dir == NULL || argc != optind) {
            fprintf(stderr, "beex history bisect: --step needs --good-value and --build-dir\n");
            return 2;
        }
        return -1;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "beex history bisect: expected GOOD and BAD\n");
        usage(stderr);
        return 2;
    }
    a->o.good = argv[optind];
    a->o.bad = argv[optind + 1];
    return -1;
}

int beex_cmd_history_bisect(int argc, char **argv)
{
    bisect_args a;
    memset(&a, 0, sizeof a);
    a.o.repo = ".";
    a.o.metric = beex_history_bisect_metrics[0];
    a.o.threshold = 0.02;
    int prc = parse_args(argc, argv, &a);
    if (prc >= 0)
        return prc;
    if (a.step) /* git bisect run's exit status: 0 good, 1 bad, 125 skip, 128 abort */
        return beex_history_bisect_step(a.o.worktree != NULL ? a.o.worktree : ".", a.o.build_dir,
                                        a.o.bench, a.o.metric, a.good_value, a.o.threshold);
    /* git bisect run calls this very program back for each step. */
    static char self[PATH_MAX];
    if (realpath("/proc/self/exe", self) == NULL) {
        fprintf(stderr, "beex history bisect: cannot find this program (/proc/self/exe)\n");
        return 2;
    }
    a.o.self = self;
    beex_history_bisect_result r;
    char err[2048];
    int rc = beex_history_bisect_run(&a.o, &r, err, sizeof err);
    if (rc == 1) {
        printf("%s\n", err);
        return 1;
    }
    if (rc != 0) {
        fprintf(stderr, "beex history bisect: %s\n", err);
        return rc == 130 ? 130 : 2;
    }
    printf("first bad commit: %s %s\n", r.commit, r.subject);
    printf("%s %s: GOOD %s %.0f, BAD %s %.0f (%+.2f %%)\n", a.o.bench, a.o.metric, a.o.good,
           r.good_value, a.o.bad, r.bad_value, 100 * (r.bad_value / r.good_value - 1));
    printf("at the first bad commit: %.0f (%+.2f %% against GOOD; threshold %g %%)\n",
           r.first_value, 100 * (r.first_value / r.good_value - 1), 100 * a.o.threshold);
    return 0;
}
