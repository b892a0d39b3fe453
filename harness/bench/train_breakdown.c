/* The training breakdown's arithmetic and its table (see train_breakdown.h). Each floor is
 * op_floor.c's, fed the class's work in its terms:
 *   products (forward and backward GEMMs, attention): their FLOPs as counted at the call
 *     sites, at the FMA rate of the ISA the fp32 products run on (training multiplies in fp32
 *     in every precision: the latent weights, and w1a1's +-1 signs, are floats);
 *   per-parameter passes (effective weights, zeroing, surrogate + clip, Adam): the bytes they
 *     must move (tprofile.c) as a table read once, from DRAM when its working set exceeds the
 *     last-level cache, else from cache;
 *   the rest of the forward and backward passes: no floor ("-"); their elementwise work has no
 *     count of bytes or FLOPs in the trainer to set one honestly. */
#include "harness/bench/train_breakdown.h"

#include <math.h>
#include <string.h>

/* The floor of class c: products through op_floor's fp32-product classes, passes as a table
 * read (an op class whose FLOPs, here none, run at the engine variant's rate). */
static beex_op_floor class_floor(beex_tp_class c, double flops, const beex_config *cfg,
                                 beex_precision prec, const beex_floor_bounds *b)
{
    beex_class_work w;
    memset(&w, 0, sizeof w);
    switch (c) {
    case BEEX_TP_FWD_GEMM:
    case BEEX_TP_BWD_GEMM:
        w.flops = flops;
        return beex_op_floor_of(BEEX_OP_GEMM, BEEX_PREC_FP32, &w, b);
    case BEEX_TP_FWD_ATTN:
    case BEEX_TP_BWD_ATTN:
        w.flops = flops;
        return beex_op_floor_of(BEEX_OP_SCORES, BEEX_PREC_FP32, &w, b);
    default:
        beex_tprof_pass_bytes(cfg, prec, c, &w.table_bytes, &w.table_footprint);
        return beex_op_floor_of(BEEX_OP_EMBED, prec, &w, b);
    }
}

void beex_train_breakdown_make(const beex_tprofile *prof, const beex_config *cfg,
                               beex_precision prec, const beex_floor_bounds *b,
                               double unprofiled_step_seconds, beex_train_breakdown *out)
{
    memset(out, 0, sizeof *out);
    out->steps = (int)prof->steps;
    double per = prof->steps > 0 ? 1.0 / (double)prof->steps : 0.0;
    for (int c = 0; c < BEEX_TP_CLASSES; c++) {
        out->ms[c] = prof->seconds[c] * per * 1e3;
        out->classes_ms += out->ms[c];
        out->gflop[c] = prof->flops[c] * per * 1e-9;
        beex_op_floor f = class_floor((beex_tp_class)c, prof->flops[c] * per, cfg, prec, b);
        out->floor_ms[c] = f.seconds * 1e3;
        out->bound[c] = f.bound;
        out->floor_ms_total += out->floor_ms[c]; /* NaN when a bound is missing: said so */
    }
    out->profiled_ms = prof->total_seconds * per * 1e3;
    out->ms[BEEX_TBD_OTHER] = out->profiled_ms - out->classes_ms;
    out->unprofiled_ms = unprofiled_step_seconds * 1e3;
    out->efficiency = out->unprofiled_ms > 0.0 ? out->floor_ms_total / out->unprofiled_ms : NAN;
}

const char *beex_train_breakdown_label(int c)
{
    static const char *const names[] = {
        "effective wts", "zero grads", "fwd GEMMs",      "fwd attention", "fwd other", "bwd GEMMs",
        "bwd attention", "bwd other",  "surrogate+clip", "Adam",          "other"};
    return c >= 0 && c <= BEEX_TBD_OTHER ? names[c] : "?";
}

void beex_train_breakdown_print(FILE *f, const beex_train_breakdown *bd)
{
    const char *labels[BEEX_TP_CLASSES];
    for (int c = 0; c < BEEX_TP_CLASSES; c++)
        labels[c] = beex_train_breakdown_label(c);
    beex_breakdown_table t = {BEEX_TP_CLASSES, labels,         bd->ms,
                              bd->floor_ms,    bd->bound,      bd->ms[BEEX_TBD_OTHER],
                              bd->profiled_ms, bd->classes_ms, bd->unprofiled_ms,
                              bd->steps,       "step"};
    beex_breakdown_table_print(f, &t);
    fprintf(f,
            "  floors %.4f ms (classes with a floor): efficiency (floors / unprofiled median) "
            "%.3f; products %.3f GFLOP a step\n",
            bd->floor_ms_total, bd->efficiency,
            bd->gflop[BEEX_TP_FWD_GEMM] + bd->gflop[BEEX_TP_FWD_ATTN] +
                bd->gflop[BEEX_TP_BWD_GEMM] + bd->gflop[BEEX_TP_BWD_ATTN]);
}
