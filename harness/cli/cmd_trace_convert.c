/* `beex trace convert IN --out OUT.jsonl`: another tool's exit trace (a plain CSV, one row per
 * example and exit) or beex's own trace_*.csv (with --model) into beex-exit-trace/1, the
 * format `beex sweep --trace-files` reads (docs/traces.md). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/app/trace_convert/trace_convert.h"
#include "harness/base/input_file.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex trace convert IN.csv --split dev|test --out OUT.jsonl [options]\n"
            "       beex trace convert trace_dev.csv --model MODEL --out OUT.jsonl [options]\n"
            "  Writes a beex-exit-trace/1 file (docs/traces.md) for `beex sweep --trace-files`.\n"
            "  IN.csv: one row per example and exit, columns id, label, exit (1..N), cost\n"
            "  (cumulative FLOPs of reaching the exit), logit_0..logit_{C-1} or\n"
            "  prob_0..prob_{C-1}, and optionally bops, iops, len; an example's rows together.\n"
            "  With --model, IN is a trace_dev.csv / trace_test.csv of `beex sweep` and MODEL\n"
            "  the file it was traced with: costs per exit come from the model's config.\n"
            "  --split S         dev | test (with --model: default from IN's name)\n"
            "  --out FILE        the trace file to write (atomically)\n"
            "  --model MODEL     IN is beex's own trace of MODEL\n"
            "  --class-names L   comma list of the classes' names (default 0,1,...; CSV only;\n"
            "                    labels may then be names or numbers)\n"
            "  --source TEXT     free text for the header (default: where it came from)\n"
            "  --metric M        accuracy | f1 | mcc: the headline metric the sweep uses\n"
            "  --positive NAME   the class whose F1 a two-class sweep reports\n"
            "The output is read back with every check `beex sweep` makes before it is kept.\n"
            "Exit status: 0 ok, 1 a bad input (the message names its file and line), 2 usage "
            "error.\n");
}

/* Returns -1 to go on, or the exit status: 0 after --help, 2 on a usage error. */
static int parse_args(int argc, char **argv, beex_trace_convert_options *o)
{
    enum { O_SPLIT = 256, O_OUT, O_MODEL, O_NAMES, O_SOURCE, O_METRIC, O_POSITIVE };
    static const struct option opts[] = {{"split", required_argument, 0, O_SPLIT},
                                         {"out", required_argument, 0, O_OUT},
                                         {"model", required_argument, 0, O_MODEL},
                                         {"class-names", required_argument, 0, O_NAMES},
                                         {"source", required_argument, 0, O_SOURCE},
                                         {"metric", required_argument, 0, O_METRIC},
                                         {"positive", required_argument, 0, O_POSITIVE},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char **slot[] = {&o->split,  &o->out,    &o->model,   &o->class_names,
                           &o->source, &o->metric, &o->positive};
    memset(o, 0, sizeof *o);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        if (c < O_SPLIT || c > O_POSITIVE) {
            usage(stderr);
            return 2;
        }
        *slot[c - O_SPLIT] = optarg;
    }
    if (argc - optind != 1 || o->out == NULL || o->out[0] == '\0') {
        fprintf(stderr, "beex trace convert: expected one input file and --out FILE\n");
        usage(stderr);
        return 2;
    }
    o->in = argv[optind];
    if (o->split != NULL && strcmp(o->split, "dev") != 0 && strcmp(o->split, "test") != 0) {
        fprintf(stderr, "beex trace convert: --split must be dev or test, got '%s'\n", o->split);
        return 2;
    }
    if (o->metric != NULL && strcmp(o->metric, "accuracy") != 0 && strcmp(o->metric, "f1") != 0 &&
        strcmp(o->metric, "mcc") != 0) {
        fprintf(stderr, "beex trace convert: --metric must be accuracy, f1 or mcc, got '%s'\n",
                o->metric);
        return 2;
    }
    if (o->model == NULL && o->split == NULL) {
        fprintf(stderr, "beex trace convert: --split dev|test is needed for a CSV\n");
        return 2;
    }
    if (o->model != NULL && o->class_names != NULL) {
        fprintf(stderr, "beex trace convert: --class-names: a beex trace takes the model's\n");
        return 2;
    }
    if (beex_arg_output("trace convert", "out", o->out) != 0 ||
        beex_arg_output_not_input("trace convert", "out", o->out, "the input", o->in) != 0 ||
        (o->model != NULL &&
         beex_arg_output_not_input("trace convert", "out", o->out, "the model", o->model) != 0))
        return 2;
    return -1;
}

/* A beex trace given without --model: say so rather than list its unknown columns. */
static void hint_beex_trace(const char *path)
{
    char head[64] = "", why[256];
    FILE *f = beex_input_fopen(path, BEEX_INPUT_MAX_DATA, why, sizeof why);
    if (f == NULL)
        return;
    if (fgets(head, sizeof head, f) != NULL && (strncmp(head, "# beex trace ", 13) == 0 ||
                                                strncmp(head, "example,label,len,block", 23) == 0))
        fprintf(stderr,
                "beex trace convert: %s is beex's own trace: give --model MODEL (the model it "
                "was traced with)\n",
                path);
    fclose(f);
}

int beex_cmd_trace_convert(int argc, char **argv)
{
    beex_trace_convert_options o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    char err[1024];
    if ((o.model != NULL ? beex_trace_convert_beex(&o, err, sizeof err)
                         : beex_trace_convert_csv(&o, err, sizeof err)) != 0) {
        fprintf(stderr, "beex trace convert: %s\n", err);
        if (o.model == NULL)
            hint_beex_trace(o.in);
        return 1;
    }
    printf("%s: written (%s)\n", o.out,
           o.model != NULL ? "beex trace with the model's costs" : "from CSV");
    return 0;
}
