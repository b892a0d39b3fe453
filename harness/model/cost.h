/* Analytic cost per example (docs/model.md section 7): FLOPs (a multiply-accumulate is 2), IOPs
 * (int8 multiply-accumulates of the w8a8 GEMMs, 2 each), BOPs (binary multiply-accumulates of
 * XNOR-popcount GEMMs) and OPs = FLOPs + IOPs + BOPs / 64, over the blocks and exit heads
 * actually executed. */
#ifndef BEEX_MODEL_COST_H
#define BEEX_MODEL_COST_H

#include "harness/model/model.h"

#define BEEX_BOPS_DIVISOR 64.0

/* Counting conventions (harness/model/cost.c), per example of T tokens (T clipped to
 * [1, max_len]); exp, tanh, log, sqrt and a divide count 1 FLOP each, a compare 1, integer
 * work 0:
 * - BL layer (in -> out): fp32 2*T*in*out (in multiplies + in adds, the bias add being the
 *   last add); w1a32 T*in*out sign-applied adds + T*out alpha multiplies; w1a1 T*in*out
 *   BOPs + 3*T*out FLOPs (scale_a*scale_w, times the dot, plus bias; the folded c-term is
 *   free at run time). w1a1 packing, once per shared input: T*(in + 1) (|x| sums, a divide
 *   per row), T*(2*in + 1) when centred (c != 0): x (Q/K/V), concat O_h (BL_o), y
 *   (BL_1/BL_3), g (c = 0.5), u. w8a8 2*T*in*out IOPs (a multiply and an add per int8 MAC,
 *   as an fp32 MAC counts 2 FLOPs) + 2*T*out FLOPs (the scale multiply and the bias add; the
 *   int -> float conversion is free); its input's quantize, once per shared input, T*in
 *   FLOPs (a multiply each; clamp and round are integer work).
 * - Attention (fp32 in every precision): 4*T*T*d for Q K^T and P V, plus per head and row a
 *   scaled softmax of 6*T + 1 (scale, max, subtract, exp, sum, normalise + 1 reciprocal).
 * - Two residual adds 2*T*d; two LayerNorms 2*T*(8*d + 5); SLFN gates 4 per hidden unit
 *   (sigmoid 3, tanh 1), product T*d.
 * - Mean pooling T*d + d + 1; exit head 2*C*d; its softmax entropy 6*C + 2.
 * - Embedding: the gather costs 0; the positional add T*d; binarized rows add T*d (gamma),
 *   int8 rows T*d (the row scale times the int8 value).
 */

typedef struct {
    double flops, bops, ops;
    double iops; /* after ops: initialisers written as {flops, bops, ops} stay valid */
} beex_cost;

/* OPs of a cost's parts: FLOPs + IOPs + BOPs / BEEX_BOPS_DIVISOR. */
static inline double beex_cost_ops(double flops, double iops, double bops)
{
    return flops + iops + bops / BEEX_BOPS_DIVISOR;
}

/* Cost of the embedding plus blocks 1..exit_block with their exit heads, for T tokens. */
beex_cost beex_cost_until(const beex_config *cfg, beex_precision prec, int T, int exit_block);
/* Cost of block i alone (1-based), including its exit head. */
beex_cost beex_cost_block(const beex_config *cfg, beex_precision prec, int T);

#endif
