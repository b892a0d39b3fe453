/* `beex history report`: the performance history as one static HTML page (app/history/
 * history_report.h). Exit 0 page written, 1 writing failed, 2 usage error or a history that
 * cannot be read. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/app/history/history_report.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"

#define HISTORY_DIR "results/history"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex history report [--history FILE] [--machine SLUG] --out DIR\n"
            "                           [--significance P] [--title T]\n"
            "  Writes DIR/index.html, one static page (no server, no external resources,\n"
            "  complete without JavaScript): a summary (history file, machine, commits measured,\n"
            "  commits that failed to build), the current regressions, every change point, and\n"
            "  every series of the machine plotted over commit order with its change points,\n"
            "  grouped by bench family; and DIR/series.csv (key, commit, value). DIR is created.\n"
            "  --history FILE      the history (default: " HISTORY_DIR "/SLUG.jsonl with\n"
            "                      --machine, else the only .jsonl file in " HISTORY_DIR ")\n"
            "  --machine SLUG      whose records to plot (default: the last record's machine)\n"
            "  --out DIR           the page's folder (required)\n"
            "  --significance P    change points' permutation-test level, in (0, 1) (0.05)\n"
            "  --title T           the page's title\n"
            "Exit status: 0 page written, 1 writing failed, 2 usage error or unreadable\n"
            "history.\n");
}

/* --history omitted: the machine's file when --machine names one, else the only history file
 * in HISTORY_DIR; with several the user must choose. Returns 0, or 2 after printing why. */
static int default_history(const char *machine, char *out, size_t len)
{
    if (machine != NULL) {
        if (snprintf(out, len, HISTORY_DIR "/%s.jsonl", machine) >= (int)len) {
            fprintf(stderr, "beex history report: --machine: name too long\n");
            return 2;
        }
        return 0;
    }
    DIR *d = opendir(HISTORY_DIR);
    if (d == NULL) {
        fprintf(stderr, "beex history report: no %s folder here: give --history FILE\n",
                HISTORY_DIR);
        return 2;
    }
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= 6 || e->d_name[0] == '.' || strcmp(e->d_name + n - 6, ".jsonl") != 0)
            continue;
        if (found++ == 0)
            snprintf(out, len, HISTORY_DIR "/%s", e->d_name);
    }
    closedir(d);
    if (found != 1) {
        fprintf(stderr,
                "beex history report: %s history files in %s: give --history or --machine\n",
                found == 0 ? "no" : "several", HISTORY_DIR);
        return 2;
    }
    return 0;
}

/* Returns -1 to go on, or the exit status: 0 after --help, 2 on a usage error. */
static int parse_args(int argc, char **argv, beex_history_report_opts *o)
{
    enum { O_HISTORY = 256, O_MACHINE, O_OUT, O_SIGNIFICANCE, O_TITLE };
    static const struct option opts[] = {{"history", required_argument, 0, O_HISTORY},
                                         {"machine", required_argument, 0, O_MACHINE},
                                         {"out", required_argument, 0, O_OUT},
                                         {"significance", required_argument, 0, O_SIGNIFICANCE},
                                         {"title", required_argument, 0, O_TITLE},
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
        case O_MACHINE:
            o->machine = optarg;
            break;
        case O_OUT:
            o->out_dir = optarg;
            break;
        case O_SIGNIFICANCE:
            if (beex_arg_double("history report", "significance", optarg, &o->significance) != 0)
                return 2;
            if (!(o->significance > 0 && o->significance < 1)) {
                fprintf(stderr, "beex history report: --significance must be in (0, 1), got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case O_TITLE:
            o->title = optarg;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "beex history report: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (o->out_dir == NULL || o->out_dir[0] == '\0') {
        fprintf(stderr, "beex history report: --out DIR is required\n");
        usage(stderr);
        return 2;
    }
    if (o->machine != NULL && (o->machine[0] == '\0' || strchr(o->machine, '/') != NULL)) {
        fprintf(stderr,
                "beex history report: --machine needs a slug such as intel-6-207, got "
                "'%s'\n",
                o->machine);
        return 2;
    }
    return -1;
}

int beex_cmd_history_report(int argc, char **argv)
{
    beex_history_report_opts o = {.significance = 0.05};
    int prc = parse_args(argc, argv, &o);
    if (prc >= 0)
        return prc;
    char history[4096];
    if (o.history == NULL) {
        if (default_history(o.machine, history, sizeof history) != 0)
            return 2;
        o.history = history;
    }
    beex_history_report_summary sum;
    char err[1024];
    int rc = beex_history_report(&o, &sum, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "beex history report: %s\n", err);
        return rc == BEEX_HISTORY_REPORT_BAD_INPUT ? 2 : 1;
    }
    printf("wrote %s/index.html and %s/series.csv: %zu series, %zu change points, %zu current "
           "regressions; %zu commits measured, %zu failed to build\n",
           o.out_dir, o.out_dir, sum.series, sum.changes, sum.regressions, sum.commits, sum.failed);
    return 0;
}
