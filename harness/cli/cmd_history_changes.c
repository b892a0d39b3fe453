/* `beex history changes`: the change points of every series of a performance history, as a
 * table (and --json). A report: exit 0 whatever it finds, 1 when the history cannot be read,
 * 2 on a usage error. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/history/history_changes.h"
#include "harness/base/atomic_file.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"

#define CMD "history changes"
#define HISTORY_DIR "results/history"

typedef struct {
    const char *history, *machine, *json;
    int regressions_only;
    beex_changepoint_opts cp;
    char path[4096]; /* the default history, when --history is not given */
} args;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex history changes [--history FILE] [--machine SLUG] [--significance P]\n"
            "                            [--permutations N] [--seed N] [--json FILE]\n"
            "                            [--regressions]\n"
            "  Change points (E-divisive means, docs/history.md) in every series of one machine's\n"
            "  records: the commit that starts each new segment, the means before and after, the\n"
            "  change, its confidence (1 - permutation p-value), whether a timed change is\n"
            "  confirmed by a count change of the same code path within one commit, and whether\n"
            "  it is current (the last change of its series). Count changes under 0.5 %% are not\n"
            "  shown.\n"
            "  --history FILE    default: results/history/SLUG.jsonl with --machine, else the one\n"
            "                    .jsonl file in results/history/\n"
            "  --machine SLUG    whose records (default: the last record's machine)\n"
            "  --significance P  keep a change when its p-value is at most P (default 0.05)\n"
            "  --permutations N  per tested split (default 199)\n"
            "  --seed N          the permutations' seed (default 20260101)\n"
            "  --json FILE       the changes as JSON\n"
            "  --regressions     only current regressions (changes that made a series grow)\n"
            "  Exit status: 0 (a report, whatever it finds), 1 unreadable history, 2 usage.\n");
}

static int parse_seed(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!isdigit((unsigned char)s[0]) || *end != '\0' || errno != 0) {
        fprintf(stderr, "beex " CMD ": --seed needs an integer in [0, 2^64), got '%s'\n", s);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/* With neither --history nor --machine: the one .jsonl file in results/history/. */
static int default_history(args *a)
{
    if (a->machine != NULL) {
        snprintf(a->path, sizeof a->path, HISTORY_DIR "/%s.jsonl", a->machine);
        a->history = a->path;
        return 0;
    }
    DIR *d = opendir(HISTORY_DIR);
    int found = 0;
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len > 6 && strcmp(e->d_name + len - 6, ".jsonl") == 0 && found++ == 0)
                snprintf(a->path, sizeof a->path, HISTORY_DIR "/%s", e->d_name);
        }
        closedir(d);
    }
    if (found != 1) {
        fprintf(stderr,
                "beex " CMD ": no --history given, and " HISTORY_DIR "/ holds %d .jsonl files "
                "(it needs exactly one to choose): name the file with --history FILE\n",
                found);
        return -1;
    }
    a->history = a->path;
    return 0;
}

/* Returns -1 to go on, or the exit status: 0 after --help, 2 on a usage error. */
static int parse_args(int argc, char **argv, args *a)
{
    enum { O_HISTORY = 256, O_MACHINE, O_SIG, O_PERM, O_SEED, O_JSON, O_REG };
    static const struct option opts[] = {{"history", required_argument, 0, O_HISTORY},
                                         {"machine", required_argument, 0, O_MACHINE},
                                         {"significance", required_argument, 0, O_SIG},
                                         {"permutations", required_argument, 0, O_PERM},
                                         {"seed", required_argument, 0, O_SEED},
                                         {"json", required_argument, 0, O_JSON},
                                         {"regressions", no_argument, 0, O_REG},
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
            a->history = optarg;
            break;
        case O_MACHINE:
            a->machine = optarg;
            break;
        case O_SIG:
            if (beex_arg_double(CMD, "significance", optarg, &a->cp.significance) != 0)
                return 2;
            if (!(a->cp.significance > 0 && a->cp.significance < 1)) {
                fprintf(stderr, "beex " CMD ": --significance must be in (0, 1), got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case O_PERM:
            if (beex_arg_int(CMD, "permutations", optarg, 1, 1000000, &a->cp.permutations) != 0)
                return 2;
            break;
        case O_SEED:
            if (parse_seed(optarg, &a->cp.seed) != 0)
                return 2;
            break;
        case O_JSON:
            a->json = optarg;
            break;
        case O_REG:
            a->regressions_only = 1;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "beex " CMD ": unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (a->history == NULL && default_history(a) != 0)
        return 2;
    if (a->json != NULL &&
        (beex_arg_output(CMD, "json", a->json) != 0 ||
         beex_arg_output_not_input(CMD, "json", a->json, "the history", a->history) != 0))
        return 2;
    return -1;
}

static int shown(const args *a, const beex_history_change *c)
{
    return !a->regressions_only || (c->regression && c->current);
}

static const char *yes_no(int v)
{
    return v < 0 ? "-" : v ? "yes" : "no";
}

static void print_table(const args *a, const beex_history *h, const char *machine,
                        const beex_history_change *c, size_t n)
{
    size_t rows = 0;
    printf("%-44s %-12s %-28s %25s %9s %6s %9s %7s\n", "series", "commit", "subject",
           "before -> after", "change", "conf.", "confirmed", "current");
    for (size_t i = 0; i < n; i++) {
        if (!shown(a, &c[i]))
            continue;
        char ba[64];
        /* Counts in full (a mean of integers), seconds to four digits. */
        snprintf(ba, sizeof ba, c[i].timed ? "%.4g -> %.4g" : "%.0f -> %.0f", c[i].change.before,
                 c[i].change.after);
        printf("%-44s %.12s %-28.28s %25s %+8.2f%% %6.3f %9s %7s\n", c[i].key, c[i].commit,
               h->records[c[i].record].subject, ba, 100 * c[i].change.rel_change,
               1 - c[i].change.p_value, yes_no(c[i].confirmed), yes_no(c[i].current));
        rows++;
    }
    printf("\n%zu %s in %zu records (significance %.3g, %d permutations)", rows,
           a->regressions_only ? "current regressions" : "changes", h->count, a->cp.significance,
           a->cp.permutations);
    size_t failed = 0;
    for (size_t r = 0; r < h->count; r++)
        failed += !h->records[r].built && strcmp(h->records[r].machine, machine) == 0;
    if (failed > 0)
        printf("; %zu record%s of a failed build, skipped", failed, failed == 1 ? "" : "s");
    putchar('\n');
}

static json_t *change_json(const beex_history *h, const beex_history_change *c)
{
    const beex_history_record *r = &h->records[c->record];
    return json_pack("{s:s, s:b, s:I, s:I, s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:o, s:b, s:b}",
                     "series", c->key, "timed", c->timed, "index", (json_int_t)c->change.index,
                     "record", (json_int_t)c->record, "commit", c->commit, "commit_date",
                     r->commit_date, "subject", r->subject, "before", c->change.before, "after",
                     c->change.after, "rel_change", c->change.rel_change, "p_value",
                     c->change.p_value, "confidence", 1 - c->change.p_value, "confirmed",
                     c->confirmed < 0 ? json_null() : json_boolean(c->confirmed), "regression",
                     c->regression, "current", c->current);
}

static int write_json(const args *a, const beex_history *h, const char *machine,
                      const beex_history_change *c, size_t n)
{
    char err[512];
    json_t *arr = json_array();
    int rc = arr == NULL ? -1 : 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (shown(a, &c[i]) && json_array_append_new(arr, change_json(h, &c[i])) != 0)
            rc = -1;
    json_t *doc =
        rc != 0 ? NULL
                : json_pack("{s:s, s:s?, s:I, s:{s:f, s:i, s:I, s:I, s:f}, s:b, s:O}", "history",
                            a->history, "machine", machine, "records", (json_int_t)h->count,
                            "options", "significance", a->cp.significance, "permutations",
                            a->cp.permutations, "seed", (json_int_t)a->cp.seed, "min_segment",
                            (json_int_t)a->cp.min_segment, "alpha", a->cp.alpha, "regressions_only",
                            a->regressions_only, "changes", arr);
    json_decref(arr);
    if (doc == NULL) {
        fprintf(stderr, "beex " CMD ": --json %s: out of memory\n", a->json);
        return -1;
    }
    rc = beex_json_write_atomic(doc, a->json, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "beex " CMD ": %s\n", err);
    json_decref(doc);
    return rc;
}

/* The machine whose records are read: --machine (which must have a record), else the last
 * record's. NULL when the history is empty or the machine has no record. */
static const char *pick_machine(const args *a, const beex_history *h)
{
    for (size_t i = h->count; i-- > 0;)
        if (a->machine == NULL || strcmp(h->records[i].machine, a->machine) == 0)
            return h->records[i].machine;
    return NULL;
}

int beex_cmd_history_changes(int argc, char **argv)
{
    args a = {0};
    beex_changepoint_defaults(&a.cp);
    int prc = parse_args(argc, argv, &a);
    if (prc >= 0)
        return prc;
    char err[1024];
    beex_history h;
    if (beex_history_read(a.history, 0, &h, err, sizeof err) != 0) {
        fprintf(stderr, "beex " CMD ": %s\n", err);
        return 1;
    }
    const char *machine = pick_machine(&a, &h);
    if (a.machine != NULL && machine == NULL) {
        fprintf(stderr, "beex " CMD ": %s has no record of machine '%s'\n", a.history, a.machine);
        beex_history_free(&h);
        return 1;
    }
    beex_history_series *s = NULL;
    beex_history_change *c = NULL;
    size_t ns = 0, nc = 0;
    int status = 0;
    if (machine != NULL &&
        beex_history_changes(&h, machine, &a.cp, &s, &ns, &c, &nc, err, sizeof err) != 0) {
        fprintf(stderr, "beex " CMD ": %s: %s\n", a.history, err);
        status = 1;
        goto done;
    }
    print_table(&a, &h, machine, c, nc);
    if (a.json != NULL && write_json(&a, &h, machine, c, nc) != 0)
        status = 1;
done:
    free(c);
    beex_history_series_free(s, ns);
    beex_history_free(&h);
    return status;
}
