/* The BEExformer forward pass with everything the backward pass needs kept, and the backward
 * pass, over a whole mini-batch at once (docs/model.md sections 2, 3, 6): the tokens of all
 * examples are the rows of one matrix, so every linear layer is one product of M = sum of
 * lengths rows (harness/train/tgemm.h) and attention runs per example and head. One OpenMP
 * team shares each pass; every reduction runs in an order that does not depend on the
 * number of threads, so the gradients are bit-identical whatever the thread count. */
#ifndef BEEX_TRAIN_TNET_H
#define BEEX_TRAIN_TNET_H

#include <stdint.h>

#include "harness/train/tloss.h"
#include "harness/train/tparams.h"
#include "harness/train/tprofile.h"

typedef struct beex_tws beex_tws;

/* A workspace for `threads` OpenMP threads (<= 0: beex_threads_count()); buffers grow with
 * the batches it sees. */
beex_tws *beex_tws_new(const beex_config *cfg, int threads);
void beex_tws_free(beex_tws *w);

/* Starts (p != NULL) or stops (NULL) adding the passes' products and attention into *p
 * (tprofile.h); the passes' results do not change. */
void beex_tws_set_profile(beex_tws *w, beex_tprofile *p);

/* Forward n examples (example i: len[i] ids at ids[i], clipped to 1..max_len) in precision
 * prec. dropout > 0 draws masks from seeds[i] (training; the masks of an example depend on
 * its seed alone); dropout = 0 is the eval-mode pass, which equals the engine's definition.
 * smooth = 1 replaces activation signs by ApproxSign (tests only). logits (may be NULL)
 * receives n * blocks * classes values, example-major. Returns 0, -1 when out of memory. */
int beex_tnet_forward_batch(beex_tws *w, const beex_tparams *p, const beex_teff *e,
                            beex_precision prec, int n, const int32_t *const *ids, const int *len,
                            float dropout, const uint64_t *seeds, int smooth, float *logits);

/* Backward of scale * sum_i L_i, L_i example i's loss under the objective obj (tloss.h;
 * its exits' weights, distillation, gradient equilibrium) for labels y[i], after
 * beex_tnet_forward_batch on the same workspace. Accumulates into g: dL/dWb for linear
 * weights and dL/dE_b for token rows (beex_teff_surrogate_grads turns them into latent
 * gradients), plain gradients elsewhere. loss[i] (may be NULL) receives L_i. */
void beex_tnet_backward_batch_obj(beex_tws *w, const beex_tparams *p, const beex_teff *e,
                                  const int *y, const beex_tobjective *obj, float scale,
                                  beex_tparams *g, double *loss);
/* The weighted objective, L_i = sum_b lw_b CE_ib / sum_b lw_b. */
void beex_tnet_backward_batch(beex_tws *w, const beex_tparams *p, const beex_teff *e, const int *y,
                              const float *lw, float scale, beex_tparams *g, double *loss);

/* One example: the batch functions with n = 1 and scale 1 (gradient tests, engine match). */
void beex_tnet_forward(beex_tws *w, const beex_tparams *p, const beex_teff *e, beex_precision prec,
                       const int32_t *ids, int T, float dropout, uint64_t rng_seed, int smooth,
                       float *logits);
double beex_tnet_backward(beex_tws *w, const beex_tparams *p, const beex_teff *e, int y,
                          const float *lw, beex_tparams *g);
double beex_tnet_backward_obj(beex_tws *w, const beex_tparams *p, const beex_teff *e, int y,
                              const beex_tobjective *obj, beex_tparams *g);

/* Loss of example 0 of the last forward pass without a backward (finite-difference tests);
 * teacher (may be NULL) replaces the last exit's logits as the distillation target, held
 * constant as the backward pass holds it. */
double beex_tnet_loss(const beex_tws *w, int y, const float *lw);
double beex_tnet_loss_obj(const beex_tws *w, int y, const beex_tobjective *obj,
                          const float *teacher);

#endif
