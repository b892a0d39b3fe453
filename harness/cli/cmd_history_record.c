/* `beex history record`: this build (or --binary) measured and appended to the performance
 * history. Exit 0 recorded, 1 runtime error or a refused duplicate, 2 usage error. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/app/history/history_benches.h"
#include "harness/app/history/history_measure.h"
#include "harness/app/history/history_record.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex history record [--history FILE] [--binary BEEX] [--repo DIR]\n"
            "                           [--commit REV] [--only BENCH] [--timed] [--reps N]\n"
            "                           [--out-record FILE] [--force] [--quiet]\n"
            "Measures a beex binary with the history's fixed benchmark set (docs/history.md:\n"
            "instruction counts and simulated cache misses under valgrind's callgrind) and\n"
            "appends one record for COMMIT and this machine to the history.\n"
            "  --history FILE     default DIR/results/history/<machine>.jsonl\n"
            "  --binary BEEX      the program to measure (default: this one)\n"
            "  --repo DIR         the git work tree the binary was built from (default .)\n"
            "  --commit REV       the commit the record is of (default HEAD); \"dirty\" says\n"
            "                     whether DIR's tracked files had changes\n"
            "  --only BENCH       one benchmark, or every one under a prefix ending in '/', or a\n"
            "                     comma-separated list of those (forward/,kernel/)\n"
            "                     (forward/, kernel/, train/, timed/)\n"
            "  --timed            also the timed set (medians of --reps repetitions; they\n"
            "                     move with the host's load: compare on one machine only)\n"
            "  --reps N           timed repetitions (default 9)\n"
            "  --out-record FILE  write the record to FILE (atomically), not the history\n"
            "  --force            append even when the history has this commit and machine\n"
            "  --quiet            no progress on stderr\n"
            "A benchmark the binary cannot run (it predates the option or precision) is in the\n"
            "record's \"absent\" with the binary's own error. Needs valgrind.\n");
}

/* --only must name a benchmark of the set or a prefix of some. */
static int check_only(const char *only, int timed)
{
    const char *names[512];
    size_t n = beex_history_bench_names(names, 512);
    int found = 0;
    for (size_t i = 0; i < n && !found; i++)
        found = beex_hb_selected(only, names[i]);
    if (!found) {
        fprintf(stderr,
                "beex history record: --only '%s' names no benchmark of the set (e.g. "
                "forward/w1a1/scalar, or a prefix such as kernel/)\n",
                only);
        return -1;
    }
    if (!timed && strncmp(only, "timed/", 6) == 0) {
        fprintf(stderr, "beex history record: --only %s is a timed benchmark: add --timed\n", only);
        return -1;
    }
    return 0;
}

static int check_binary(const char *binary)
{
    struct stat st;
    if (stat(binary, &st) != 0 || !S_ISREG(st.st_mode) || access(binary, X_OK) != 0) {
        fprintf(stderr, "beex history record: --binary %s is not an executable file\n", binary);
        return -1;
    }
    return 0;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, beex_history_record_opts *o)
{
    enum {
        O_HISTORY = 256,
        O_BINARY,
        O_REPO,
        O_COMMIT,
        O_ONLY,
        O_TIMED,
        O_REPS,
        O_OUT,
        O_FORCE,
        O_QUIET
    };
    static const struct option opts[] = {{"history", required_argument, 0, O_HISTORY},
                                         {"binary", required_argument, 0, O_BINARY},
                                         {"repo", required_argument, 0, O_REPO},
                                         {"commit", required_argument, 0, O_COMMIT},
                                         {"only", required_argument, 0, O_ONLY},
                                         {"timed", no_argument, 0, O_TIMED},
                                         {"reps", required_argument, 0, O_REPS},
                                         {"out-record", required_argument, 0, O_OUT},
                                         {"force", no_argument, 0, O_FORCE},
                                         {"quiet", no_argument, 0, O_QUIET},
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
        case O_BINARY:
            o->binary = optarg;
            break;
        case O_REPO:
            o->repo = optarg;
            break;
        case O_COMMIT:
            o->commit = optarg;
            break;
        case O_ONLY:
            o->only = optarg;
            break;
        case O_TIMED:
            o->timed = 1;
            break;
        case O_REPS:
            if (beex_arg_int("history record", "reps", optarg, 2, 10000, &o->reps) != 0)
                return 2;
            break;
        case O_OUT:
            o->out_record = optarg;
            break;
        case O_FORCE:
            o->force = 1;
            break;
        case O_QUIET:
            o->verbose = 0;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "beex history record: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if ((o->only != NULL && check_only(o->only, o->timed) != 0) || check_binary(o->binary) != 0)
        return 2;
    if (o->out_record != NULL && beex_arg_output("history record", "out-record", o->out_record))
        return 2;
    if (o->history != NULL && o->out_record != NULL &&
        beex_arg_output_not_input("history record", "out-record", o->out_record, "the history",
                                  o->history) != 0)
        return 2;
    return -1;
}

int beex_cmd_history_record(int argc, char **argv)
{
    static char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    beex_history_record_opts o = {NULL, self, ".", "HEAD", NULL, 0, 9, NULL, 0, 1};
    int prc = parse_args(argc, argv, &o);
    if (prc >= 0)
        return prc;
    char err[1024], path[PATH_MAX];
    if (beex_history_record_run(&o, path, sizeof path, err, sizeof err) != 0) {
        fprintf(stderr, "beex history record: %s\n", err);
        return 1;
    }
    printf("recorded %s %s in %s\n", o.commit, o.only != NULL ? o.only : "(the whole set)", path);
    return 0;
}
