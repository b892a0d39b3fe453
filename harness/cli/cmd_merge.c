/* `beex merge DIR...|FILE...`: shards of one sweep -> one sweep; sweeps of several machines
 * -> machines.csv and a table per architecture; kernel benchmark JSON -> kernels.csv. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/commands.h"
#include "harness/report/merge.h"
#include "harness/report/merge_inputs.h"
#include "harness/report/run_dir.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: beex merge [--out DIR] DIR...|FILE...\n"
                 "  Reads every *.json in the given directories (and the given files):\n"
                 "  - shard-I-of-N.json from `beex sweep --shard I/N`: the shards are joined and\n"
                 "    replayed into one sweep (then time it with `beex sweep --trace DIR`);\n"
                 "  - sweep.json from several machines: machines.csv + a table per architecture;\n"
                 "  - `beex bench gemm --json` output: kernels.csv for plots/kernels.gp.\n"
                 "  --out DIR   output directory (default results/runs/merge-<time>)\n");
}

int beex_cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        if (c == 'o') {
            out = optarg;
            continue;
        }
        usage(stderr);
        return 2;
    }
    if (optind >= argc) {
        fprintf(stderr, "beex merge: no input given\n");
        usage(stderr);
        return 2;
    }
    beex_merge_input *in = NULL;
    int n = 0, status = 1;
    for (int i = optind; i < argc; i++)
        if (beex_merge_inputs_add("beex merge", argv[i], &in, &n) != 0)
            goto done;
    /* Sort the inputs by kind. */
    beex_merge_input *shards = calloc((size_t)n + 1, sizeof *shards);
    beex_merge_input *sweeps = calloc((size_t)n + 1, sizeof *sweeps);
    beex_merge_input *benches = calloc((size_t)n + 1, sizeof *benches);
    int ns = 0, nw = 0, nb = 0;
    if (!shards || !sweeps || !benches)
        goto done_kinds;
    for (int i = 0; i < n; i++) {
        const char *kind = json_string_value(json_object_get(in[i].doc, "kind"));
        if (kind != NULL && strcmp(kind, "beex-sweep-shard") == 0)
            shards[ns++] = in[i];
        else if (kind != NULL && strcmp(kind, "beex-sweep") == 0)
            sweeps[nw++] = in[i];
        else if (json_is_array(json_object_get(in[i].doc, "benchmarks")))
            benches[nb++] = in[i];
        else
            fprintf(stderr, "beex merge: %s: not a beex results file, ignored\n", in[i].path);
    }
    if (ns + nw + nb == 0) {
        fprintf(stderr, "beex merge: nothing to merge\n");
        status = 2;
        goto done_kinds;
    }
    char dir[4096], err[512];
    if (out != NULL)
        snprintf(dir, sizeof dir, "%s", out);
    else
        beex_default_run_dir(dir, sizeof dir, "merge", "all", "mixed", NULL);
    if (beex_mkdir_p(dir, err, sizeof err) != 0) {
        fprintf(stderr, "beex merge: %s\n", err);
        goto done_kinds;
    }
    if (ns > 0 && beex_merge_shards(shards, ns, dir, err, sizeof err) != 0) {
        fprintf(stderr, "beex merge: %s\n", err);
        goto done_kinds;
    }
    if (nw > 0 && beex_merge_machines(sweeps, nw, dir, err, sizeof err) != 0) {
        fprintf(stderr, "beex merge: %s\n", err);
        goto done_kinds;
    }
    if (nb > 0) {
        long rows = beex_merge_kernels(benches, nb, dir, err, sizeof err);
        if (rows < 0) {
            fprintf(stderr, "beex merge: %s\n", err);
            goto done_kinds;
        }
        printf("kernels.csv: %ld kernel rows from %d files\n", rows, nb);
    }
    printf("merged into %s\n", dir);
    status = 0;
done_kinds:
    free(shards);
    free(sweeps);
    free(benches);
done:
    beex_merge_inputs_free(in, n);
    return status;
}
