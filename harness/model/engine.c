/* Engine creation: picks the kernel variant, repacks every layer once for it (fusing the
 * layers that share an input), copies the small fp32 parameters, and owns the scratch. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/timing.h"
#include "harness/model/engine_internal.h"
#include "harness/model/forward_fp32.h"
#include "kernels/bgemm.h"
#include "kernels/pack.h"
#include "kernels/registry.h"

static float *dup_floats(const float *src, size_t n, float fill)
{
    float *p = malloc(n * sizeof *p);
    if (p == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        p[i] = src ? src[i] : fill;
    return p;
}

/* The automatic choice for precision p: the first variant in pick order whose own code runs
 * p's main product (kernels/cpu.h), leaving out the bgemm family's opt-in entries: amx on an
 * AMX CPU for w8a8, avx512 for the binary precisions there. */
static int auto_isa(beex_precision p)
{
    beex_isa order[BEEX_ISA_COUNT];
    int n = beex_isa_preference(order, BEEX_ISA_COUNT);
    for (int i = 0; i < n; i++) {
        int binary = p == BEEX_PREC_W1A1 || p == BEEX_PREC_W1A32;
        const beex_op_family *main = p == BEEX_PREC_W8A8 ? &beex_family_igemm
                                     : binary            ? &beex_family_bgemm
                                                         : &beex_family_fgemm;
        if (main->has(order[i]) && !(binary && beex_bgemm_opt_in(order[i])))
            return (int)order[i];
    }
    return n > 0 ? (int)order[n - 1] : -1;
}

static int resolve_isa(int want, beex_precision p, char *err, size_t errlen)
{
    if (want >= 0) {
        const char *why = NULL;
        if (want >= BEEX_ISA_COUNT) {
            snprintf(err, errlen, "unknown kernel variant %d", want);
            return -1;
        }
        if (!beex_isa_available((beex_isa)want, &why)) {
            snprintf(err, errlen, "kernel variant %s is not available here: %s",
                     beex_isa_name((beex_isa)want), why ? why : "unknown reason");
            return -1;
        }
        return want;
    }
    int isa = beex_isa_forced() >= 0 ? beex_isa_forced() : auto_isa(p);
    if (isa < 0)
        snprintf(err, errlen, "no kernel variant runs on this CPU");
    return isa;
}

static int init_block(beex_engine *e, const beex_block *src, beex_fwd_block *dst, char *err,
                      size_t errlen)
{
    const beex_config *c = &e->cfg;
    const beex_linear *qkv[3] = {&src->q, &src->k, &src->v};
    const beex_linear *o[1] = {&src->o};
    const beex_linear *w13[2] = {&src->w1, &src->w3};
    const beex_linear *w2[1] = {&src->w2};
    const beex_linear *w4[1] = {&src->w4};
    int isa = (int)e->isa;
    /* BL_2's input is a sigmoid output in (0, 1): centred at c = 0.5 in w1a1 (c is used by
     * w1a1 only: w8a8 quantizes g as it is). */
    if (beex_fwd_linear_init(&dst->qkv, qkv, 3, e->prec, isa, 0.0f, err, errlen) != 0 ||
        beex_fwd_linear_init(&dst->o, o, 1, e->prec, isa, 0.0f, err, errlen) != 0 ||
        beex_fwd_linear_init(&dst->w13, w13, 2, e->prec, isa, 0.0f, err, errlen) != 0 ||
        beex_fwd_linear_init(&dst->w2, w2, 1, e->prec, isa, 0.5f, err, errlen) != 0 ||
        beex_fwd_linear_init(&dst->w4, w4, 1, e->prec, isa, 0.0f, err, errlen) != 0)
        return -1;
    size_t d = (size_t)c->d, cd = (size_t)c->classes * d;
    dst->ln1_g = dup_floats(src->ln1_gamma, d, 1.0f);
    dst->ln1_b = dup_floats(src->ln1_beta, d, 0.0f);
    dst->ln2_g = dup_floats(src->ln2_gamma, d, 1.0f);
    dst->ln2_b = dup_floats(src->ln2_beta, d, 0.0f);
    dst->exit_w = dup_floats(src->exit_weight, cd, 0.0f);
    dst->exit_b = dup_floats(src->exit_bias, (size_t)c->classes, 0.0f);
    if (!dst->ln1_g || !dst->ln1_b || !dst->ln2_g || !dst->ln2_b || !dst->exit_w || !dst->exit_b) {
        snprintf(err, errlen, "out of memory copying block parameters");
        return -1;
    }
    return 0;
}

static int init_embeddings(beex_engine *e, const beex_model *m, char *err, size_t errlen)
{
    size_t d = (size_t)e->cfg.d, v = (size_t)e->cfg.vocab;
    e->pos = dup_floats(m->pos_embed, (size_t)e->cfg.max_len * d, 0.0f);
    if (e->pos == NULL)
        goto nomem;
    if (e->prec == BEEX_PREC_FP32) {
        if (m->tok_embed == NULL) {
            snprintf(err, errlen, "the fp32 twin needs latent weights; this is a deployment model");
            return -1;
        }
        e->tok = dup_floats(m->tok_embed, v * d, 0.0f);
        return e->tok ? 0 : (snprintf(err, errlen, "out of memory"), -1);
    }
    if (e->prec == BEEX_PREC_W8A8) {
        e->tok_q8 = malloc(v * d);
        e->tok_qscale = malloc(v * sizeof *e->tok_qscale);
        if (e->tok_q8 == NULL || e->tok_qscale == NULL)
            goto nomem;
        if (m->tok_q8 != NULL && m->tok_qscale != NULL) {
            memcpy(e->tok_q8, m->tok_q8, v * d);
            memcpy(e->tok_qscale, m->tok_qscale, v * sizeof *e->tok_qscale);
        } else if (m->tok_embed != NULL) {
            beex_int8_rows(m->tok_embed, v, d, e->tok_q8, e->tok_qscale);
        } else {
            snprintf(err, errlen,
                     "the model has no token embedding (neither int8 rows nor weights)");
            return -1;
        }
        return 0;
    }
    size_t rb = beex_packed_row_bytes(d);
    e->tok_bits = malloc(v * rb);
    e->tok_gamma = malloc(v * sizeof *e->tok_gamma);
    if (e->tok_bits == NULL || e->tok_gamma == NULL)
        goto nomem;
    if (m->tok_bits != NULL && m->tok_gamma != NULL) {
        memcpy(e->tok_bits, m->tok_bits, v * rb);
        memcpy(e->tok_gamma, m->tok_gamma, v * sizeof *e->tok_gamma);
    } else if (m->tok_embed != NULL) {
        /* E_b[v] = gamma_v * sign(E[v]), gamma_v = mean |E[v]| (docs/model.md section 3). */
        for (size_t r = 0; r < v; r++) {
            const float *row = m->tok_embed + r * d;
            uint8_t *bits = e->tok_bits + r * rb;
            memset(bits, 0, rb);
            double s = 0.0;
            for (size_t k = 0; k < d; k++) {
                if (row[k] < 0.0f)
                    bits[k / 8] |= (uint8_t)(1u << (k % 8));
                s += fabs((double)row[k]);
            }
            e->tok_gamma[r] = (float)(s / (double)d);
        }
    } else {
        snprintf(err, errlen, "the model has no token embedding (neither bits nor weights)");
        return -1;
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory copying the embeddings");
    return -1;
}

int beex_engine_create(const beex_model *m, const beex_engine_options *opt, beex_engine **out,
                       char *err, size_t errlen)
{
    *out = NULL;
    if (m == NULL || opt == NULL) {
        snprintf(err, errlen, "no model or no options");
        return BEEX_EINVAL;
    }
    if (beex_config_check(&m->cfg, err, errlen) != 0)
        return BEEX_EINVAL;
    if ((int)opt->precision < BEEX_PREC_FP32 || (int)opt->precision >= BEEX_PREC_COUNT) {
        snprintf(err, errlen, "unknown precision %d", (int)opt->precision);
        return BEEX_EINVAL;
    }
    /* Before any work: an uncalibrated model has nothing to quantize its activations with. */
    if (opt->precision == BEEX_PREC_W8A8 && beex_model_has_act_scales(m) != 1) {
        snprintf(err, errlen, "%s", BEEX_W8A8_UNCALIBRATED);
        return BEEX_EINVAL;
    }
    int isa = resolve_isa(opt->isa, opt->precision, err, errlen);
    if (isa < 0)
        return BEEX_EUNSUPPORTED;
    beex_engine *e = calloc(1, sizeof *e);
    if (e == NULL) {
        snprintf(err, errlen, "out of memory");
        return BEEX_ENOMEM;
    }
    e->cfg = m->cfg;
    e->prec = opt->precision;
    e->isa = (beex_isa)isa;
    e->threads = opt->threads > 0 ? opt->threads : omp_get_max_threads();
    const char *fork = getenv("BEEX_FORK_PER_OP");
    e->fork_per_op = fork != NULL && strcmp(fork, "1") == 0;
    const char *scale = getenv("BEEX_GRAIN_SCALE");
    e->grain_scale = scale != NULL ? atof(scale) : 1.0;
    e->slfn = beex_slfn_get(isa);
    e->ew = beex_elementwise_get(isa);
    if (e->slfn == NULL || e->ew == NULL) {
        snprintf(err, errlen, "variant %s lacks the SLFN or elementwise kernels",
                 beex_isa_name(e->isa));
        beex_engine_free(e);
        return BEEX_EUNSUPPORTED;
    }
    const char *why = NULL;
    if (!beex_fp32_backend_ready(&why))
        e->fp32_note = why;
    e->ldb_d = beex_packed_row_bytes((size_t)e->cfg.d);
    e->ldb_ff = beex_packed_row_bytes((size_t)e->cfg.dff);
    size_t L = (size_t)e->cfg.max_len, dh = (size_t)(e->cfg.d / e->cfg.heads);
    e->att_scratch_per_thread = L * L + dh * L;
    e->att_scratch = malloc((size_t)e->threads * e->att_scratch_per_thread * sizeof(float));
    e->blocks = calloc((size_t)e->cfg.blocks, sizeof *e->blocks);
    if (e->att_scratch == NULL || e->blocks == NULL) {
        snprintf(err, errlen, "out of memory");
        beex_engine_free(e);
        return BEEX_ENOMEM;
    }
    if (init_embeddings(e, m, err, errlen) != 0) {
        beex_engine_free(e);
        return BEEX_EINVAL;
    }
    for (int b = 0; b < e->cfg.blocks; b++)
        if (init_block(e, &m->blocks[b], &e->blocks[b], err, errlen) != 0) {
            beex_engine_free(e);
            return BEEX_EINVAL;
        }
    if (beex_engine_reserve(e, (size_t)e->cfg.max_len) != 0) {
        snprintf(err, errlen, "out of memory for scratch buffers");
        beex_engine_free(e);
        return BEEX_ENOMEM;
    }
    *out = e;
    return BEEX_OK;
}

static void free_scratch(beex_engine *e)
{
    free(e->x), free(e->qkv), free(e->att), free(e->y), free(e->h), free(e->a2), free(e->a4);
    free(e->bits), free(e->gbits), free(e->ubits);
    free(e->beta), free(e->gbeta), free(e->ubeta);
    free(e->q8), free(e->gq8), free(e->uq8);
    e->x = e->qkv = e->att = e->y = e->h = e->a2 = e->a4 = NULL;
    e->bits = e->gbits = e->ubits = NULL;
    e->beta = e->gbeta = e->ubeta = NULL;
    e->q8 = e->gq8 = e->uq8 = NULL;
    e->cap_rows = 0;
}

int beex_engine_reserve(beex_engine *e, size_t rows)
{
    if (rows <= e->cap_rows)
        return 0;
    free_scratch(e);
    size_t d = (size_t)e->cfg.d, ff = (size_t)e->cfg.dff, f = sizeof(float);
    e->x = malloc(rows * d * f);
    /* Everything but x serves one group of examples at a time (forward_block.c). */
    size_t cap =
        BEEX_FWD_GROUP_ROWS > (size_t)e->cfg.max_len ? BEEX_FWD_GROUP_ROWS : (size_t)e->cfg.max_len;
    size_t all = rows;
    rows = rows < cap ? rows : cap;
    e->qkv = malloc(rows * 3 * d * f);
    e->att = malloc(rows * d * f);
    e->y = malloc(rows * d * f);
    e->h = malloc(rows * 2 * ff * f);
    e->a2 = malloc(rows * d * f);
    e->a4 = malloc(rows * d * f);
    e->bits = malloc(rows * e->ldb_d);
    e->gbits = malloc(rows * e->ldb_ff);
    e->ubits = malloc(rows * e->ldb_ff);
    e->beta = malloc(rows * f);
    e->gbeta = malloc(rows * f);
    e->ubeta = malloc(rows * f);
    int bad = 0;
    if (e->prec == BEEX_PREC_W8A8) { /* int8 rows of the layers' inputs, as wide as they are */
        e->q8 = malloc(rows * d);
        e->gq8 = malloc(rows * ff);
        e->uq8 = malloc(rows * ff);
        bad = !e->q8 || !e->gq8 || !e->uq8;
    }
    if (bad || !e->x || !e->qkv || !e->att || !e->y || !e->h || !e->a2 || !e->a4 || !e->bits ||
        !e->gbits || !e->ubits || !e->beta || !e->gbeta || !e->ubeta) {
        free_scratch(e);
        return BEEX_ENOMEM;
    }
    e->cap_rows = all;
    return 0;
}

void beex_engine_free(beex_engine *e)
{
    if (e == NULL)
        return;
    if (e->is_worker) { /* shares the weights: owns only its scratch */
        free(e->att_scratch);
        free(e->prof_att);
        free_scratch(e);
        free(e);
        return;
    }
    if (e->workers != NULL)
        for (int t = 0; t < e->threads; t++)
            beex_engine_free(e->workers[t]);
    free(e->workers);
    if (e->blocks != NULL)
        for (int b = 0; b < e->cfg.blocks; b++) {
            beex_fwd_block *k = &e->blocks[b];
            beex_fwd_linear_free(&k->qkv);
            beex_fwd_linear_free(&k->o);
            beex_fwd_linear_free(&k->w13);
            beex_fwd_linear_free(&k->w2);
            beex_fwd_linear_free(&k->w4);
            free(k->ln1_g), free(k->ln1_b), free(k->ln2_g), free(k->ln2_b);
            free(k->exit_w), free(k->exit_b);
        }
    free(e->blocks);
    free(e->tok), free(e->tok_bits), free(e->tok_gamma), free(e->pos);
    free(e->tok_q8), free(e->tok_qscale);
    free(e->att_scratch);
    free(e->prof_att), free(e->worker_prof), free(e->worker_obs);
    free_scratch(e);
    free(e);
}

const beex_config *beex_engine_config(const beex_engine *e)
{
    return &e->cfg;
}

beex_precision beex_engine_precision(const beex_engine *e)
{
    return e->prec;
}

int beex_engine_isa(const beex_engine *e)
{
    return (int)e->isa;
}

const char *beex_engine_fp32_note(const beex_engine *e)
{
    return e->fp32_note;
}

int beex_engine_set_split(beex_engine *e, beex_engine_split split)
{
    if (e == NULL || (int)split < BEEX_SPLIT_AUTO || split > BEEX_SPLIT_EXAMPLES)
        return BEEX_EINVAL;
    e->split = split;
    return BEEX_OK;
}

const char *beex_op_class_name(beex_op_class c)
{
    static const char *const names[BEEX_OP_CLASSES] = {
        "gemm", "pack", "scores", "softmax", "av", "layernorm", "slfn", "exit", "embed"};
    return (int)c >= 0 && c < BEEX_OP_CLASSES ? names[c] : "?";
}

int beex_engine_set_profile(beex_engine *e, beex_op_profile *p)
{
    if (e == NULL || e->is_worker)
        return BEEX_EINVAL;
    if (p != NULL && e->prof_att == NULL) {
        e->prof_att = calloc((size_t)e->threads * BEEX_PROF_STRIDE, sizeof *e->prof_att);
        if (e->prof_att == NULL)
            return BEEX_ENOMEM;
    }
    e->prof = p;
    /* The workers profile only inside a split of e (run_split points them at their own). */
    for (int t = 0; e->workers != NULL && t < e->threads; t++)
        e->workers[t]->prof = NULL;
    return BEEX_OK;
}

int beex_engine_set_observer(beex_engine *e, float *amax)
{
    if (e == NULL || e->is_worker || (amax != NULL && e->prec != BEEX_PREC_FP32))
        return BEEX_EINVAL;
    if (amax != NULL && e->worker_obs == NULL && e->threads > 1) {
        size_t n = (size_t)e->threads * (size_t)e->cfg.blocks * BEEX_ACT_INPUTS;
        if ((e->worker_obs = calloc(n, sizeof *e->worker_obs)) == NULL)
            return BEEX_ENOMEM;
    }
    e->observe = amax;
    return BEEX_OK;
}

double beex_prof_clock(const beex_engine *e)
{
    return !e->in_team || omp_get_thread_num() == 0 ? beex_now_seconds() : 0.0;
}

void beex_prof_add(const beex_engine *e, beex_op_class c, double t0)
{
    if (!e->in_team || omp_get_thread_num() == 0)
        e->prof->seconds[c] += beex_now_seconds() - t0;
}

int beex_engine_workers(beex_engine *e)
{
    if (e->workers != NULL)
        return 0;
    beex_engine **w = calloc((size_t)e->threads, sizeof *w);
    if (w == NULL)
        return BEEX_ENOMEM;
    for (int t = 0; t < e->threads; t++) {
        beex_engine *k = malloc(sizeof *k);
        if (k == NULL)
            goto fail;
        *k = *e; /* weights, tables, embeddings shared (read only) */
        k->is_worker = 1;
        k->threads = 1;
        k->split = BEEX_SPLIT_OPS;
        k->workers = NULL;
        k->prof = NULL; /* run_split gives each worker a profile of its own */
        k->prof_att = NULL;
        k->worker_prof = NULL;
        k->observe = NULL; /* run_split gives each worker an array of its own */
        k->worker_obs = NULL;
        k->cap_rows = 0;
        k->x = k->qkv = k->att = k->y = k->h = k->a2 = k->a4 = NULL;
        k->bits = k->gbits = k->ubits = NULL;
        k->beta = k->gbeta = k->ubeta = NULL;
        k->q8 = k->gq8 = k->uq8 = NULL;
        k->att_scratch = malloc(e->att_scratch_per_thread * sizeof(float));
        w[t] = k;
        if (k->att_scratch == NULL || beex_engine_reserve(k, (size_t)e->cfg.max_len) != 0)
            goto fail;
    }
    e->workers = w;
    return 0;
fail:
    for (int t = 0; t < e->threads; t++)
        beex_engine_free(w[t]);
    free(w);
    return BEEX_ENOMEM;
}
