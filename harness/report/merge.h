/* `beex merge`: joins shard traces of one sweep (then replays them), tabulates sweeps from
 * several machines side by side (one table per architecture), and turns kernel benchmark
 * JSON (`beex bench gemm --json`) into CSV rows for the plots. */
#ifndef BEEX_REPORT_MERGE_H
#define BEEX_REPORT_MERGE_H

#include <jansson.h>
#include <stddef.h>

/* One input document with the directory it came from. */
typedef struct {
    char *path, *dir;
    json_t *doc;
} beex_merge_input;

/* The writers below write into out_dir as they go: `beex merge` gives them a staging folder
 * and renames it into place when all of them succeeded (report/run_dir.h), so that a failure
 * half-way leaves the named folder as it was. */

/* The index of the first input whose folder is out or lies inside it, or -1: replacing out
 * (--overwrite) would delete that input. Links are followed on both sides. */
int beex_merge_out_holds_input(const char *out, const beex_merge_input *in, int n);

/* Joins the shards (documents of kind beex-sweep-shard, all of one sweep) into out_dir:
 * trace_dev.csv, trace_test.csv and the replay files + sweep.json. Returns 0, or -1. */
int beex_merge_shards(const beex_merge_input *in, int n, const char *out_dir, char *err,
                      size_t errlen);
/* Cross-machine comparison of sweep documents: machines.csv and a printed table per
 * architecture. Returns 0, or -1. */
int beex_merge_machines(const beex_merge_input *in, int n, const char *out_dir, char *err,
                        size_t errlen);
/* Kernel benchmark documents to kernels.csv (op, variant, M, N, K, threads, bound_ratio,
 * vs_scalar, vs_libxsmm_fp32, seconds, host, arch). Returns the rows written, or -1. */
long beex_merge_kernels(const beex_merge_input *in, int n, const char *out_dir, char *err,
                        size_t errlen);

#endif
