/* The step: every thread sums its examples' gradients in order into its own buffer and the
 * buffers are added in thread order, elementwise. */
#include "harness/train/tstep.h"

#include <omp.h>
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
    s->tgrad = calloc((size_t)s->nthreads, sizeof *s->tgrad);
    s->ws = calloc((size_t)s->nthreads, sizeof *s->ws);
    if (s->tgrad == NULL || s->ws == NULL)
        return -1;
    for (int t = 0; t < s->nthreads; t++)
        if (beex_tparams_init(&s->tgrad[t], cfg, NULL) != 0 ||
            (s->ws[t] = beex_tws_new(cfg)) == NULL)
            return -1;
    return 0;
}

void beex_tstep_free(beex_tstep *s)
{
    beex_tparams_free(&s->p);
    beex_tparams_free(&s->grad);
    if (s->tgrad != NULL)
        for (int t = 0; t < s->nthreads; t++)
            beex_tparams_free(&s->tgrad[t]);
    free(s->tgrad);
    if (s->ws != NULL)
        for (int t = 0; t < s->nthreads; t++)
            beex_tws_free(s->ws[t]);
    free(s->ws);
    beex_teff_free(&s->eff);
    beex_adam_free(&s->adam);
    memset(s, 0, sizeof *s);
}

static void reduce_grads(beex_tstep *s, float scale)
{
    long n = (long)s->p.n;
    int nt = s->nthreads;
    float *out = s->grad.base;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (long i = 0; i < n; i++) {
        float v = 0.0f;
        for (int t = 0; t < nt; t++) {
            v += s->tgrad[t].base[i];
            s->tgrad[t].base[i] = 0.0f;
        }
        out[i] = v * scale;
    }
}

int beex_tstep_run(beex_tstep *s, const beex_tbatch *b, beex_precision prec, float dropout,
                   const float *lw, double lr, int freeze_embed, double *loss, int *right)
{
    const beex_config *cfg = &s->cfg;
    beex_teff_update(&s->eff, &s->p, prec, 0);
    int bn = b->n;
#pragma omp parallel num_threads(s->nthreads)
    {
        int tid = omp_get_thread_num();
        float logits[64 * 64];
        float *lg =
            cfg->blocks * cfg->classes <= (int)(sizeof logits / sizeof logits[0]) ? logits : NULL;
#pragma omp for schedule(static)
        for (int j = 0; j < bn; j++) {
            beex_tnet_forward(s->ws[tid], &s->p, &s->eff, prec, b->ids[j], b->len[j], dropout,
                              b->seeds[j], 0, lg);
            int y = b->label[j];
            loss[j] = beex_tnet_backward(s->ws[tid], &s->p, &s->eff, y, lw, &s->tgrad[tid]);
            right[j] = 0;
            if (lg != NULL) {
                const float *z = lg + (size_t)(cfg->blocks - 1) * cfg->classes;
                int best = 0;
                for (int k = 1; k < cfg->classes; k++)
                    if (z[k] > z[best])
                        best = k;
                right[j] = best == y;
            }
        }
    }
    reduce_grads(s, 1.0f / (float)bn);
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
