/* The step: one workspace for the whole batch (harness/train/tnet.c), gradients written once
 * per element in an order independent of the thread count, then the dense per-step work
 * (effective weights, surrogate, Adam, clipping) elementwise over the team. */
#include "harness/train/tstep.h"

#include <stdlib.h>
#include <string.h>

#include "harness/base/timing.h"
#include "harness/train/tnet.h"

int beex_tstep_init(beex_tstep *s, const beex_config *cfg, double lr, int nthreads)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->nthreads = nthreads > 0 ? nthreads : 1;
    if (beex_tparams_init(&s->p, cfg, NULL) != 0 || beex_tparams_init(&s->grad, cfg, NULL) != 0 ||
        beex_teff_init(&s->eff, cfg) != 0 || beex_adam_init(&s->adam, s->p.n, lr) != 0)
        return -1;
    s->ws = beex_tws_new(cfg, s->nthreads);
    return s->ws != NULL ? 0 : -1;
}

void beex_tstep_free(beex_tstep *s)
{
    beex_tparams_free(&s->p);
    beex_tparams_free(&s->grad);
    beex_tws_free(s->ws);
    free(s->logits);
    beex_teff_free(&s->eff);
    beex_adam_free(&s->adam);
    memset(s, 0, sizeof *s);
}

void beex_tstep_set_profile(beex_tstep *s, beex_tprofile *p)
{
    s->prof = p;
    beex_tws_set_profile(s->ws, p);
}

/* A pass's rest: its wall time since t0 less what its inner classes a and b took meanwhile
 * (inner0: their seconds before it), so that the classes never count a second twice. */
static void add_rest(beex_tprofile *p, beex_tp_class rest, beex_tp_class a, beex_tp_class b,
                     double t0, double inner0)
{
    if (p == NULL)
        return;
    beex_tprof_add(p, rest, t0, 0.0);
    p->seconds[rest] -= p->seconds[a] + p->seconds[b] - inner0;
}

int beex_tstep_run(beex_tstep *s, const beex_tbatch *b, beex_precision prec, float dropout,
                   const float *lw, double lr, int freeze_embed, double *loss, int *right)
{
    beex_tobjective o = beex_tobjective_weighted(lw);
    return beex_tstep_run_obj(s, b, prec, dropout, &o, lr, freeze_embed, loss, right);
}

int beex_tstep_run_obj(beex_tstep *s, const beex_tbatch *b, beex_precision prec, float dropout,
                       const beex_tobjective *obj, double lr, int freeze_embed, double *loss,
                       int *right)
{
    const beex_config *cfg = &s->cfg;
    int bn = b->n, BC = cfg->blocks * cfg->classes;
    /* Profiling (s->prof): every timed part is a parallel region or a call holding one, run
     * from this thread, so its clock reads the parts' wall times. */
    beex_tprofile *pf = s->prof;
    double t_step = beex_tprof_start(pf);
    if (bn > s->logits_cap) {
        free(s->logits);
        s->logits = malloc((size_t)bn * (size_t)BC * sizeof *s->logits);
        s->logits_cap = s->logits != NULL ? bn : 0;
        if (s->logits == NULL)
            return -1;
    }
    double t = beex_tprof_start(pf);
    beex_teff_update(&s->eff, &s->p, prec, 0);
    beex_tprof_stop(pf, BEEX_TP_EFFECTIVE, t, 0.0);
    long n = (long)s->grad.n;
    float *gbase = s->grad.base;
    t = beex_tprof_start(pf);
#pragma omp parallel for schedule(static) num_threads(s->nthreads)
    for (long i = 0; i < n; i++)
        gbase[i] = 0.0f;
    beex_tprof_stop(pf, BEEX_TP_ZERO, t, 0.0);
    t = beex_tprof_start(pf);
    double inner0 = pf != NULL ? pf->seconds[BEEX_TP_FWD_GEMM] + pf->seconds[BEEX_TP_FWD_ATTN] : 0;
    if (beex_tnet_forward_batch(s->ws, &s->p, &s->eff, prec, bn, b->ids, b->len, dropout, b->seeds,
                                0, s->logits) != 0)
        return -1;
    add_rest(pf, BEEX_TP_FWD_OTHER, BEEX_TP_FWD_GEMM, BEEX_TP_FWD_ATTN, t, inner0);
    t = beex_tprof_start(pf);
    inner0 = pf != NULL ? pf->seconds[BEEX_TP_BWD_GEMM] + pf->seconds[BEEX_TP_BWD_ATTN] : 0;
    beex_tnet_backward_batch_obj(s->ws, &s->p, &s->eff, b->label, obj, 1.0f / (float)bn, &s->grad,
                                 loss);
    add_rest(pf, BEEX_TP_BWD_OTHER, BEEX_TP_BWD_GEMM, BEEX_TP_BWD_ATTN, t, inner0);
    for (int j = 0; j < bn; j++) {
        const float *z = s->logits + (size_t)j * BC + (size_t)(cfg->blocks - 1) * cfg->classes;
        int best = 0;
        for (int k = 1; k < cfg->classes; k++)
            if (z[k] > z[best])
                best = k;
        right[j] = best == b->label[j];
    }
    t = beex_tprof_start(pf);
    beex_teff_surrogate_grads(&s->eff, &s->p, &s->grad);
    beex_tprof_stop(pf, BEEX_TP_SURROGATE, t, 0.0);
    if (freeze_embed) /* zero gradient and zero moments: Adam leaves the rows */
        memset(s->grad.tok, 0, (size_t)cfg->vocab * (size_t)cfg->d * sizeof(float));
    s->adam.lr = lr;
    t = beex_tprof_start(pf);
    beex_adam_step(&s->adam, s->p.base, s->grad.base);
    beex_tprof_stop(pf, BEEX_TP_ADAM, t, 0.0);
    t = beex_tprof_start(pf);
    beex_tparams_clip(&s->p, prec == BEEX_PREC_W1A32 || prec == BEEX_PREC_W1A1);
    beex_tprof_stop(pf, BEEX_TP_SURROGATE, t, 0.0);
    if (pf != NULL) {
        pf->total_seconds += beex_now_seconds() - t_step;
        pf->steps++;
    }
    return 0;
}

double beex_tstep_flops(const beex_config *c, int T)
{
    double d = c->d, f = c->dff, t = T;
    double linear = 2.0 * t * (4.0 * d * d + 4.0 * d * f);
    double attention = 2.0 * 2.0 * t * t * d; /* Q K^T and P V over all heads */
    double head = 2.0 * d * c->classes;
    return 3.0 * c->blocks * (linear + attention + head);
}
