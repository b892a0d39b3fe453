/* `beex history gate`: this build against the history's last good record of this machine, for
 * CI (app/history/history_gate.h). Exit 0 = pass, 1 = regression, 2 = usage or measuring
 * error. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/app/history/history_gate.h"
#include "harness/app/history/history_measure.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex history gate [--history FILE] [--binary BEEX] [--repo DIR] [--only NAME]\n"
            "                         [--threshold F] [--timed [--reps N] [--alpha A]\n"
            "                         [--time-threshold T]]\n"
            "  Measures this build (or BEEX) with the history's benchmark set and compares it\n"
            "  with the last record of this machine with \"build\": \"ok\" in FILE (default\n"
            "  DIR/results/history/<machine>.jsonl; DIR, the git work tree whose HEAD is this\n"
            "  build, default the current folder). NAME: one bench, or a prefix ending in '/'.\n"
            "  Counts: instructions fail when they grew by more than F (default 0.02 = 2 %%,\n"
            "  the perf gate's rule). Cache misses are shown, not gated: callgrind's simulated\n"
            "  misses move with code and data layout (an unrelated function growing shifts\n"
            "  addresses), so a step there is a hint, not a verdict.\n"
            "  --timed: each timed bench (N repetitions, default 9) fails when a one-sided\n"
            "  Mann-Whitney U test of this build's repetitions against the record's rejects at\n"
            "  A (default 0.01) AND its median grew by more than T (default 0.05 = 5 %%).\n"
            "  What the timed gate can and cannot catch:\n"
            "  - The AVX-512 paths, which valgrind cannot run, are covered only by it, and\n"
            "    only against records of the same named machine.\n"
            "  - With 9 repetitions a side, a U test at 0.01 needs nearly complete separation\n"
            "    of the two samples, so a step smaller than the host's run-to-run spread (a\n"
            "    third on a noisy VM) is not caught; the smallest detectable shift is what\n"
            "    the noise allows.\n"
            "  - It cannot tell a host change (another tenant, a new kernel, turbo) from a code\n"
            "    change: pin the machine, and compare with the count series (beex history\n"
            "    changes confirms a timed step by a count step at the same commit).\n"
            "  A bench on one side only is listed, not gated.\n"
            "  Exit status: 0 pass, 1 regression, 2 usage error, no baseline record, or a\n"
            "  measuring error.\n");
}

static int parse_unit(const char *opt, const char *s, double lo, double hi, int open_lo,
                      double *out)
{
    if (beex_arg_double("history gate", opt, s, out) != 0)
        return -1;
    if (*out < lo || (open_lo && *out == lo) || *out >= hi) {
        fprintf(stderr, "beex history gate: --%s must be in %s%g, %g), got '%s'\n", opt,
                open_lo ? "(" : "[", lo, hi, s);
        return -1;
    }
    return 0;
}

/* An --only that selects nothing of the set is refused before measuring. */
static int check_only(const char *only)
{
    const char *names[512];
    size_t n = beex_history_bench_names(names, 512), len = strlen(only);
    if (n > 512)
        n = 512;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], only) == 0 ||
            (len > 0 && only[len - 1] == '/' && strncmp(names[i], only, len) == 0))
            return 0;
    fprintf(stderr, "beex history gate: --only %s selects no bench; the benches are:\n", only);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "  %s\n", names[i]);
    return -1;
}

/* Returns -1 to go on, or the exit status: 0 after --help, 2 on a usage error. */
static int parse_args(int argc, char **argv, beex_history_gate_opts *o)
{
    enum { O_HIST = 256, O_BIN, O_REPO, O_ONLY, O_TIMED, O_REPS, O_THR, O_ALPHA, O_TT };
    static const struct option opts[] = {{"history", required_argument, 0, O_HIST},
                                         {"binary", required_argument, 0, O_BIN},
                                         {"repo", required_argument, 0, O_REPO},
                                         {"only", required_argument, 0, O_ONLY},
                                         {"timed", no_argument, 0, O_TIMED},
                                         {"reps", required_argument, 0, O_REPS},
                                         {"threshold", required_argument, 0, O_THR},
                                         {"alpha", required_argument, 0, O_ALPHA},
                                         {"time-threshold", required_argument, 0, O_TT},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c, bad = 0;
    optind = 1;
    while (!bad && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case O_HIST:
            o->history = optarg;
            break;
        case O_BIN:
            o->binary = optarg;
            break;
        case O_REPO:
            o->repo = optarg;
            break;
        case O_ONLY:
            o->only = optarg;
            bad = check_only(optarg) != 0;
            break;
        case O_TIMED:
            o->timed = 1;
            break;
        case O_REPS:
            bad = beex_arg_int("history gate", "reps", optarg, 2, 1000, &o->reps) != 0;
            break;
        case O_THR:
            bad = parse_unit("threshold", optarg, 0, 100, 0, &o->threshold) != 0;
            break;
        case O_ALPHA:
            bad = parse_unit("alpha", optarg, 0, 1, 1, &o->alpha) != 0;
            break;
        case O_TT:
            bad = parse_unit("time-threshold", optarg, 0, 100, 0, &o->time_threshold) != 0;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (bad)
        return 2;
    if (optind != argc) {
        fprintf(stderr, "beex history gate: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (o->binary == NULL || access(o->binary, X_OK) != 0) {
        fprintf(stderr, "beex history gate: --binary %s is not an executable\n",
                o->binary != NULL ? o->binary : "(this program: /proc/self/exe unreadable)");
        return 2;
    }
    return -1;
}

static void print_value(double v, int has, int timed)
{
    if (!has)
        printf(" %14s", "-");
    else if (timed)
        printf(" %14.4g", v);
    else
        printf(" %14.0f", v);
}

static void print_rows(const beex_history_gate_result *r)
{
    printf("%-48s %14s %14s %9s  %s\n", "bench:metric", "baseline", "now", "change", "verdict");
    for (size_t i = 0; i < r->n; i++) {
        const beex_history_gate_row *w = &r->rows[i];
        printf("%-48.48s", w->key);
        print_value(w->base, w->has_base, w->timed);
        print_value(w->now, w->has_now, w->timed);
        if (isnan(w->change))
            printf(" %9s", "-");
        else
            printf(" %+8.2f%%", 100 * w->change);
        if (!w->gated)
            printf("  %s\n", w->note);
        else if (w->timed)
            printf("  %s (one-sided U test p %.3g)\n", w->fail ? "SLOWER" : "ok", w->p_value);
        else
            printf("  %s\n", w->fail ? "SLOWER" : "ok");
    }
}

int beex_cmd_history_gate(int argc, char **argv)
{
    static char self[PATH_MAX];
    beex_history_gate_opts o = {NULL, ".", NULL, NULL, 0, 9, 0.02, 0.01, 0.05};
    if (realpath("/proc/self/exe", self) != NULL)
        o.binary = self;
    int prc = parse_args(argc, argv, &o);
    if (prc >= 0)
        return prc;
    beex_history_gate_result r;
    char err[2048];
    if (beex_history_gate_run(&o, &r, err, sizeof err) != 0) {
        fprintf(stderr, "beex history gate: %s\n", err);
        return 2;
    }
    printf("baseline: %.12s %s (%s, machine %s)\n", r.base_commit, r.base_subject, r.history,
           r.machine);
    if (r.base_compiler[0] != '\0' && strcmp(r.base_compiler, r.now_compiler) != 0)
        printf("note: the baseline was built with %s, this build with %s: counts move with the "
               "compiler\n",
               r.base_compiler, r.now_compiler);
    print_rows(&r);
    int gated = 0;
    for (size_t i = 0; i < r.n; i++)
        gated += r.rows[i].gated;
    int status = 0;
    if (gated == 0) {
        fprintf(stderr, "beex history gate: no bench measured now is in the baseline record\n");
        status = 2;
    } else {
        status = r.failures > 0 ? 1 : 0;
        printf("\nverdict: %s (%d of %d gated rows regressed; instructions threshold %g %%%s)\n",
               r.failures ? "REGRESSION" : "ok", r.failures, gated, 100 * o.threshold,
               o.timed ? ", timed: one-sided U test and median growth" : "");
    }
    beex_history_gate_result_free(&r);
    return status;
}
