/* The BEExformer model in memory (docs/model.md sections 1, 3, 3b, 8): configuration, latent
 * fp32 weights of a training checkpoint, or the packed bits + alpha or int8 rows + scales of a
 * deployment file.
 * This header is shared by the file format, the forward pass and the trainer. */
#ifndef BEEX_MODEL_MODEL_H
#define BEEX_MODEL_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    BEEX_PREC_FP32 = 0,
    BEEX_PREC_W1A32,
    BEEX_PREC_W1A1,
    BEEX_PREC_W8A8 /* int8 weights and activations (docs/model.md section 3b) */
} beex_precision;
#define BEEX_PREC_COUNT 4

const char *beex_precision_name(beex_precision p);
int beex_precision_parse(const char *s); /* -1 when unknown */
/* 1 when variant isa has kernels of its own for precision p: one family p's forward pass
 * calls has an entry for isa. 0 when every such family falls back to an ancestor
 * (kernels/cpu.h), as avxvnni and amx do in fp32: timing it would time its parent's
 * code a second time under another name. */
int beex_precision_variant_own(beex_precision p, int isa);

typedef struct {
    int vocab;   /* ids 0 = [PAD], 1 = [UNK] */
    int d;       /* model width */
    int heads;   /* dh = d / heads */
    int dff;     /* SLFN hidden width */
    int blocks;  /* N blocks = N exits */
    int max_len; /* tokens per example */
    int classes; /* C */
    beex_precision precision;
    float ln_eps;
} beex_config;

/* The most classes a model may have. beex eval and beex sweep map a task's labels onto the
 * model's classes in tables of this size, so beex train and beex init refuse more before any
 * work rather than leave a model nothing can score. */
#define BEEX_MAX_CLASSES 256

/* The small default of docs/model.md section 1 (classes = 2). */
beex_config beex_config_default(void);
/* A named shape: "small" (the default above) or "bert-base" (vocab 30522, d 768, heads 12,
 * dff 3072, blocks 12, max_len 128; the rest as the default). Returns 0, or -1 for an
 * unknown name (*out is then the default). */
int beex_config_preset(const char *name, beex_config *out);
/* Validates ranges and divisibility; writes the reason to err. Returns 0 when valid. */
int beex_config_check(const beex_config *cfg, char *err, size_t errlen);

/* One linear layer, weight rows x cols (out x in). A checkpoint fills `weight`; a binarized
 * deployment file fills `bits` (rows x ceil(cols/8), docs/model.md section 4) and `alpha`, a
 * w8a8 one `q8` and `qscale` (section 3b). Loading a checkpoint also derives bits, alpha, q8
 * and qscale from the latent weights, so the forward pass of a quantized precision only reads
 * those and the bias. act_scale is the static scale of the layer's input in w8a8, from
 * calibration (harness/model/calibrate.h); layers sharing an input hold the same value. */
typedef struct {
    int rows, cols;
    float *weight;   /* rows * cols, or NULL in a deployment model */
    uint8_t *bits;   /* rows * ceil(cols/8), or NULL in a w8a8 deployment model */
    float *alpha;    /* rows */
    float *bias;     /* rows */
    int8_t *q8;      /* rows * cols in [-127, 127], or NULL before beex_model_derive_int8 */
    float *qscale;   /* rows: sw_j = max_k |W_jk| / 127 */
    float act_scale; /* sx of the input (> 0), or 0 when the model is not calibrated */
} beex_linear;

typedef struct {
    beex_linear q, k, v, o;
    float *ln1_gamma, *ln1_beta, *ln2_gamma, *ln2_beta; /* d each */
    beex_linear w1, w3; /* dff x d: gate (sigmoid) and candidate (tanh) */
    beex_linear w2, w4; /* d x dff */
    float *exit_weight; /* classes x d */
    float *exit_bias;   /* classes */
} beex_block;

typedef struct {
    beex_config cfg;
    float *tok_embed;   /* vocab x d latent, NULL in a deployment model */
    uint8_t *tok_bits;  /* vocab x ceil(d/8): sign rows of the binarized embedding */
    float *tok_gamma;   /* vocab: per-row scale mean |E[v]| */
    int8_t *tok_q8;     /* vocab x d: int8 rows of the w8a8 embedding (NULL before derived) */
    float *tok_qscale;  /* vocab: per-row scale max |E[v]| / 127 */
    float *pos_embed;   /* max_len x d */
    beex_block *blocks; /* cfg.blocks */
    int is_deployment;  /* 1 when loaded from a deployment file (no latent weights) */
    /* Metadata travelling in the file. */
    char **labels; /* cfg.classes names */
    char **vocab;  /* cfg.vocab tokens, id = index; NULL entries allowed before a vocab is set */
    char *metadata_json; /* extra metadata to preserve (training settings), may be NULL */
} beex_model;

/* Allocates a zeroed checkpoint-shaped model (latent weights present) for cfg. */
int beex_model_alloc(const beex_config *cfg, beex_model **out, char *err, size_t errlen);
void beex_model_free(beex_model *m);

/* Seeded random initialisation (latent weights in [-1, 1] scale suited to training;
 * LayerNorm gamma 1, beta 0; biases 0). Labels "0".."C-1" and a placeholder vocabulary
 * "[PAD]", "[UNK]", "w2", ... unless already set. */
void beex_model_init_random(beex_model *m, uint64_t seed);

/* Fills bits / alpha of every binarized layer and tok_bits / tok_gamma from the latent
 * weights (sign(v) = +1 for v >= 0, so -0.0 -> +1; alpha = mean |W_jk|), then the int8 rows
 * (beex_model_derive_int8): every quantized form of the weights at once, so a caller that
 * changed the latent weights (the trainer) re-derives them all with one call. */
int beex_model_derive_binary(beex_model *m);

/* Fills q8 / qscale of every layer and tok_q8 / tok_qscale from the latent weights
 * (docs/model.md section 3b: per row sw = max |W| / 127, q = beex_i8_quantize_one(W, 1/sw)),
 * allocating them on first use. The act scales are left as they are. Returns 0, or -1 with no
 * latent weights or no memory. */
int beex_model_derive_int8(beex_model *m);

/* The int8 rows of `rows` rows of n latent values (docs/model.md section 3b): scale[j] =
 * max_k |w_jk| / 127.0f, q_jk = beex_i8_quantize_one(w_jk, 1.0f / scale[j]) (0 for a zero
 * row). The one derivation shared by the model, its files and the engine. */
void beex_int8_rows(const float *w, size_t rows, size_t n, int8_t *q, float *scale);

/* What every w8a8 refusal of an uncalibrated model says. */
#define BEEX_W8A8_UNCALIBRATED                                                                     \
    "the model has no activation scales for w8a8: calibrate it with beex quantize"

/* Activation scales (w8a8). The layer inputs of one block, in the order the block reads them;
 * layers sharing an input share its scale (Q|K|V: x; BL_1|BL_3: y). */
enum {
    BEEX_ACT_X = 0, /* the block's input: BL_q, BL_k, BL_v */
    BEEX_ACT_ATT,   /* the concatenated heads: BL_o */
    BEEX_ACT_Y,     /* LN1's output: BL_1, BL_3 */
    BEEX_ACT_G,     /* the sigmoid gate g: BL_2 */
    BEEX_ACT_U,     /* the tanh candidate u: BL_4 */
    BEEX_ACT_INPUTS
};
/* 1 when every layer has an act_scale (> 0), 0 when none has; -1 when only some have (a model
 * built by hand; files are refused that way). */
int beex_model_has_act_scales(const beex_model *m);
/* Sets the act_scale of every layer reading input k of block b to scale[b * BEEX_ACT_INPUTS + k]
 * (NULL: 0 everywhere, uncalibrated: what the trainer should do to a model whose weights it
 * changes). */
void beex_model_set_act_scales(beex_model *m, const float *scale);

/* File format (harness/model/model_io.c). err receives a sentence naming the problem and,
 * where it applies, the tensor. Return 0 on success. */
int beex_model_load(const char *path, beex_model **out, char *err, size_t errlen);
/* The same from a file held in memory (fuzzing, tests); buf is not kept. */
int beex_model_load_buffer(const uint8_t *buf, size_t len, beex_model **out, char *err,
                           size_t errlen);
int beex_model_save_checkpoint(const beex_model *m, const char *path, char *err, size_t errlen);
int beex_model_save_deployment(const beex_model *m, beex_precision prec, const char *path,
                               char *err, size_t errlen);
/* Byte size of the file beex_model_save_deployment would write, without writing it (so
 * `beex export` can compare against the fp32 deployment). */
int beex_model_deployment_size(const beex_model *m, beex_precision prec, uint64_t *bytes, char *err,
                               size_t errlen);

#endif
