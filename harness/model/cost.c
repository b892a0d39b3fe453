/* Analytic per-example cost (docs/model.md section 7). Pure functions of the configuration, the
 * precision and the token count, so the engine and the offline sweep count identically.
 * The counting conventions (which operation counts how many FLOPs) are stated in cost.h. */
#include "harness/model/cost.h"

static beex_cost cost_of3(double flops, double iops, double bops)
{
    beex_cost r = {flops, bops, beex_cost_ops(flops, iops, bops), iops};
    return r;
}

static beex_cost cost_add(beex_cost a, beex_cost b)
{
    return cost_of3(a.flops + b.flops, a.iops + b.iops, a.bops + b.bops);
}

static beex_cost cost_of(double flops, double bops)
{
    return cost_of3(flops, 0.0, bops);
}

/* Sign packing of T rows of `in` values with one beta per row (w1a1 only). */
static double pack_flops(double T, double in, int centred)
{
    return T * (in * (centred ? 2.0 : 1.0) + 1.0);
}

/* Quantizing T rows of `in` values to int8 (w8a8 only): a multiply by 1/sx each. */
static double quantize_flops(double T, double in)
{
    return T * in;
}

/* The FLOPs of preparing one input of `in` values on T rows for a layer: packing in w1a1,
 * quantizing in w8a8, nothing otherwise. */
static double input_flops(beex_precision prec, double T, double in, int centred)
{
    return prec == BEEX_PREC_W1A1   ? pack_flops(T, in, centred)
           : prec == BEEX_PREC_W8A8 ? quantize_flops(T, in)
                                    : 0.0;
}

/* One BL layer's product and output transform (packing is counted where it happens, since
 * layers sharing an input share one packing). */
static beex_cost linear_cost(beex_precision prec, double T, double in, double out)
{
    switch (prec) {
    case BEEX_PREC_FP32:
        return cost_of(2.0 * T * in * out, 0.0);
    case BEEX_PREC_W1A32:
        return cost_of(T * in * out + T * out, 0.0);
    case BEEX_PREC_W8A8:
        return cost_of3(2.0 * T * out, 2.0 * T * in * out, 0.0);
    case BEEX_PREC_W1A1:
    default:
        return cost_of(3.0 * T * out, T * in * out);
    }
}

static int clip_tokens(const beex_config *cfg, int T)
{
    if (T < 1)
        return 1;
    return T > cfg->max_len ? cfg->max_len : T;
}

beex_cost beex_cost_block(const beex_config *cfg, beex_precision prec, int tokens)
{
    double T = clip_tokens(cfg, tokens);
    double d = cfg->d, dff = cfg->dff, h = cfg->heads, C = cfg->classes;
    beex_cost c = cost_of(0.0, 0.0);

    /* Multi-head attention: Q, K, V, O projections; Q K^T and P V in fp32; scaled softmax. */
    for (int l = 0; l < 4; l++)
        c = cost_add(c, linear_cost(prec, T, d, d));
    double attn = 4.0 * T * T * d + h * T * (6.0 * T + 1.0);
    attn += input_flops(prec, T, d, 0) * 2.0; /* x for Q/K/V, concat(O_h) for BL_o */
    c = cost_add(c, cost_of(attn, 0.0));

    /* Residuals and the two post-LayerNorms. */
    double rest = 2.0 * T * d + 2.0 * T * (8.0 * d + 5.0);

    /* SLFN: BL_1, BL_3 (d -> dff), gates, BL_2, BL_4 (dff -> d), product. */
    c = cost_add(c, linear_cost(prec, T, d, dff));
    c = cost_add(c, linear_cost(prec, T, d, dff));
    c = cost_add(c, linear_cost(prec, T, dff, d));
    c = cost_add(c, linear_cost(prec, T, dff, d));
    rest += T * dff * 4.0; /* sigmoid 3 + tanh 1 per hidden unit */
    rest += T * d;         /* the elementwise product */
    /* y for BL_1/BL_3, g (centred in w1a1) for BL_2, u for BL_4 */
    rest +=
        input_flops(prec, T, d, 0) + input_flops(prec, T, dff, 1) + input_flops(prec, T, dff, 0);

    /* Mean pooling, exit head, softmax entropy. */
    rest += T * d + d + 1.0;
    rest += 2.0 * C * d + 6.0 * C + 2.0;
    return cost_add(c, cost_of(rest, 0.0));
}

beex_cost beex_cost_until(const beex_config *cfg, beex_precision prec, int tokens, int exit_block)
{
    double T = clip_tokens(cfg, tokens);
    int blocks = exit_block < 1 ? 1 : (exit_block > cfg->blocks ? cfg->blocks : exit_block);
    /* Embedding: gather free; binarized rows need gamma_v * sign, int8 rows se_v * q; the
     * positional add. */
    double emb = T * cfg->d * (prec == BEEX_PREC_FP32 ? 1.0 : 2.0);
    beex_cost one = beex_cost_block(cfg, prec, tokens);
    return cost_of3(emb + blocks * one.flops, blocks * one.iops, blocks * one.bops);
}
