/* `beex export`: checkpoint -> deployment file for one precision (packed sign bits + alpha
 * for the binarized precisions). Prints both sizes and the ratio against the fp32
 * deployment, the model-size figure the suite reports. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/model/model.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: beex export CHECKPOINT --precision fp32|w1a32|w1a1|w8a8 --out FILE\n\n"
                 "Writes the deployment file of CHECKPOINT for one precision. fp32 keeps the\n"
                 "latent weights; w1a32 and w1a1 replace each binarized X.weight by X.bits (U8,\n"
                 "[rows, ceil(cols/8)]) + X.alpha (F32, [rows]), and embed.tok.weight by\n"
                 "embed.tok.bits + embed.tok.gamma; w8a8 (a checkpoint calibrated by beex\n"
                 "quantize) by X.q8 (I8, [rows, cols]) + X.qscale (F32, [rows]) + X.act_scale\n"
                 "(F32, [1]), and embed.tok.q8 + embed.tok.qscale. Prints both file sizes and the\n"
                 "ratio to the fp32 deployment.\n");
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int beex_cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"precision", required_argument, 0, 'p'},
        {"out", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *out = NULL, *prec_name = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            prec_name = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind + 1 != argc || out == NULL || prec_name == NULL) {
        fprintf(stderr, "beex export: needs one CHECKPOINT, --precision and --out\n");
        usage(stderr);
        return 2;
    }
    int prec = beex_precision_parse(prec_name);
    if (prec < 0) {
        fprintf(stderr, "beex export: unknown precision '%s' (fp32, w1a32, w1a1, w8a8)\n",
                prec_name);
        return 2;
    }
    const char *in = argv[optind];
    if (beex_arg_output("export", "out", out) != 0 ||
        beex_arg_output_not_input("export", "out", out, "the input checkpoint", in) != 0)
        return 1;
    char err[512];
    beex_model *m = NULL;
    if (beex_model_load(in, &m, err, sizeof err) != 0) {
        fprintf(stderr, "beex export: %s\n", err);
        return 1;
    }
    uint64_t fp32_size = 0;
    int have_fp32 = beex_model_deployment_size(m, BEEX_PREC_FP32, &fp32_size, err, sizeof err);
    if (beex_model_save_deployment(m, (beex_precision)prec, out, err, sizeof err) != 0) {
        fprintf(stderr, "beex export: %s\n", err);
        beex_model_free(m);
        return 1;
    }
    beex_model_free(m);
    long long in_size = file_size(in), out_size = file_size(out);
    if (in_size <= 0 || out_size <= 0) {
        fprintf(stderr, "beex export: cannot stat the files just written\n");
        return 1;
    }
    printf("input  %s: %lld bytes (%.3f MiB)\n", in, in_size, (double)in_size / 1048576.0);
    printf("output %s: %s deployment, %lld bytes (%.3f MiB)\n", out, prec_name, out_size,
           (double)out_size / 1048576.0);
    printf("input / output: %.2fx\n", (double)in_size / (double)out_size);
    if (have_fp32 == 0)
        printf("fp32 deployment: %" PRIu64 " bytes; fp32 / %s: %.2fx smaller\n", fp32_size,
               prec_name, (double)fp32_size / (double)out_size);
    else
        printf("fp32 deployment: unknown (the input has no latent weights)\n");
    return 0;
}
