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
    fprintf(out, "usage: beex merge [--out DIR] [--overwrite] DIR...|FILE...\n"
                 "  Reads every *.json in the given directories (and the given files):\n"
                 "  - shard-I-of-N.json from `beex sweep --shard I/N`: the shards are joined and\n"
                 "    replayed into one sweep (then time it with `beex sweep --trace DIR`);\n"
                 "  - sweep.json from several machines: machines.csv + a table per architecture;\n"
                 "  - `beex bench gemm --json` output: kernels.csv for plots/kernels.gp.\n"
                 "  --out DIR     output directory (default results/runs/merge-<time>)\n"
                 "  --overwrite   replace the files of an earlier run in --out\n"
                 "The output directory appears only when every file is written (a failure or\n"
                 "Ctrl-C leaves it as it was); an --out that already holds files is refused\n"
                 "without --overwrite, and one that holds an input always.\n"
                 "Exit status: 0 ok, 1 runtime error, 2 usage error or nothing to merge.\n");
}

/* The inputs sorted by kind; each array has room for all of them. */
typedef struct {
    beex_merge_input *shards, *sweeps, *benches;
    int ns, nw, nb;
} merge_kinds;

static int sort_kinds(const beex_merge_input *in, int n, merge_kinds *k)
{
    memset(k, 0, sizeof *k);
    k->shards = calloc((size_t)n + 1, sizeof *k->shards);
    k->sweeps = calloc((size_t)n + 1, sizeof *k->sweeps);
    k->benches = calloc((size_t)n + 1, sizeof *k->benches);
    if (!k->shards || !k->sweeps || !k->benches) {
        fprintf(stderr, "beex merge: out of memory\n");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const char *kind = json_string_value(json_object_get(in[i].doc, "kind"));
        if (kind != NULL && strcmp(kind, "beex-sweep-shard") == 0)
            k->shards[k->ns++] = in[i];
        else if (kind != NULL && strcmp(kind, "beex-sweep") == 0)
            k->sweeps[k->nw++] = in[i];
        else if (json_is_array(json_object_get(in[i].doc, "benchmarks")))
            k->benches[k->nb++] = in[i];
        else
            fprintf(stderr, "beex merge: %s: not a beex results file, ignored\n", in[i].path);
    }
    return 0;
}

static void free_kinds(merge_kinds *k)
{
    free(k->shards);
    free(k->sweeps);
    free(k->benches);
}

/* Every output into dir (the staging folder). Returns 0, or -1 with err set. */
static int write_all(const merge_kinds *k, const char *dir, char *err, size_t errlen)
{
    if (k->ns > 0 && beex_merge_shards(k->shards, k->ns, dir, err, errlen) != 0)
        return -1;
    if (k->nw > 0 && beex_merge_machines(k->sweeps, k->nw, dir, err, errlen) != 0)
        return -1;
    if (k->nb > 0) {
        long rows = beex_merge_kernels(k->benches, k->nb, dir, err, errlen);
        if (rows < 0)
            return -1;
        printf("kernels.csv: %ld kernel rows from %d files\n", rows, k->nb);
    }
    return 0;
}

/* Stages, writes and renames into place, as `beex sweep` does: a full disk or an input
 * refused half-way leaves out as it was (absent, empty or the earlier run), never new files
 * beside an old sweep.json. */
static int merge_into(const char *out, int overwrite, const merge_kinds *k)
{
    char dir[4096], stage[4200], used[4200], err[512];
    if (out != NULL)
        snprintf(dir, sizeof dir, "%s", out);
    else
        beex_default_run_dir(dir, sizeof dir, "merge", "all", "mixed", NULL);
    if (beex_run_dir_stage(dir, overwrite, stage, sizeof stage, err, sizeof err) != 0) {
        fprintf(stderr, "beex merge: %s\n", err);
        return 1;
    }
    if (write_all(k, stage, err, sizeof err) != 0 ||
        beex_run_dir_commit(stage, dir, overwrite, out == NULL, used, sizeof used, err,
                            sizeof err) != 0) {
        fprintf(stderr, "beex merge: %s\n", err);
        beex_run_dir_abandon(stage);
        return 1;
    }
    printf("merged into %s\n", used);
    return 0;
}

int beex_cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    int overwrite = 0;
    enum { O_OVERWRITE = 256 };
    static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                         {"overwrite", no_argument, 0, O_OVERWRITE},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
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
        if (c == O_OVERWRITE) {
            overwrite = 1;
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
    merge_kinds k;
    memset(&k, 0, sizeof k);
    int n = 0, status = 1;
    for (int i = optind; i < argc; i++)
        if (beex_merge_inputs_add("beex merge", argv[i], &in, &n) != 0)
            goto done;
    if (sort_kinds(in, n, &k) != 0)
        goto done;
    if (k.ns + k.nw + k.nb == 0) {
        fprintf(stderr, "beex merge: nothing to merge\n");
        status = 2;
        goto done;
    }
    /* Checked before any work: committing over such a folder would delete the inputs. */
    int held = out != NULL ? beex_merge_out_holds_input(out, in, n) : -1;
    if (held >= 0) {
        fprintf(stderr,
                "beex merge: --out %s is (or holds) the folder of the input %s: the merge would "
                "replace its own inputs; choose another --out\n",
                out, in[held].path);
        goto done;
    }
    status = merge_into(out, overwrite, &k);
done:
    free_kinds(&k);
    beex_merge_inputs_free(in, n);
    return status;
}
