/* The step: one workspace for the whole batch (harness/train/tnet.c), gradients written once
 * per element in an order independent of the thread count, then the dense per-step work
 * (effective weights, surrogate, Adam, clipping) elementwise over the team. */
#include "harness/train/tstep.h"

#include <stdlib.h>
#include <string.h>

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

int beex_tstep_run(beex_tstep *s, const beex_tbatch *b, beex_precision prec, float dropout,
                   const float *lw, double lr, int freeze_embed, double *loss, int *right)
{
    const beex_config *cfg = &s->cfg;
    int bn = b->n, BC = cfg->blocks * cfg->classes;
    if (bn > s->logits_cap) {
        free(s->logits);
        s->logits = malloc((size_t)bn * (size_t)BC * sizeof *s->logits);
        s->logits_cap = s->logits != NULL ? bn : 0;
        if (s->logits == NULL)
            return -1;
    }
    beex_teff_update(&s->eff, &s->p, prec, 0);
    long n = (long)s->grad.n;
    float *gbase = s->grad.base;
#pragma omp parallel for schedule(static) num_threads(s->nthreads)
    for (long i = 0; i < n; i++)
        gbase[i] = 0.0f;
    if (beex_tnet_forward_batch(s->ws, &s->p, &s->eff, prec, bn, b->ids, b->len, dropout, b->seeds,
                                0, s->logits) != 0)
        return -1;
    beex_tnet_backward_batch(s->ws, &s->p, &s->eff, b->label, lw, 1.0f / (float)bn, &s->grad, loss);
    for (int j = 0; j < bn; j++) {
        const float *z = s->logits + (size_t)j * BC + (size_t)(cfg->blocks - 1) * cfg->classes;
        int best = 0;
        for (int k = 1; k < cfg->classes; k++)
            if (z[k] > z[best])
                best = k;
        right[j] = best == b->label[j];
    }
    beex_teff_surrogate_grads(&s->eff, &s->p, &s->grad);
    if (freeze_embed) /* zero gradient and zero moments: Adam leaves the rows */
        memset(s->grad.tok, 0, (size_t)cfg->vocab * (size_t)cfg->d * sizeof(float));
    s->adam.lr = lr;
    beex_adam_step(&s->adam, s->p.base, s->grad.base);
    beex_tparams_clip(&s->p, prec != BEEX_PREC_FP32);
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
