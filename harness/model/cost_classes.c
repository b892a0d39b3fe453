/* Per-class work of the forward pass (see cost_classes.h). The FLOP and BOP terms are cost.c's
 * own, regrouped by the operation that does them; the bytes are the least each operation
 * moves: its inputs read once and its outputs written once, in fp32 (4 bytes) unless
 * packed. */
#include "harness/model/cost_classes.h"

#include <math.h>
#include <string.h>

#include "harness/model/engine_internal.h"

static double packed_bytes(double n)
{
    return ceil(n / 8.0);
}

/* cost.c's sign packing of T rows of `in` values with one beta per row. */
static double pack_flops(double T, double in, int centred)
{
    return T * (in * (centred ? 2.0 : 1.0) + 1.0);
}

/* cost.c's preparation of one input: packing in w1a1, quantizing (T*in) in w8a8. */
static double input_flops(beex_precision prec, double T, double in, int centred)
{
    return prec == BEEX_PREC_W1A1   ? pack_flops(T, in, centred)
           : prec == BEEX_PREC_W8A8 ? T * in
                                    : 0;
}

/* Bytes of one prepared input row of n values: packed signs and a beta (w1a1), int8 (w8a8),
 * or the fp32 row itself. */
static double input_row_bytes(beex_precision prec, double n)
{
    return prec == BEEX_PREC_W1A1 ? packed_bytes(n) + 4.0 : prec == BEEX_PREC_W8A8 ? n : 4.0 * n;
}
/* One product's FLOPs and BOPs as cost.c counts a BL layer of in -> out on T rows. */
static void product_work(beex_precision prec, double T, double in, double out, beex_class_work *w)
{
    if (prec == BEEX_PREC_FP32) {
        w->flops += 2.0 * T * in * out;
    } else if (prec == BEEX_PREC_W1A32) {
        w->flops += T * in * out + T * out;
        w->lane_adds += T * in * out;
    } else if (prec == BEEX_PREC_W8A8) {
        w->flops += 2.0 * T * out;
        w->iops += 2.0 * T * in * out;
    } else {
        w->flops += 3.0 * T * out;
        w->bops += T * in * out;
    }
}

/* A product's activations: its input rows (packed signs and a beta each in w1a1, int8 in
 * w8a8) and output. */
static double product_act(beex_precision prec, double T, double in, double out)
{
    return T * input_row_bytes(prec, in) + 4.0 * T * out;
}

/* A layer's parameters: fp32 weights, or signs and alpha, or int8 rows and their scale; the
 * bias. */
static double layer_bytes(beex_precision prec, double in, double out)
{
    double w = prec == BEEX_PREC_FP32   ? 4.0 * in * out
               : prec == BEEX_PREC_W8A8 ? out * in + 4.0 * out
                                        : out * packed_bytes(in) + 4.0 * out;
    return w + 4.0 * out;
}

/* The parameters every group reads once per block: the fused layers Q|K|V, O, BL_1|BL_3,
 * BL_2, BL_4. */
static double block_layer_bytes(const beex_config *c, beex_precision prec)
{
    double d = c->d, ff = c->dff;
    return layer_bytes(prec, d, 3.0 * d) + layer_bytes(prec, d, d) +
           layer_bytes(prec, d, 2.0 * ff) + 2.0 * layer_bytes(prec, ff, d);
}

static double embed_row_bytes(const beex_config *c, beex_precision prec)
{
    return prec == BEEX_PREC_FP32   ? 4.0 * c->d
           : prec == BEEX_PREC_W8A8 ? (double)c->d + 4.0
                                    : packed_bytes(c->d) + 4.0;
}

static int clip_tokens(const beex_config *cfg, int T)
{
    return T < 1 ? 1 : T > cfg->max_len ? cfg->max_len : T;
}

/* One block on one example of T tokens, added into out (parameters shared by a group left
 * out). */
static void block_example(const beex_config *c, beex_precision prec, double T, beex_class_work *out)
{
    double d = c->d, ff = c->dff, h = c->heads, C = c->classes;
    int quant = prec == BEEX_PREC_W1A1 || prec == BEEX_PREC_W8A8;
    beex_class_work *g = &out[BEEX_OP_GEMM];
    for (int l = 0; l < 4; l++) /* Q, K, V, O: one fused product and one more */
        product_work(prec, T, d, d, g);
    product_work(prec, T, d, ff, g);
    product_work(prec, T, d, ff, g);
    product_work(prec, T, ff, d, g);
    product_work(prec, T, ff, d, g);
    g->act_bytes += product_act(prec, T, d, 3.0 * d) + product_act(prec, T, d, d) +
                    product_act(prec, T, d, 2.0 * ff) + 2.0 * product_act(prec, T, ff, d);
    if (quant) { /* x for Q|K|V, concat(O_h) for BL_o, y for BL_1|BL_3 */
        out[BEEX_OP_PACK].flops += 3.0 * input_flops(prec, T, d, 0);
        out[BEEX_OP_PACK].act_bytes += 3.0 * (4.0 * T * d + T * input_row_bytes(prec, d));
    }
    /* Attention: Q K^T and P V are 2 T^2 d FLOPs each; K_h is transposed through scratch. */
    out[BEEX_OP_SCORES].flops += 2.0 * T * T * d;
    out[BEEX_OP_SCORES].act_bytes += 4.0 * (4.0 * T * d + h * T * T);
    out[BEEX_OP_SOFTMAX].flops += h * T * (6.0 * T + 1.0);
    out[BEEX_OP_SOFTMAX].act_bytes += 2.0 * 4.0 * h * T * T;
    out[BEEX_OP_AV].flops += 2.0 * T * T * d;
    out[BEEX_OP_AV].act_bytes += 4.0 * (h * T * T + 2.0 * T * d);
    /* Two LayerNorms, the first with the attention's residual add. */
    out[BEEX_OP_LAYERNORM].flops += 2.0 * T * (8.0 * d + 5.0) + T * d;
    out[BEEX_OP_LAYERNORM].act_bytes += 4.0 * 5.0 * T * d;
    /* Gates (w1a1: their outputs packed, g centred at 0.5; w8a8: quantized), then
     * s = BL_2(g) * BL_4(u) + y. */
    beex_class_work *s = &out[BEEX_OP_SLFN];
    s->flops += 4.0 * T * ff + 2.0 * T * d;
    s->act_bytes += 4.0 * 2.0 * T * ff + 4.0 * 4.0 * T * d;
    if (quant) {
        s->flops += input_flops(prec, T, ff, 1) + input_flops(prec, T, ff, 0);
        s->act_bytes += 2.0 * T * input_row_bytes(prec, ff);
    }
    if (prec != BEEX_PREC_W1A1)
        s->act_bytes += 4.0 * 2.0 * T * ff; /* written back in place (w8a8: then quantized) */
    /* Exit head: mean pooling, C logits, the entropy; its weights read per example. */
    beex_class_work *x = &out[BEEX_OP_EXIT];
    x->flops += T * d + d + 1.0 + 2.0 * C * d + 6.0 * C + 2.0;
    x->act_bytes += 4.0 * T * d;
    x->table_bytes += 4.0 * (C * d + C);
}

static void set_footprints(const beex_config *c, beex_precision prec, beex_class_work *out)
{
    double N = c->blocks;
    out[BEEX_OP_GEMM].table_footprint = N * block_layer_bytes(c, prec);
    out[BEEX_OP_LAYERNORM].table_footprint = N * 4.0 * 4.0 * c->d;
    out[BEEX_OP_EXIT].table_footprint = N * 4.0 * ((double)c->classes * c->d + c->classes);
    out[BEEX_OP_EMBED].table_footprint =
        (double)c->vocab * embed_row_bytes(c, prec) + 4.0 * (double)c->max_len * c->d;
}

void beex_cost_classes_example(const beex_config *cfg, beex_precision prec, int tokens,
                               beex_class_work out[BEEX_OP_CLASSES])
{
    memset(out, 0, BEEX_OP_CLASSES * sizeof *out);
    double T = clip_tokens(cfg, tokens), d = cfg->d;
    for (int b = 0; b < cfg->blocks; b++)
        block_example(cfg, prec, T, out);
    /* Embedding: the gathered token rows plus the position rows, one row written per token. */
    beex_class_work *e = &out[BEEX_OP_EMBED];
    e->flops = T * d * (prec == BEEX_PREC_FP32 ? 1.0 : 2.0);
    e->act_bytes = 4.0 * T * d;
    e->table_bytes = T * (embed_row_bytes(cfg, prec) + 4.0 * d);
    set_footprints(cfg, prec, out);
}

void beex_cost_classes_batch(const beex_config *cfg, beex_precision prec, const int *lens, int n,
                             int group_rows, beex_class_work out[BEEX_OP_CLASSES])
{
    memset(out, 0, BEEX_OP_CLASSES * sizeof *out);
    beex_class_work one[BEEX_OP_CLASSES];
    for (int i = 0; i < n; i++) {
        beex_cost_classes_example(cfg, prec, lens[i], one);
        for (int c = 0; c < BEEX_OP_CLASSES; c++) {
            out[c].flops += one[c].flops;
            out[c].bops += one[c].bops;
            out[c].iops += one[c].iops;
            out[c].lane_adds += one[c].lane_adds;
            out[c].act_bytes += one[c].act_bytes;
            out[c].table_bytes += one[c].table_bytes;
        }
    }
    /* The engine's groups: consecutive examples while they fit group_rows, at least one. */
    int groups = 0;
    for (int i = 0; i < n; groups++) {
        int j = i, rows = 0;
        while (j < n && (j == i || rows + clip_tokens(cfg, lens[j]) <= group_rows))
            rows += clip_tokens(cfg, lens[j++]);
        i = j;
    }
    double N = cfg->blocks;
    out[BEEX_OP_GEMM].table_bytes += groups * N * block_layer_bytes(cfg, prec);
    out[BEEX_OP_LAYERNORM].table_bytes += groups * N * 4.0 * 4.0 * cfg->d;
    set_footprints(cfg, prec, out);
}

int beex_engine_group_rows(const beex_config *cfg)
{
    return BEEX_FWD_GROUP_ROWS > cfg->max_len ? BEEX_FWD_GROUP_ROWS : cfg->max_len;
}
