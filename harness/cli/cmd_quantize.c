/* `beex quantize --model CKPT --data TRAIN.tsv --out OUT`: calibrates the w8a8 activation
 * scales of a checkpoint (docs/model.md section 3b) and writes the calibrated checkpoint. */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/app/quantize/quantize.h"
#include "harness/base/input_file.h"
#include "harness/base/threads.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex quantize --model CHECKPOINT --data TRAIN.tsv --out OUT.safetensors\n"
            "                     [--calib-examples N] [--threads N] [--overwrite]\n\n"
            "Calibrates a checkpoint for w8a8 (int8 weights and activations, docs/model.md\n"
            "section 3b): the texts of the first N examples of TRAIN.tsv (LABEL<TAB>TEXT lines)\n"
            "run through the model's fp32 twin, and the largest |value| each layer input takes\n"
            "sets its static scale (max / 127). Writes the checkpoint with those scales (its\n"
            "latent weights unchanged, X.act_scale per layer): it then runs as w8a8 (beex run,\n"
            "eval, sweep --precision w8a8) and exports to a w8a8 deployment file.\n"
            "  --calib-examples N  examples used (default %d, or all when the file has fewer)\n"
            "  --threads N         OpenMP threads pinned one per core (default: one per core)\n"
            "  --overwrite         replace an existing --out\n",
            BEEX_QUANTIZE_DEFAULT_EXAMPLES);
}

/* Everything the run needs checked before any work. Returns 0, or the exit status. */
static int check_files(const beex_quantize_options *o, int overwrite)
{
    char err[512];
    int fd;
    const char *ins[2] = {o->model, o->data}, *what[2] = {"--model", "--data"};
    for (int i = 0; i < 2; i++) {
        if ((fd = beex_input_open(ins[i], BEEX_INPUT_MAX_DATA, NULL, err, sizeof err)) < 0) {
            fprintf(stderr, "beex quantize: %s: %s\n", what[i], err);
            return 1;
        }
        close(fd);
    }
    if (beex_arg_output("quantize", "out", o->out) != 0 ||
        beex_arg_output_not_input("quantize", "out", o->out, "the --model checkpoint", o->model) !=
            0 ||
        beex_arg_output_not_input("quantize", "out", o->out, "the --data file", o->data) != 0)
        return 1;
    struct stat st;
    if (!overwrite && stat(o->out, &st) == 0) {
        fprintf(stderr, "beex quantize: --out %s exists; pass --overwrite to replace it\n", o->out);
        return 1;
    }
    return 0;
}

int beex_cmd_quantize(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},   {"data", required_argument, 0, 'd'},
        {"out", required_argument, 0, 'o'},     {"calib-examples", required_argument, 0, 'n'},
        {"threads", required_argument, 0, 't'}, {"overwrite", no_argument, 0, 'w'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    beex_quantize_options o = {.calib_examples = BEEX_QUANTIZE_DEFAULT_EXAMPLES};
    int c, overwrite = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            o.model = optarg;
            break;
        case 'd':
            o.data = optarg;
            break;
        case 'o':
            o.out = optarg;
            break;
        case 'n':
            if (beex_arg_int("quantize", "calib-examples", optarg, 1, 1 << 24, &o.calib_examples) !=
                0)
                return 2;
            break;
        case 't':
            if (beex_arg_int("quantize", "threads", optarg, 1, BEEX_MAX_THREADS, &o.threads) != 0)
                return 2;
            break;
        case 'w':
            overwrite = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || o.model == NULL || o.data == NULL || o.out == NULL) {
        fprintf(stderr, "beex quantize: needs --model, --data and --out (and no other argument)\n");
        usage(stderr);
        return 2;
    }
    int rc = check_files(&o, overwrite);
    if (rc != 0)
        return rc;
    char err[512];
    int team = beex_threads_setup(o.threads, err, sizeof err);
    if (team < 0) {
        fprintf(stderr, "beex quantize: %s\n", err);
        return 1;
    }
    o.threads = team;
    if (beex_quantize_run(&o, err, sizeof err) != 0) {
        fprintf(stderr, "beex quantize: %s\n", err);
        return 1;
    }
    return 0;
}
