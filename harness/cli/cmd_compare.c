/* `beex compare OLD NEW`: is NEW a regression against OLD? Exit 0 = no regression,
 * 1 = regression, 2 = usage error or an input that cannot be compared. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/atomic_file.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/report/compare.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex compare OLD NEW [--alpha A] [--time-threshold T]\n"
            "                    [--instr-threshold I] [--json OUT]\n"
            "  OLD, NEW: results files (sweep.json, `beex bench gemm --json` output, or a\n"
            "  perf-gate baseline). Repetition times: two-sided Mann-Whitney U test (as\n"
            "  Google Benchmark's compare.py); SLOWER when p < A (default 0.05) and the median\n"
            "  grew by more than T (default 0.05 = 5 %%). Instruction counts: SLOWER when they\n"
            "  grew by more than I (default 0.02 = 2 %%).\n"
            "  Exit status: 0 no regression, 1 regression, 2 usage or unreadable input.\n");
}

static int parse_fraction(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return *end == '\0' && *v >= 0 && *v < 1e6 ? 0 : -1;
}

static void print_row(const beex_compare_row *r)
{
    printf("%-52.52s", r->name);
    if (r->has_time) {
        char p[16];
        if (isnan(r->p_value))
            snprintf(p, sizeof p, "%9s", "-");
        else
            snprintf(p, sizeof p, "%9.4f", r->p_value);
        printf(" %11.4g %11.4g %+8.1f%% %s %-8s", r->old_median, r->new_median,
               100 * r->time_change, p, beex_verdict_name(r->time_verdict));
    } else {
        printf(" %11s %11s %9s %9s %-8s", "-", "-", "-", "-",
               r->has_instructions ? "" : beex_verdict_name(r->time_verdict));
    }
    if (r->has_instructions)
        printf(" %14lld %14lld %+7.2f%% %s", r->old_instr, r->new_instr, 100 * r->instr_change,
               beex_verdict_name(r->instr_verdict));
    putchar('\n');
}

/* Returns -1 to compare argv[optind] with argv[optind + 1], or the exit status: 0 after
 * --help, 2 on a usage error. */
static int parse_args(int argc, char **argv, beex_compare_options *o, const char **json_out)
{
    enum { O_ALPHA = 256, O_TT, O_IT, O_JSON };
    static const struct option opts[] = {{"alpha", required_argument, 0, O_ALPHA},
                                         {"time-threshold", required_argument, 0, O_TT},
                                         {"instr-threshold", required_argument, 0, O_IT},
                                         {"json", required_argument, 0, O_JSON},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case O_ALPHA:
            if (parse_fraction(optarg, &o->alpha) != 0 || o->alpha <= 0 || o->alpha >= 1) {
                fprintf(stderr, "beex compare: --alpha must be in (0, 1)\n");
                return 2;
            }
            break;
        case O_TT:
            if (parse_fraction(optarg, &o->time_threshold) != 0) {
                fprintf(stderr, "beex compare: --time-threshold must be a fraction >= 0\n");
                return 2;
            }
            break;
        case O_IT:
            if (parse_fraction(optarg, &o->instr_threshold) != 0) {
                fprintf(stderr, "beex compare: --instr-threshold must be a fraction >= 0\n");
                return 2;
            }
            break;
        case O_JSON:
            *json_out = optarg;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "beex compare: expected OLD and NEW\n");
        usage(stderr);
        return 2;
    }
    if (*json_out != NULL && beex_arg_output("compare", "json", *json_out) != 0)
        return 2;
    return -1;
}

/* --json: both files, the options, every row and the verdict. Returns 0, or -1 after
 * printing why. */
static int write_verdict(const char *path, const char *old, const char *new,
                         const beex_compare_options *o, const beex_compare_row *rows, long n,
                         int regressions)
{
    char err[512];
    json_t *doc = json_object(), *arr = json_array();
    for (long i = 0; i < n; i++)
        json_array_append_new(arr, beex_compare_row_json(&rows[i]));
    json_object_set_new(doc, "old", json_string(old));
    json_object_set_new(doc, "new", json_string(new));
    json_object_set_new(doc, "options",
                        json_pack("{s:f, s:f, s:f}", "alpha", o->alpha, "time_threshold",
                                  o->time_threshold, "instr_threshold", o->instr_threshold));
    json_object_set_new(doc, "rows", arr);
    json_object_set_new(doc, "verdict", json_string(regressions ? "regression" : "ok"));
    int rc = 0;
    if (beex_json_write_atomic(doc, path, err, sizeof err) != 0) {
        fprintf(stderr, "beex compare: %s\n", err);
        rc = -1;
    }
    json_decref(doc);
    return rc;
}

int beex_cmd_compare(int argc, char **argv)
{
    beex_compare_options o = {0.05, 0.05, 0.02};
    const char *json_out = NULL;
    int prc = parse_args(argc, argv, &o, &json_out);
    if (prc >= 0)
        return prc;
    const char *old = argv[optind], *new = argv[optind + 1];
    char err[512];
    beex_bench_set a, b;
    if (beex_bench_set_load(old, &a, err, sizeof err) != 0) {
        fprintf(stderr, "beex compare: %s\n", err);
        return 2;
    }
    if (beex_bench_set_load(new, &b, err, sizeof err) != 0 ||
        beex_compare_check_set(&a, old, err, sizeof err) != 0 ||
        beex_compare_check_set(&b, new, err, sizeof err) != 0) {
        fprintf(stderr, "beex compare: %s\n", err);
        beex_bench_set_free(&a);
        beex_bench_set_free(&b);
        return 2;
    }
    beex_compare_row *rows = NULL;
    long n = beex_compare_sets(&a, &b, &o, &rows);
    int status = 0, regressions = 0, compared = 0;
    if (n < 0) {
        fprintf(stderr, "beex compare: out of memory\n");
        status = 2;
        goto done;
    }
    printf("%-52s %11s %11s %9s %9s %-8s %14s %14s %8s\n", "benchmark", "old med. s", "new med. s",
           "change", "p-value", "time", "old instr", "new instr", "change");
    for (long i = 0; i < n; i++) {
        print_row(&rows[i]);
        regressions += rows[i].regression;
        compared += rows[i].has_time || rows[i].has_instructions;
    }
    if (compared == 0) {
        fprintf(stderr, "beex compare: no benchmark appears in both files\n");
        status = 2;
        goto done;
    }
    status = regressions > 0 ? 1 : 0;
    printf("\nverdict: %s (%d of %d compared benchmarks regressed; alpha %.3g, time threshold "
           "%.3g, instruction threshold %.3g)\n",
           regressions ? "REGRESSION" : "ok", regressions, compared, o.alpha, o.time_threshold,
           o.instr_threshold);
    if (json_out != NULL && write_verdict(json_out, old, new, &o, rows, n, regressions) != 0)
        status = 2;
done:
    free(rows);
    beex_bench_set_free(&a);
    beex_bench_set_free(&b);
    return status;
}
