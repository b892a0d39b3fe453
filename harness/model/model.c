/* The model in memory: configuration defaults and checks, allocation, seeded random
 * initialisation and the derivation of packed sign bits + alpha and of int8 rows + scales from
 * latent weights (docs/model.md sections 1, 3, 3b, 4). The file format lives in model_io.c. */
#include "harness/model/model.h"
#include "harness/base/prng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/canon_math.h"
#include "kernels/igemm.h"
#include "kernels/pack.h"
#include "kernels/registry.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const char *const precision_names[BEEX_PREC_COUNT] = {"fp32", "w1a32", "w1a1", "w8a8"};

const char *beex_precision_name(beex_precision p)
{
    if ((int)p < 0 || (int)p >= BEEX_PREC_COUNT)
        return "unknown";
    return precision_names[p];
}

int beex_precision_variant_own(beex_precision p, int isa)
{
    /* The kernel families each precision's forward pass calls (attention's products run on
     * fgemm, the gates and softmax on slfn and elementwise, in every precision). */
    static const beex_op_family *const fp32[] = {&beex_family_fgemm, &beex_family_elementwise,
                                                 &beex_family_slfn, NULL};
    static const beex_op_family *const w1a32[] = {
        &beex_family_bgemm, &beex_family_fgemm, &beex_family_elementwise, &beex_family_slfn, NULL};
    static const beex_op_family *const w1a1[] = {&beex_family_bgemm, &beex_family_pack,
                                                 &beex_family_fgemm, &beex_family_elementwise,
                                                 &beex_family_slfn,  NULL};
    static const beex_op_family *const w8a8[] = {&beex_family_igemm, &beex_family_fgemm,
                                                 &beex_family_elementwise, &beex_family_slfn, NULL};
    static const beex_op_family *const *const uses[BEEX_PREC_COUNT] = {fp32, w1a32, w1a1, w8a8};
    if ((int)p < 0 || (int)p >= BEEX_PREC_COUNT || isa < 0 || isa >= BEEX_ISA_COUNT)
        return 0;
    for (const beex_op_family *const *f = uses[p]; *f != NULL; f++)
        if ((*f)->has((beex_isa)isa))
            return 1;
    return 0;
}

int beex_precision_parse(const char *s)
{
    if (s == NULL)
        return -1;
    for (int i = 0; i < BEEX_PREC_COUNT; i++)
        if (strcmp(s, precision_names[i]) == 0)
            return i;
    return -1;
}

beex_config beex_config_default(void)
{
    beex_config c = {
        .vocab = 8192,
        .d = 128,
        .heads = 4,
        .dff = 256,
        .blocks = 6,
        .max_len = 64,
        .classes = 2,
        .precision = BEEX_PREC_W1A1,
        .ln_eps = 1e-6f,
    };
    return c;
}

int beex_config_preset(const char *name, beex_config *out)
{
    *out = beex_config_default();
    if (strcmp(name, "small") == 0)
        return 0;
    if (strcmp(name, "bert-base") == 0) {
        out->vocab = 30522;
        out->d = 768;
        out->heads = 12;
        out->dff = 3072;
        out->blocks = 12;
        out->max_len = 128;
        return 0;
    }
    return -1;
}

/* Upper bounds keep every size computation far from overflow and let a corrupt file be
 * rejected before any allocation; they are well above the BERT-large shape. */
#define MAX_VOCAB (1 << 22)
#define MAX_WIDTH (1 << 14)
#define MAX_BLOCKS 256
#define MAX_LEN (1 << 16)
#define MAX_CLASSES (1 << 16)
#define MAX_PARAMS ((double)(1ull << 33)) /* 8 G floats */

static int check_range(const char *name, int v, int lo, int hi, char *err, size_t errlen)
{
    if (v < lo || v > hi) {
        snprintf(err, errlen, "configuration: %s = %d is outside [%d, %d]", name, v, lo, hi);
        return -1;
    }
    return 0;
}

int beex_config_check(const beex_config *cfg, char *err, size_t errlen)
{
    if (cfg == NULL) {
        snprintf(err, errlen, "configuration: missing");
        return -1;
    }
    if (check_range("vocab", cfg->vocab, 2, MAX_VOCAB, err, errlen) ||
        check_range("d", cfg->d, 1, MAX_WIDTH, err, errlen) ||
        check_range("heads", cfg->heads, 1, MAX_WIDTH, err, errlen) ||
        check_range("dff", cfg->dff, 1, 4 * MAX_WIDTH, err, errlen) ||
        check_range("blocks", cfg->blocks, 1, MAX_BLOCKS, err, errlen) ||
        check_range("max_len", cfg->max_len, 1, MAX_LEN, err, errlen) ||
        check_range("classes", cfg->classes, 2, MAX_CLASSES, err, errlen))
        return -1;
    if (cfg->d % cfg->heads != 0) {
        snprintf(err, errlen, "configuration: d = %d is not divisible by heads = %d", cfg->d,
                 cfg->heads);
        return -1;
    }
    if ((int)cfg->precision < 0 || (int)cfg->precision >= BEEX_PREC_COUNT) {
        snprintf(err, errlen, "configuration: unknown precision %d", (int)cfg->precision);
        return -1;
    }
    if (!(cfg->ln_eps > 0.0f) || !isfinite(cfg->ln_eps) || cfg->ln_eps > 1.0f) {
        snprintf(err, errlen, "configuration: ln_eps = %g must be in (0, 1]", (double)cfg->ln_eps);
        return -1;
    }
    double d = cfg->d, dff = cfg->dff;
    double params =
        (double)cfg->vocab * d + (double)cfg->max_len * d +
        cfg->blocks * (4 * d * d + 4 * d * dff + 8 * d + 2 * dff + (double)cfg->classes * (d + 1));
    if (params > MAX_PARAMS) {
        snprintf(err, errlen, "configuration: %.3g parameters exceed the limit of %.3g", params,
                 MAX_PARAMS);
        return -1;
    }
    return 0;
}

/* ---- allocation ------------------------------------------------------------------------ */

static int linear_alloc(beex_linear *l, int rows, int cols)
{
    l->rows = rows;
    l->cols = cols;
    l->weight = calloc((size_t)rows * (size_t)cols, sizeof(float));
    l->bits = calloc((size_t)rows * beex_packed_row_bytes((size_t)cols), 1);
    l->alpha = calloc((size_t)rows, sizeof(float));
    l->bias = calloc((size_t)rows, sizeof(float));
    return l->weight && l->bits && l->alpha && l->bias ? 0 : -1;
}

static void linear_free(beex_linear *l)
{
    free(l->weight);
    free(l->bits);
    free(l->alpha);
    free(l->bias);
    free(l->q8);
    free(l->qscale);
    memset(l, 0, sizeof *l);
}

static int block_alloc(beex_block *b, const beex_config *c)
{
    size_t d = (size_t)c->d;
    int bad = linear_alloc(&b->q, c->d, c->d) | linear_alloc(&b->k, c->d, c->d) |
              linear_alloc(&b->v, c->d, c->d) | linear_alloc(&b->o, c->d, c->d) |
              linear_alloc(&b->w1, c->dff, c->d) | linear_alloc(&b->w3, c->dff, c->d) |
              linear_alloc(&b->w2, c->d, c->dff) | linear_alloc(&b->w4, c->d, c->dff);
    b->ln1_gamma = calloc(d, sizeof(float));
    b->ln1_beta = calloc(d, sizeof(float));
    b->ln2_gamma = calloc(d, sizeof(float));
    b->ln2_beta = calloc(d, sizeof(float));
    b->exit_weight = calloc((size_t)c->classes * d, sizeof(float));
    b->exit_bias = calloc((size_t)c->classes, sizeof(float));
    if (bad || !b->ln1_gamma || !b->ln1_beta || !b->ln2_gamma || !b->ln2_beta || !b->exit_weight ||
        !b->exit_bias)
        return -1;
    return 0;
}

static void block_free(beex_block *b)
{
    beex_linear *ls[] = {&b->q, &b->k, &b->v, &b->o, &b->w1, &b->w3, &b->w2, &b->w4};
    for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++)
        linear_free(ls[i]);
    free(b->ln1_gamma);
    free(b->ln1_beta);
    free(b->ln2_gamma);
    free(b->ln2_beta);
    free(b->exit_weight);
    free(b->exit_bias);
}

int beex_model_alloc(const beex_config *cfg, beex_model **out, char *err, size_t errlen)
{
    *out = NULL;
    if (beex_config_check(cfg, err, errlen) != 0)
        return -1;
    beex_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        goto oom;
    m->cfg = *cfg;
    size_t v = (size_t)cfg->vocab, d = (size_t)cfg->d;
    m->tok_embed = calloc(v * d, sizeof(float));
    m->tok_bits = calloc(v * beex_packed_row_bytes(d), 1);
    m->tok_gamma = calloc(v, sizeof(float));
    m->pos_embed = calloc((size_t)cfg->max_len * d, sizeof(float));
    m->blocks = calloc((size_t)cfg->blocks, sizeof *m->blocks);
    m->labels = calloc((size_t)cfg->classes, sizeof *m->labels);
    m->vocab = calloc(v, sizeof *m->vocab);
    if (!m->tok_embed || !m->tok_bits || !m->tok_gamma || !m->pos_embed || !m->blocks ||
        !m->labels || !m->vocab)
        goto oom;
    for (int i = 0; i < cfg->blocks; i++)
        if (block_alloc(&m->blocks[i], cfg) != 0)
            goto oom;
    *out = m;
    return 0;
oom:
    beex_model_free(m);
    snprintf(err, errlen, "out of memory allocating a model of %d blocks, d %d, vocab %d",
             cfg->blocks, cfg->d, cfg->vocab);
    return -1;
}

void beex_model_free(beex_model *m)
{
    if (m == NULL)
        return;
    if (m->blocks != NULL)
        for (int i = 0; i < m->cfg.blocks; i++)
            block_free(&m->blocks[i]);
    free(m->blocks);
    free(m->tok_embed);
    free(m->tok_bits);
    free(m->tok_gamma);
    free(m->tok_q8);
    free(m->tok_qscale);
    free(m->pos_embed);
    if (m->labels != NULL)
        for (int i = 0; i < m->cfg.classes; i++)
            free(m->labels[i]);
    free(m->labels);
    if (m->vocab != NULL)
        for (int i = 0; i < m->cfg.vocab; i++)
            free(m->vocab[i]);
    free(m->vocab);
    free(m->metadata_json);
    free(m);
}

/* ---- seeded random initialisation ------------------------------------------------------ */

/* Uniform in [0, 1) with 53 random bits. */
static double uniform01(uint64_t *s)
{
    return (double)(beex_splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

static float clip1(double v)
{
    return (float)(v < -1.0 ? -1.0 : v > 1.0 ? 1.0 : v);
}

/* Xavier-uniform latent weights: keeps activations of unit scale at the start of training
 * and the latent values well inside [-1, 1], where the ApproxSign gradient is non-zero. */
static void fill_xavier(float *w, int rows, int cols, uint64_t *s)
{
    double a = sqrt(6.0 / (double)(rows + cols));
    size_t n = (size_t)rows * (size_t)cols;
    for (size_t i = 0; i < n; i++)
        w[i] = clip1((2.0 * uniform01(s) - 1.0) * a);
}

/* Normal(0, sigma) by Box-Muller, clipped to [-1, 1]. */
static void fill_normal(float *w, size_t n, double sigma, uint64_t *s)
{
    for (size_t i = 0; i < n; i += 2) {
        double u1 = uniform01(s), u2 = uniform01(s);
        /* 1 - u1 in (0, 1]: log finite; canonical functions: the same weights on every CPU */
        double r = sqrt(-2.0 * beex_canon_log(1.0 - u1)) * sigma, sn, cs;
        beex_canon_sincos_turns(u2, &sn, &cs);
        w[i] = clip1(r * cs);
        if (i + 1 < n)
            w[i + 1] = clip1(r * sn);
    }
}

static void fill_const(float *w, size_t n, float v)
{
    for (size_t i = 0; i < n; i++)
        w[i] = v;
}

static void linear_init(beex_linear *l, uint64_t *s)
{
    if (l->weight != NULL)
        fill_xavier(l->weight, l->rows, l->cols, s);
    fill_const(l->bias, (size_t)l->rows, 0.0f);
}

static char *format_name(const char *fmt, int i)
{
    char buf[32];
    snprintf(buf, sizeof buf, fmt, i);
    return strdup(buf);
}

void beex_model_init_random(beex_model *m, uint64_t seed)
{
    const beex_config *c = &m->cfg;
    size_t d = (size_t)c->d;
    uint64_t s = seed;
    if (m->tok_embed != NULL)
        fill_normal(m->tok_embed, (size_t)c->vocab * d, 0.1, &s);
    fill_normal(m->pos_embed, (size_t)c->max_len * d, 0.1, &s);
    for (int i = 0; i < c->blocks; i++) {
        beex_block *b = &m->blocks[i];
        beex_linear *ls[] = {&b->q, &b->k, &b->v, &b->o, &b->w1, &b->w3, &b->w2, &b->w4};
        for (size_t j = 0; j < sizeof ls / sizeof ls[0]; j++)
            linear_init(ls[j], &s);
        fill_const(b->ln1_gamma, d, 1.0f);
        fill_const(b->ln1_beta, d, 0.0f);
        fill_const(b->ln2_gamma, d, 1.0f);
        fill_const(b->ln2_beta, d, 0.0f);
        fill_xavier(b->exit_weight, c->classes, c->d, &s);
        fill_const(b->exit_bias, (size_t)c->classes, 0.0f);
    }
    /* Labels and vocabulary are placeholders until a data set provides them; a strdup that
     * fails leaves NULL, which the writer reports. */
    for (int i = 0; i < c->classes; i++)
        if (m->labels[i] == NULL)
            m->labels[i] = format_name("%d", i);
    for (int i = 0; i < c->vocab; i++)
        if (m->vocab[i] == NULL)
            m->vocab[i] = i == 0   ? strdup("[PAD]")
                          : i == 1 ? strdup("[UNK]")
                                   : format_name("w%d", i);
    /* A fresh model is runnable in every precision straight away. */
    (void)beex_model_derive_binary(m);
}

/* ---- binarization ---------------------------------------------------------------------- */

/* bits: sign rows with bit = 1 for v < 0 (so -0.0 -> bit 0, sign +1); alpha = mean |W_jk|,
 * which is exactly the pack reference's beta with centre 0. */
static int linear_derive(beex_linear *l)
{
    if (l->weight == NULL || l->bits == NULL || l->alpha == NULL)
        return -1;
    return beex_pack_signs_rows_ref(l->weight, (size_t)l->rows, (size_t)l->cols, (size_t)l->cols,
                                    0.0f, l->bits, beex_packed_row_bytes((size_t)l->cols),
                                    l->alpha) == 0
               ? 0
               : -1;
}

int beex_model_derive_binary(beex_model *m)
{
    if (m == NULL || m->tok_embed == NULL || m->tok_bits == NULL || m->tok_gamma == NULL)
        return -1;
    size_t d = (size_t)m->cfg.d;
    if (beex_pack_signs_rows_ref(m->tok_embed, (size_t)m->cfg.vocab, d, d, 0.0f, m->tok_bits,
                                 beex_packed_row_bytes(d), m->tok_gamma) != 0)
        return -1;
    for (int i = 0; i < m->cfg.blocks; i++) {
        beex_block *b = &m->blocks[i];
        beex_linear *ls[] = {&b->q, &b->k, &b->v, &b->o, &b->w1, &b->w3, &b->w2, &b->w4};
        for (size_t j = 0; j < sizeof ls / sizeof ls[0]; j++)
            if (linear_derive(ls[j]) != 0)
                return -1;
    }
    return beex_model_derive_int8(m);
}

/* ---- int8 ------------------------------------------------------------------------------ */

/* rows of n values -> int8 rows and one scale each (docs/model.md section 3b): sw = amax / 127
 * with amax = max |v| exact, q = beex_i8_quantize_one(v, 1 / sw), 0 for an all-zero row. */
void beex_int8_rows(const float *w, size_t rows, size_t n, int8_t *q, float *scale)
{
    for (size_t j = 0; j < rows; j++) {
        const float *r = w + j * n;
        float amax = 0.0f;
        for (size_t k = 0; k < n; k++)
            amax = fabsf(r[k]) > amax ? fabsf(r[k]) : amax;
        float sw = amax / 127.0f, inv = sw != 0.0f ? 1.0f / sw : 0.0f;
        scale[j] = sw;
        for (size_t k = 0; k < n; k++)
            q[j * n + k] = beex_i8_quantize_one(r[k], inv);
    }
}

static int linear_derive_int8(beex_linear *l)
{
    size_t n = (size_t)l->rows * (size_t)l->cols;
    if (l->weight == NULL)
        return -1;
    if (l->q8 == NULL && (l->q8 = malloc(n)) == NULL)
        return -1;
    if (l->qscale == NULL && (l->qscale = malloc((size_t)l->rows * sizeof(float))) == NULL)
        return -1;
    beex_int8_rows(l->weight, (size_t)l->rows, (size_t)l->cols, l->q8, l->qscale);
    return 0;
}

int beex_model_derive_int8(beex_model *m)
{
    if (m == NULL || m->tok_embed == NULL)
        return -1;
    size_t v = (size_t)m->cfg.vocab, d = (size_t)m->cfg.d;
    if (m->tok_q8 == NULL && (m->tok_q8 = malloc(v * d)) == NULL)
        return -1;
    if (m->tok_qscale == NULL && (m->tok_qscale = malloc(v * sizeof(float))) == NULL)
        return -1;
    beex_int8_rows(m->tok_embed, v, d, m->tok_q8, m->tok_qscale);
    for (int i = 0; i < m->cfg.blocks; i++) {
        beex_block *b = &m->blocks[i];
        beex_linear *ls[] = {&b->q, &b->k, &b->v, &b->o, &b->w1, &b->w3, &b->w2, &b->w4};
        for (size_t j = 0; j < sizeof ls / sizeof ls[0]; j++)
            if (linear_derive_int8(ls[j]) != 0)
                return -1;
    }
    return 0;
}

/* The layers reading input k of a block (BEEX_ACT_*), NULL-terminated. */
static void act_layers(beex_block *b, int k, beex_linear *out[4])
{
    out[0] = out[1] = out[2] = out[3] = NULL;
    switch (k) {
    case BEEX_ACT_X:
        out[0] = &b->q, out[1] = &b->k, out[2] = &b->v;
        break;
    case BEEX_ACT_ATT:
        out[0] = &b->o;
        break;
    case BEEX_ACT_Y:
        out[0] = &b->w1, out[1] = &b->w3;
        break;
    case BEEX_ACT_G:
        out[0] = &b->w2;
        break;
    default:
        out[0] = &b->w4;
        break;
    }
}

int beex_model_has_act_scales(const beex_model *m)
{
    int with = 0, without = 0;
    for (int i = 0; i < m->cfg.blocks; i++)
        for (int k = 0; k < BEEX_ACT_INPUTS; k++) {
            beex_linear *ls[4];
            act_layers(&m->blocks[i], k, ls);
            for (int j = 0; ls[j] != NULL; j++) {
                if (ls[j]->act_scale > 0.0f)
                    with++;
                else
                    without++;
            }
        }
    return without == 0 ? 1 : with == 0 ? 0 : -1;
}

void beex_model_set_act_scales(beex_model *m, const float *scale)
{
    for (int i = 0; i < m->cfg.blocks; i++)
        for (int k = 0; k < BEEX_ACT_INPUTS; k++) {
            beex_linear *ls[4];
            act_layers(&m->blocks[i], k, ls);
            for (int j = 0; ls[j] != NULL; j++)
                ls[j]->act_scale = scale != NULL ? scale[(size_t)i * BEEX_ACT_INPUTS + k] : 0.0f;
        }
}
