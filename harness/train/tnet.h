/* The BEExformer forward pass with everything the backward pass needs kept, and the
 * backward pass itself, for one example at a time (MODEL.md sections 2, 3, 6). Each OpenMP
 * thread owns one workspace and one gradient buffer. */
#ifndef BEEX_TRAIN_TNET_H
#define BEEX_TRAIN_TNET_H

#include <stdint.h>

#include "harness/train/tparams.h"

typedef struct beex_tws beex_tws;

beex_tws *beex_tws_new(const beex_config *cfg);
void beex_tws_free(beex_tws *w);

/* Forward one example (T clipped to max_len, T >= 1) in precision prec. dropout > 0 draws
 * masks from rng_seed (training); dropout = 0 is the eval-mode pass, which equals the
 * engine's definition. smooth = 1 replaces activation signs by ApproxSign (tests only).
 * logits receives blocks * classes values (may be NULL). */
void beex_tnet_forward(beex_tws *w, const beex_tparams *p, const beex_teff *e, beex_precision prec,
                       const int32_t *ids, int T, float dropout, uint64_t rng_seed, int smooth,
                       float *logits);

/* Backward of the soft-routing loss L = sum_i lw_i CE_i / sum_i lw_i for label y after
 * beex_tnet_forward on the same workspace. Accumulates into g: dL/dWb for linear weights and
 * dL/dE_b for token rows (beex_teff_surrogate_grads turns them into latent gradients),
 * plain gradients elsewhere. Returns L. */
double beex_tnet_backward(beex_tws *w, const beex_tparams *p, const beex_teff *e, int y,
                          const float *lw, beex_tparams *g);

/* Loss of the last forward pass without a backward (finite-difference tests, validation). */
double beex_tnet_loss(const beex_tws *w, int y, const float *lw);

#endif
