/* One optimisation step of binarization-aware training (docs/model.md section 6): effective
 * weights, forward and backward over a mini-batch, the ApproxSign surrogate, Adam, clipping.
 * `beex train` and `beex bench train` both drive training through it, so the benchmark times
 * exactly the trainer's step. */
#ifndef BEEX_TRAIN_TSTEP_H
#define BEEX_TRAIN_TSTEP_H

#include <stdint.h>

#include "harness/train/adam.h"
#include "harness/train/tloss.h"
#include "harness/train/tparams.h"
#include "harness/train/tprofile.h"

typedef struct beex_tws beex_tws;

typedef struct {
    beex_config cfg;
    beex_tparams p, grad;
    beex_teff eff;
    beex_adam adam;
    int nthreads;
    beex_tws *ws;  /* the whole batch's activations */
    float *logits; /* logits_cap examples x blocks x classes */
    int logits_cap;
    beex_tprofile *prof; /* NULL (the default): no timer call (beex_tstep_set_profile) */
} beex_tstep;

/* One mini-batch: example i has len[i] token ids at ids[i], label label[i] and its dropout
 * seed seeds[i] (masks depend on the seed alone, never on the thread that runs it). */
typedef struct {
    int n;
    const int32_t *const *ids;
    const int *len;
    const int *label;
    const uint64_t *seeds;
} beex_tbatch;

/* Parameters are zero (fill s->p afterwards); nthreads OpenMP threads share every step.
 * Returns 0, -1 when out of memory. */
int beex_tstep_init(beex_tstep *s, const beex_config *cfg, double lr, int nthreads);
void beex_tstep_free(beex_tstep *s);

/* Starts (p != NULL) or stops (NULL) adding every later step's time per class into *p, which
 * the caller zeroes and owns (tprofile.h). The steps' results do not change. */
void beex_tstep_set_profile(beex_tstep *s, beex_tprofile *p);

/* One step at learning rate lr in precision prec on the objective obj (tloss.h). loss[i]
 * receives example i's loss and right[i] whether its last exit predicts its label.
 * freeze_embed leaves the token table. */
int beex_tstep_run_obj(beex_tstep *s, const beex_tbatch *b, beex_precision prec, float dropout,
                       const beex_tobjective *obj, double lr, int freeze_embed, double *loss,
                       int *right);
/* The same step on the weighted objective with weights lw. */
int beex_tstep_run(beex_tstep *s, const beex_tbatch *b, beex_precision prec, float dropout,
                   const float *lw, double lr, int freeze_embed, double *loss, int *right);

/* Multiply-add FLOPs (2 per multiply-add) of one example of T tokens, forward + backward:
 * the linear layers, attention's two products and the exit heads, three times the forward
 * products (the backward pass computes two of each). Elementwise work is not counted. The
 * products a profile counts (tprofile.h) are these terms without the exit heads'. */
double beex_tstep_flops(const beex_config *cfg, int T);

#endif
