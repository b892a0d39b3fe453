/* The training step's profile (see tprofile.h): the clock hooks and what each per-parameter
 * pass of the step moves. */
#include "harness/train/tprofile.h"

#include <omp.h>

#include "harness/base/timing.h"
#include "harness/train/tparams.h"

const char *beex_tp_class_name(beex_tp_class c)
{
    static const char *const names[] = {"effective", "zero",     "fwd_gemm", "fwd_attn",
                                        "fwd_other", "bwd_gemm", "bwd_attn", "bwd_other",
                                        "surrogate", "adam"};
    return (int)c >= 0 && c < BEEX_TP_CLASSES ? names[c] : "?";
}

double beex_tprof_clock(void)
{
    return omp_get_thread_num() == 0 ? beex_now_seconds() : 0.0;
}

void beex_tprof_add(beex_tprofile *p, beex_tp_class c, double t0, double flops)
{
    if (omp_get_thread_num() != 0)
        return;
    p->seconds[c] += beex_now_seconds() - t0;
    p->flops[c] += flops;
}

void beex_tprof_pass_bytes(const beex_config *cfg, beex_precision prec, beex_tp_class c,
                           double *bytes, double *working_set)
{
    double n = (double)beex_tparams_count(cfg), f = 4.0; /* bytes per float */
    double d = cfg->d, dff = cfg->dff, tok = (double)cfg->vocab * d;
    /* The binarized linear layers: Q, K, V, O (d x d), W1, W3 (dff x d), W2, W4 (d x dff). */
    double lin = cfg->blocks * (4.0 * d * d + 4.0 * d * dff),
           rows = cfg->blocks * (6.0 * d + 2.0 * dff);
    int bin = prec != BEEX_PREC_FP32;
    *bytes = *working_set = 0.0;
    switch (c) {
    case BEEX_TP_ZERO: /* every gradient written */
        *bytes = *working_set = n * f;
        break;
    case BEEX_TP_EFFECTIVE:
        /* token rows read for gamma (written per row); each latent weight read, wb written,
         * and wbt (fp32, w1a32) or the signs sbt (w1a1) written; alpha (and w1a1's sign sums)
         * per row. A second read of W or wb finds it in cache and is not counted. */
        *bytes = (tok + cfg->vocab) * f + 3.0 * lin * f +
                 rows * f * (prec == BEEX_PREC_W1A1 ? 2.0 : 1.0);
        *working_set = (tok + cfg->vocab + 3.0 * lin) * f;
        break;
    case BEEX_TP_SURROGATE:
        /* binarized: parameter read, gradient read and written for the token table and the
         * linear weights (plus gamma and alpha); then clipping reads and writes the same
         * weights (the token table too when binarized). The working set is the surrogate's,
         * the larger of the two passes. */
        if (bin) {
            *bytes = 3.0 * (tok + lin) * f + (cfg->vocab + rows) * f + 2.0 * (tok + lin) * f;
            *working_set = 2.0 * (tok + lin) * f;
        } else {
            *bytes = 2.0 * lin * f;
            *working_set = lin * f;
        }
        break;
    case BEEX_TP_ADAM: /* theta, m, v read and written, the gradient read */
        *bytes = 7.0 * n * f;
        *working_set = 4.0 * n * f;
        break;
    default:
        break;
    }
}
