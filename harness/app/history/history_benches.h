/* The history's fixed benchmark set, version 1 (docs/history.md): its names, which of them an
 * --only selects, the inputs every measurement uses (written, never read from the measured
 * commit's tree, so that every commit sees the same bytes), and the kernel families' entry
 * points. Private to app/history/. */
#ifndef BEEX_APP_HISTORY_BENCHES_H
#define BEEX_APP_HISTORY_BENCHES_H

#include <stddef.h>

#define BEEX_HB_NPREC 4
extern const char *const beex_hb_precisions[BEEX_HB_NPREC]; /* fp32, w1a32, w1a1, w8a8 */

/* The counted variants: scalar and avx2 on x86, scalar and neon on aarch64. */
#define BEEX_HB_NCOUNTED 2
extern const char *const beex_hb_counted_variants[BEEX_HB_NCOUNTED];

/* Every variant a timed benchmark may name on this architecture (the ones the CPU runs are
 * asked of the binary). */
extern const char *const beex_hb_timed_variants[];
extern const size_t beex_hb_ntimed_variants;

typedef struct {
    const char *name;            /* kernel/NAME/P/V */
    const char *const *patterns; /* its entry points (history_callgrind.h's globs) */
} beex_hb_family;
extern const beex_hb_family beex_hb_families[];
extern const size_t beex_hb_nfamilies;

/* What forward/P/V and train/P/V count: the inclusive cost of the outermost calls of these
 * functions (the engine's batch entry points, whatever their nesting in the measured commit:
 * `beex run` has called beex_engine_run_batch, later beex_engine_run_batch_rule; the
 * trainer's step, beex_tstep_run, later beex_tstep_run_obj). */
extern const char *const beex_hb_forward_entry[];
extern const char *const beex_hb_train_entry[];

/* callgrind's --separate-callers depth: deeper than any call path of the forward pass, so that
 * every kernel call's context reaches the engine's entry point. */
#define BEEX_HB_CONTEXT_DEPTH "--separate-callers=64"

/* The timed GEMM shape. */
#define BEEX_HB_GEMM_SHAPE "64x256x768"

/* 1 when NAME is selected by only (NULL: everything; a name ending in '/': a prefix). */
int beex_hb_selected(const char *only, const char *name);

/* Writes the fixed inputs into dir: ids.txt (the perf gate's 8 examples of 6..48 token ids)
 * and task/{train,dev,test}.tsv (the first lines of tests/data/train's synthetic task: 8
 * training examples, which at batch 4 are the 2 optimiser steps of train/P/V; the training
 * file also calibrates w8a8). Returns 0 or -1 with err. */
int beex_hb_write_inputs(const char *dir, char *err, size_t errlen);

#endif
