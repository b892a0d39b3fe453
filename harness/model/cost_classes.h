/* The work of a forward pass split by the engine's operation classes (engine.h's
 * beex_op_class), for the floors of `beex bench model --breakdown` (docs/benchmarks.md): the
 * FLOPs, IOPs and BOPs of cost.h's conventions, so that the classes of an example add up to
 * beex_cost_until exactly, plus the bytes each class has to move at least. */
#ifndef BEEX_MODEL_COST_CLASSES_H
#define BEEX_MODEL_COST_CLASSES_H

#include "harness/model/engine.h"
#include "harness/model/model.h"

typedef struct {
    double flops;           /* cost.h's FLOPs (a multiply-add counts 2) */
    double bops;            /* binary multiply-accumulates (w1a1 GEMMs) */
    double lane_adds;       /* of flops: w1a32's sign-applied adds, one vector lane slot each
                             * (an FMA's slot does 2 FLOPs, an add only 1) */
    double act_bytes;       /* activations read and written once each: the group's rows, which
                             * stay in cache between operations */
    double table_bytes;     /* weights, scales and embedding rows read */
    double table_footprint; /* bytes of the whole table they are read from: whether it can stay
                             * in the last-level cache from one pass to the next */
    double iops;            /* int8 GEMMs' integer operations (w8a8, 2 per MAC); last, so that
                             * initialisers of the fields above stay valid */
} beex_class_work;

/* One example of T tokens (clipped as cost.h clips) through every block. The weights a group
 * of examples shares are left out (table_bytes of GEMM, LayerNorm and exit-head parameters
 * count once per group: see beex_cost_classes_batch); the embedding rows it gathers are in. */
void beex_cost_classes_example(const beex_config *cfg, beex_precision prec, int T,
                               beex_class_work out[BEEX_OP_CLASSES]);

/* A batch of n examples (lens[i] tokens) through every block, grouped as the engine groups
 * rows (consecutive examples of at most group_rows rows, or one example): each block's
 * parameters are read once per group. */
void beex_cost_classes_batch(const beex_config *cfg, beex_precision prec, const int *lens, int n,
                             int group_rows, beex_class_work out[BEEX_OP_CLASSES]);

/* The rows per group the engine uses for cfg (harness/model/engine_internal.h). */
int beex_engine_group_rows(const beex_config *cfg);

#endif
