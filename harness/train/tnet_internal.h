/* The training network's private state, shared by tnet.c (workspace, forward pass) and
 * tnet_backward.c (loss and backward pass): the per-block activation cache and the
 * workspace. */
#ifndef BEEX_TRAIN_TNET_INTERNAL_H
#define BEEX_TRAIN_TNET_INTERNAL_H

#include <omp.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/train/tnet.h"
#include "harness/train/tprofile.h"

enum { COLS = 16 }; /* column block of the parameter sums */

typedef struct {
    float *xe_in, *beta_in;     /* w1a1 input of q/k/v */
    float *q, *k, *v, *p;       /* p: per example heads x T x T attention probabilities */
    float *o, *oe, *beta_o;     /* concat heads, its w1a1 version */
    float *a, *mask_a;          /* attention output (before dropout), dropout scales */
    float *xhat1, *rstd1, *y;   /* LN1 */
    float *ye, *beta_y;         /* w1a1 input of w1/w3 */
    float *g, *u, *ge, *beta_g; /* SLFN gates and w1a1 inputs of w2 (c = 0.5) / w4 */
    float *ue, *beta_u;
    float *m2, *m4, *mask_s;
    float *xhat2, *rstd2, *xout; /* LN2 */
    float *pooled, *z;           /* n x d, n x classes */
} bcache;

struct beex_tws {
    beex_config cfg;
    int nthreads;
    beex_precision prec;
    int smooth;
    float dropout;
    int n, M;              /* examples and rows of the current batch */
    int cap_n, cap_M;      /* capacities of the buffers below */
    size_t cap_P;          /* attention probabilities, floats per block */
    int *len, *off, *tpos; /* per example length and first row; per row its position */
    size_t *poff;          /* per example offset into a block's p */
    int32_t *ids;          /* per row */
    float *x0, *mask0;
    bcache *bc;
    float *d_cur, *d_r, *d_m2, *d_m4, *d_ye, *d_o, *d_q, *d_k, *d_v, *d_in;
    float *d_ge, *d_g, *d_ue, *d_u;
    float *d_z, *d_pool; /* n x classes, n x d */
    float *dz_tmp;       /* 2 x classes: the distillation gradient's softmaxes (tloss.h) */
    const float **zp;    /* blocks: one example's logits per exit, for the loss (tloss.h) */
    float *xs;           /* w1a1: signs of the current BL input, for exact integer products */
    float *mem;
    float *att; /* per thread: 3 L^2 + L d floats of attention scratch */
    size_t att_each;
    beex_tprofile *prof; /* NULL (the default): no timer call (beex_tws_set_profile) */
};

/* This thread's attention scratch. */
static inline float *att_scratch(const beex_tws *w)
{
    return w->att + (size_t)omp_get_thread_num() * w->att_each;
}

/* The FLOPs of attention's products over the batch, `products` T x T x dh products per
 * example and head (2 forward, 4 backward): 2 per multiply-add. Profiling only. */
static inline double att_flops(const beex_tws *w, int products)
{
    double s = 0.0;
    for (int i = 0; i < w->n; i++)
        s += 2.0 * products * (double)w->len[i] * w->len[i] * w->cfg.d;
    return s;
}

#endif
