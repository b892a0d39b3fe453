/* Trainable parameters as one flat float array (so gradients, Adam moments and the
 * per-thread reduction are plain loops), with named views into it that mirror beex_model,
 * and the per-step effective weights of each precision (docs/model.md section 3). */
#ifndef BEEX_TRAIN_TPARAMS_H
#define BEEX_TRAIN_TPARAMS_H

#include <stddef.h>

#include "harness/model/model.h"

/* Linear layers of a block, in file order of docs/model.md section 8. */
enum {
    BEEX_TL_Q,
    BEEX_TL_K,
    BEEX_TL_V,
    BEEX_TL_O,
    BEEX_TL_W1,
    BEEX_TL_W3,
    BEEX_TL_W2,
    BEEX_TL_W4,
    BEEX_TL_COUNT
};

typedef struct {
    float *w, *b; /* rows x cols, rows */
    int rows, cols;
} beex_tlin;

typedef struct {
    beex_tlin lin[BEEX_TL_COUNT];
    float *ln1g, *ln1b, *ln2g, *ln2b; /* d each */
    float *ew, *eb;                   /* exit head: classes x d, classes */
} beex_tblock;

typedef struct {
    beex_config cfg;
    float *base; /* flat storage, n floats */
    size_t n;
    int owns;
    float *tok, *pos; /* vocab x d, max_len x d */
    beex_tblock *blk; /* cfg.blocks */
} beex_tparams;

/* Lays the views over base (n = beex_tparams_count floats), or over a new zeroed array
 * when base is NULL. Returns 0, -1 when out of memory. */
size_t beex_tparams_count(const beex_config *cfg);
int beex_tparams_init(beex_tparams *p, const beex_config *cfg, float *base);
void beex_tparams_free(beex_tparams *p);

/* Copies between a checkpoint-shaped model (latent weights) and the flat parameters. */
int beex_tparams_from_model(beex_tparams *p, const beex_model *m);
void beex_tparams_to_model(const beex_tparams *p, beex_model *m);

/* Clips the latent weights of the binarized linear layers to [-1, 1], and the token
 * embeddings too when clip_embed (binarized precisions). */
void beex_tparams_clip(beex_tparams *p, int clip_embed);

/* Effective weights for one optimisation step: wb (out x in: W, or alpha * sign(W)), its
 * transpose wbt (in x out, for the forward GEMM) and alpha (1 in fp32); gamma per
 * embedding row (mean |E[v]|; 1 in fp32). Shared read-only by all threads of a step. */
typedef struct {
    float *wb, *wbt, *alpha;
    float *sbt;  /* in x out signs (+-1) of W, transposed: the exact w1a1 dot products */
    float *ssum; /* per row: sum_k sign(W_jk), for the c term of docs/model.md section 3 */
} beex_teff_lin;

typedef struct {
    int nblocks, binarized;
    int quantized;      /* w8a8: fake-quantized weights, embedding rows and activations */
    beex_teff_lin *lin; /* nblocks * BEEX_TL_COUNT */
    float *gamma;       /* vocab: mean |E[v]| (binarized) or the int8 row scale (w8a8) */
    float *tok_inv;     /* vocab: 1 / the int8 row scale (w8a8) */
    /* nblocks * BEEX_ACT_INPUTS activation scales and their inverses: set by the trainer from
     * a calibration (beex_teff_set_act_scales), read by the w8a8 forward and backward. */
    float *act_scale, *act_inv;
} beex_teff;

/* Takes the activation scales of every block's int8 inputs from a calibrated model
 * (beex_linear.act_scale of q, o, w1, w2, w4). Returns 0, or -1 when one is missing. */
int beex_teff_set_act_scales(beex_teff *e, const beex_model *m);

int beex_teff_init(beex_teff *e, const beex_config *cfg);
void beex_teff_free(beex_teff *e);
/* Recomputes every effective weight from p; smooth = 1 uses ApproxSign (tests only). */
void beex_teff_update(beex_teff *e, const beex_tparams *p, beex_precision prec, int smooth);

/* Turns the gradients of the effective weights in g (dL/dWb, dL/dE_b) into gradients of the
 * latent weights with the ApproxSign surrogate (docs/model.md section 6). No-op in fp32. */
void beex_teff_surrogate_grads(const beex_teff *e, const beex_tparams *p, beex_tparams *g);

#endif
