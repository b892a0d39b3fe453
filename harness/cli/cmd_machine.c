/* `beex machine run|reference|report`: measure this machine into one bundle, record the
 * reference the bundle's accuracy check compares with, and set bundles side by side
 * (harness/app/machine/; docs/machine-bundle.md is the bundle's schema). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/app/machine/machine.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/report/run_dir.h"

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: beex machine run [options]\n"
            "  Measures this machine into one JSON bundle (docs/machine-bundle.md): the system,\n"
            "  its own limits (bit-MAC and FMA loops, memory bandwidth, each core, the multi-core\n"
            "  ceiling), kernels at BERT-base and small shapes, the model in MLPerf's\n"
            "  single-stream and offline scenarios, an accuracy check against a reference\n"
            "  record, energy where RAPL is readable. About 8 minutes (--quick: 1.5).\n"
            "  --model FILE        reference model (default %s)\n"
            "  --task DIR          its task (default %s)\n"
            "  --reference FILE    reference record (default %s)\n"
            "  --out FILE          the bundle (default results/machines/<host>.json)\n"
            "  --name NAME         the machine's name in reports (default: the host name)\n"
            "  --quick             about 90 s, at least 100 single-stream queries (not 1000)\n"
            "  --budget SECONDS    time for the whole run (default 480, --quick 90)\n"
            "  --variants LIST     kernel variants to measure (default: all this CPU runs)\n"
            "  --threads N         the largest team (default: every allowed core)\n"
            "  --plan, --dry-run   print the measurements with their planned times and stop\n"
            "Exit status: 0 bundle written (also when the accuracy check marked it invalid:\n"
            "it says why), 1 runtime error, 2 refused input (before any measurement).\n",
            BEEX_MACHINE_DEFAULT_MODEL, BEEX_MACHINE_DEFAULT_TASK, BEEX_MACHINE_DEFAULT_REFERENCE);
}

int beex_cmd_machine_run(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"task", required_argument, 0, 't'},
                                         {"reference", required_argument, 0, 'r'},
                                         {"out", required_argument, 0, 'o'},
                                         {"name", required_argument, 0, 'n'},
                                         {"quick", no_argument, 0, 'q'},
                                         {"budget", required_argument, 0, 'b'},
                                         {"budget-scale", required_argument, 0, 'S'},
                                         {"variants", required_argument, 0, 'v'},
                                         {"threads", required_argument, 0, 'T'},
                                         {"plan", no_argument, 0, 'p'},
                                         {"dry-run", no_argument, 0, 'p'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    beex_machine_run_options o = {.model = BEEX_MACHINE_DEFAULT_MODEL,
                                  .task = BEEX_MACHINE_DEFAULT_TASK,
                                  .reference = BEEX_MACHINE_DEFAULT_REFERENCE,
                                  .budget_scale = 1.0};
    char out_default[512];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            o.model = optarg;
            break;
        case 't':
            o.task = optarg;
            break;
        case 'r':
            o.reference = optarg;
            break;
        case 'o':
            o.out = optarg;
            break;
        case 'n':
            o.name = optarg;
            break;
        case 'q':
            o.quick = 1;
            break;
        case 'p':
            o.plan_only = 1;
            break;
        case 'b':
            if (beex_arg_double("machine run", "budget", optarg, &o.budget_seconds) != 0)
                return 2;
            if (o.budget_seconds < 10.0 || o.budget_seconds > 86400.0) {
                fprintf(stderr,
                        "beex machine run: --budget needs seconds in [10, 86400], got "
                        "'%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'S': /* hidden test knob: every measurement's time multiplied by it */
            if (beex_arg_double("machine run", "budget-scale", optarg, &o.budget_scale) != 0)
                return 2;
            if (o.budget_scale <= 0.0 || o.budget_scale > 10.0) {
                fprintf(stderr, "beex machine run: --budget-scale needs a number in (0, 10]\n");
                return 2;
            }
            break;
        case 'v':
            if ((o.n_variants =
                     beex_arg_variants("machine run", "variants", optarg, 1, o.variants)) < 0)
                return 2;
            break;
        case 'T':
            if (beex_arg_int("machine run", "threads", optarg, 1, BEEX_MAX_THREADS, &o.threads) !=
                0)
                return 2;
            break;
        case 'h':
            run_usage(stdout);
            return 0;
        default:
            run_usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "beex machine run: unexpected argument '%s'\n", argv[optind]);
        run_usage(stderr);
        return 2;
    }
    if (o.out == NULL) {
        char host[256] = "machine";
        if (gethostname(host, sizeof host) != 0)
            snprintf(host, sizeof host, "machine");
        host[sizeof host - 1] = '\0';
        snprintf(out_default, sizeof out_default, "%s/%s.json", BEEX_MACHINE_DEFAULT_REPORT_DIR,
                 host);
        o.out = out_default;
        char err[512]; /* the default folder is made; a named one must exist */
        if (!o.plan_only && beex_mkdir_p(BEEX_MACHINE_DEFAULT_REPORT_DIR, err, sizeof err) != 0) {
            fprintf(stderr, "beex machine run: %s\n", err);
            return 1;
        }
    }
    if (!o.plan_only && beex_arg_output("machine run", "out", o.out) != 0)
        return 2;
    return beex_machine_run(&o);
}

static void reference_usage(FILE *out)
{
    fprintf(out,
            "usage: beex machine reference [MODEL [TASK]] --out FILE\n"
            "  Writes the record `beex machine run` checks its accuracy against: the model's\n"
            "  and the task's sha256, test accuracy at full depth and at the dev-selected\n"
            "  exit point (rule, parameter, exit histogram), computed by the same code as\n"
            "  the check. Defaults: %s, %s, --out %s.\n",
            BEEX_MACHINE_DEFAULT_MODEL, BEEX_MACHINE_DEFAULT_TASK, BEEX_MACHINE_DEFAULT_REFERENCE);
}

int beex_cmd_machine_reference(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *out = BEEX_MACHINE_DEFAULT_REFERENCE;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'o') {
            out = optarg;
        } else if (c == 'h') {
            reference_usage(stdout);
            return 0;
        } else {
            reference_usage(stderr);
            return 2;
        }
    }
    if (argc - optind > 2) {
        reference_usage(stderr);
        return 2;
    }
    const char *model = optind < argc ? argv[optind] : BEEX_MACHINE_DEFAULT_MODEL;
    const char *task = optind + 1 < argc ? argv[optind + 1] : BEEX_MACHINE_DEFAULT_TASK;
    if (access(model, R_OK) != 0) {
        fprintf(stderr,
                "beex machine reference: %s: no such model file (`bash scripts/main_job.sh` "
                "trains %s)\n",
                model, BEEX_MACHINE_DEFAULT_MODEL);
        return 2;
    }
    if (beex_arg_output("machine reference", "out", out) != 0)
        return 2;
    return beex_machine_reference(model, task, out);
}

static void report_usage(FILE *out)
{
    fprintf(out,
            "usage: beex machine report FILE|DIR... [--out DIR] [--reference-machine NAME]\n"
            "  Sets machine bundles side by side: README.md, machines.tex, machines_bundles.csv,\n"
            "  a roofline per CPU (data + gnuplot script in plots/; PNGs when gnuplot is\n"
            "  installed), ratios to a reference machine with their geometric mean, and\n"
            "  warnings for invalid, loaded, emulated or noisy bundles. Bundles of different\n"
            "  model bytes or suite versions go to separate tables. sweep.json files (as for\n"
            "  `beex merge`) give machines.csv too. Same bundles, same bytes.\n"
            "  --out DIR                 output directory (default %s)\n"
            "  --reference-machine NAME  the machine ratios are taken to (default: the first\n"
            "                            bundle of each table)\n",
            BEEX_MACHINE_DEFAULT_REPORT_DIR);
}

int beex_cmd_machine_report(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                         {"reference-machine", required_argument, 0, 'r'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    beex_machine_report_options o = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (c == 'o') {
            o.out = optarg;
        } else if (c == 'r') {
            o.reference_machine = optarg;
        } else if (c == 'h') {
            report_usage(stdout);
            return 0;
        } else {
            report_usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "beex machine report: no bundle given\n");
        report_usage(stderr);
        return 2;
    }
    o.inputs = (const char *const *)argv + optind;
    o.n_inputs = argc - optind;
    return beex_machine_report(&o);
}
