/* Where a training step spends its time (`beex bench train --breakdown`, docs/benchmarks.md):
 * wall seconds per class of operation and the FLOPs of the products, counted at their call
 * sites, accumulated over every step run while a profile is set (beex_tstep_set_profile).
 * Profiling only reads clocks: the step's results are the same bits with it on or off. */
#ifndef BEEX_TRAIN_TPROFILE_H
#define BEEX_TRAIN_TPROFILE_H

#include <stddef.h>

#include "harness/model/model.h"

/* The classes, in the order the step runs them. */
typedef enum {
    BEEX_TP_EFFECTIVE = 0, /* effective weights from the latent ones (signs, scales, transposes) */
    BEEX_TP_ZERO,          /* zeroing the gradients */
    BEEX_TP_FWD_GEMM,      /* forward products of the linear layers (tnet.c's beex_tg_forward) */
    BEEX_TP_FWD_ATTN,      /* forward attention per example and head: Q K^T, softmax, P V */
    BEEX_TP_FWD_OTHER,     /* the rest of the forward call: embedding and dropout masks,
                            * binarizing, w1a1's rescaling, residuals, layer norm, gates, exits */
    BEEX_TP_BWD_GEMM,      /* backward products: weight gradients (with bias sums) and data */
    BEEX_TP_BWD_ATTN,      /* backward attention per example and head */
    BEEX_TP_BWD_OTHER,     /* the rest of the backward call: exit heads and losses, layer norm,
                            * gates, activation surrogates, residuals, embedding gradients */
    BEEX_TP_SURROGATE,     /* latent gradients through ApproxSign, and clipping after Adam */
    BEEX_TP_ADAM,          /* the Adam update */
    BEEX_TP_CLASSES
} beex_tp_class;

typedef struct {
    double seconds[BEEX_TP_CLASSES];
    double flops[BEEX_TP_CLASSES]; /* products only: 2 per multiply-add, at the call sites */
    double total_seconds;          /* wall time of the profiled steps, whole: the rest of it is
                                    * "other" (the step's set-up, predictions, forks, joins) */
    long steps;
} beex_tprofile;

/* A short name for tables and JSON keys: "effective", "zero", "fwd_gemm", "fwd_attn",
 * "fwd_other", "bwd_gemm", "bwd_attn", "bwd_other", "surrogate", "adam". */
const char *beex_tp_class_name(beex_tp_class c);

/* The hooks: beex_tprof_start before an operation, beex_tprof_stop after the barrier that ends
 * it. Off (p NULL) each is one predictable branch and no timer call. Only thread 0 of a team
 * (or the calling thread outside one) reads the clock: every thread of the trainer's regions
 * runs the same work-shared loops between the same barriers, so its time is the operation's
 * wall time; around a whole parallel region the calling thread's time is exact too. */
double beex_tprof_clock(void);
void beex_tprof_add(beex_tprofile *p, beex_tp_class c, double t0, double flops);
static inline double beex_tprof_start(const beex_tprofile *p)
{
    return p != NULL ? beex_tprof_clock() : 0.0;
}
static inline void beex_tprof_stop(beex_tprofile *p, beex_tp_class c, double t0, double flops)
{
    if (p != NULL)
        beex_tprof_add(p, c, t0, flops);
}

/* The least bytes a per-parameter pass of class c must move in one step of precision prec
 * (each array it reads read once, each it writes written once), and its working set, for the
 * memory floors of `bench train --breakdown`; 0 and 0 for the classes that are not such a
 * pass (the forward and backward passes). Adam reads parameter, gradient and both moments and
 * writes all but the gradient: 28 bytes a parameter, 16 of working set. */
void beex_tprof_pass_bytes(const beex_config *cfg, beex_precision prec, beex_tp_class c,
                           double *bytes, double *working_set);

#endif
