/* The forward pass (docs/model.md section 2) on a loaded model, in one precision, on one kernel
 * variant: token ids in, per-block logits and entropies out, the exit decision applied.
 * An engine owns the weights repacked for its variant and its scratch buffers. */
#ifndef BEEX_MODEL_ENGINE_H
#define BEEX_MODEL_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "harness/model/exit.h"
#include "harness/model/model.h"

typedef struct beex_engine beex_engine;

typedef struct {
    beex_precision precision;
    int isa;     /* -1 = automatic (BEEX_ISA / best available) */
    int threads; /* <= 0: OpenMP default */
} beex_engine_options;

int beex_engine_create(const beex_model *m, const beex_engine_options *opt, beex_engine **out,
                       char *err, size_t errlen);
void beex_engine_free(beex_engine *e);
const beex_config *beex_engine_config(const beex_engine *e);

/* One example through every block (no early exit): logits[blocks * classes],
 * entropy[blocks]. T is clipped to max_len; T >= 1. */
int beex_engine_trace(beex_engine *e, const int32_t *ids, int T, float *logits, float *entropy);

/* Result of one example under early exit. */
typedef struct {
    int exit_block;          /* 1-based block whose exit answered */
    int prediction;          /* argmax of that exit's logits */
    double flops, bops, ops; /* cost of the blocks and exit heads actually run (cost.h) */
    double iops;             /* its int8 operations (w8a8); ops includes them */
} beex_exit_result;

/* A batch of n examples with early exit at threshold delta (docs/exit-rules.md). Examples
 * that have exited leave the batch before the next block (compaction). logits / entropy may
 * be NULL; otherwise n * blocks * classes and n * blocks, filled for the blocks run (blocks
 * 1..res[i].exit_block; the rest are left NaN but are not a signal: use exit_block).
 * Returns BEEX_ENONFINITE when a logit or entropy is not finite; the first such example then
 * has prediction -1 and exit_block = the block where it happened. */
int beex_engine_run_batch(beex_engine *e, const int32_t *const *ids, const int *lens, int n,
                          double delta, beex_exit_result *res, float *logits, float *entropy);

/* The same with a per-example latest exit block max_exit[i] (1-based; NULL = no cap): an
 * example exits at the earlier of the entropy rule and its cap. Static-depth baselines use
 * it, and `beex bench model` makes a known share of a batch exit early with it. */
int beex_engine_run_batch_capped(beex_engine *e, const int32_t *const *ids, const int *lens, int n,
                                 double delta, const int *max_exit, beex_exit_result *res,
                                 float *logits, float *entropy);

/* The same under any online exit rule of the list (harness/model/exit_rule_list.h: the
 * entropy ratio, DeeBERT's entropy threshold, PABEE's patience, static depth, softmax
 * confidence), with the same cap; the replay's offline rules are loops over
 * the same decision, so a timed run reproduces the replay exactly. */
int beex_engine_run_batch_rule(beex_engine *e, const int32_t *const *ids, const int *lens, int n,
                               const beex_exit_rule *rule, const int *max_exit,
                               beex_exit_result *res, float *logits, float *entropy);

/* What the engine runs on: its precision, kernel variant (beex_isa), and NULL or the reason
 * the fp32 products (twin GEMMs, attention) run on a fallback: an fgemm variant where libxsmm
 * is absent or refused (harness/model/forward_fp32.c). */
beex_precision beex_engine_precision(const beex_engine *e);
int beex_engine_isa(const beex_engine *e);
const char *beex_engine_fp32_note(const beex_engine *e);

/* How a batch of n examples uses the engine's threads. Inside each operation (GEMM rows and
 * tiles, attention heads, LayerNorm rows), or across examples: the batch is cut into one
 * contiguous share per thread, each run by a single-threaded worker sharing the weights.
 * AUTO (the default) splits across examples when n >= threads. Results are identical either
 * way (every kernel is row-wise with a fixed summation order). */
typedef enum { BEEX_SPLIT_AUTO = 0, BEEX_SPLIT_OPS, BEEX_SPLIT_EXAMPLES } beex_engine_split;
int beex_engine_set_split(beex_engine *e, beex_engine_split split);

/* Where a forward pass spends its time (`beex bench model --breakdown`, docs/benchmarks.md):
 * wall seconds per class of operation, accumulated over every call made while a profile is
 * set. The classes, in the order the block runs them: */
typedef enum {
    BEEX_OP_GEMM = 0,  /* the BL layers' products: binary in w1a1, W1A32 in w1a32, int8 in w8a8,
                        * fp32 in fp32 */
    BEEX_OP_PACK,      /* w1a1: binarizing and packing a layer's input rows (x, concat O_h, y);
                        * w8a8: quantizing them */
    BEEX_OP_SCORES,    /* attention: Q_h K_h^T per example and head (K_h's transposition too) */
    BEEX_OP_SOFTMAX,   /* attention: the scaled softmax of the scores */
    BEEX_OP_AV,        /* attention: the probabilities times V_h */
    BEEX_OP_LAYERNORM, /* the residual add and LayerNorm, both of them */
    BEEX_OP_SLFN,      /* the gates (w1a1: fused with packing g and u; w8a8: with quantizing
                        * them) and product + residual */
    BEEX_OP_EXIT,      /* exit heads: pooling, logits, entropy and the exit rule */
    BEEX_OP_EMBED,     /* token plus position embedding */
    BEEX_OP_CLASSES
} beex_op_class;

typedef struct {
    double seconds[BEEX_OP_CLASSES];
    double total_seconds; /* wall time of the profiled calls, whole: the rest is "other"
                           * (compaction, set-up, forks and joins, the imbalance of a split) */
    long calls;
} beex_op_profile;

/* A short name ("gemm", "pack", "scores", ...) for tables and JSON keys. */
const char *beex_op_class_name(beex_op_class c);

/* Starts (p != NULL) or stops (NULL) adding every later call's times into *p, which the caller
 * zeroes and owns. Off by default; off, each operation pays one predictable branch and no
 * timer call. With threads inside operations the team's thread 0 times each operation between
 * the barriers that end them; attention's three classes share its wall time in proportion to
 * the thread-seconds each took. Split across examples, each worker profiles its own share and
 * the classes get the call's wall time in proportion to the workers' thread-seconds. The
 * results of a call do not change. Returns BEEX_OK, BEEX_EINVAL or BEEX_ENOMEM. */
int beex_engine_set_profile(beex_engine *e, beex_op_profile *p);

/* Calibration's observer (harness/model/calibrate.h), fp32 engines only: while amax is set,
 * every later call raises amax[b * BEEX_ACT_INPUTS + k] (model.h's BEEX_ACT_*) to the largest
 * |value| that input k of block b took (the max of what it held and what it saw; a NaN sticks).
 * The caller owns the blocks * BEEX_ACT_INPUTS floats and starts them at 0. The maximum does
 * not depend on the order it is taken in, so neither on the threads or the batching; results
 * never change. NULL turns it off (the default: a predictable branch per layer input). Returns
 * BEEX_OK, BEEX_ENOMEM, or BEEX_EINVAL for another precision or a worker. */
int beex_engine_set_observer(beex_engine *e, float *amax);

#endif
