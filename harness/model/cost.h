/* Analytic cost per example (MODEL.md section 7): FLOPs (a multiply-accumulate is 2), BOPs
 * (binary multiply-accumulates of XNOR-popcount GEMMs) and OPs = FLOPs + BOPs / 64, over
 * the blocks and exit heads actually executed. */
#ifndef BEEX_MODEL_COST_H
#define BEEX_MODEL_COST_H

#include "harness/model/model.h"

#define BEEX_BOPS_DIVISOR 64.0

typedef struct {
    double flops, bops, ops;
} beex_cost;

/* Cost of the embedding plus blocks 1..exit_block with their exit heads, for T tokens. */
beex_cost beex_cost_until(const beex_config *cfg, beex_precision prec, int T, int exit_block);
/* Cost of block i alone (1-based), including its exit head. */
beex_cost beex_cost_block(const beex_config *cfg, beex_precision prec, int T);

#endif
