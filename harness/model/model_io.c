/* Model files (docs/model.md section 8): the mapping between safetensors tensors + metadata and
 * beex_model. One table of tensor slots, built from the configuration, drives the writer,
 * the shape checks and the copy on load, so the two directions cannot drift apart. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/model.h"
#include "harness/model/model_meta.h"
#include "harness/model/safetensors.h"
#include "kernels/pack.h"

typedef enum {
    SLOT_VALUES, /* F32, any finite value */
    SLOT_SCALE,  /* F32, finite and >= 0 (alpha, gamma, qscale: 0 for an all-zero row) */
    SLOT_BITS,   /* U8 packed signs; padding bits past `cols` must be 0 */
    SLOT_INT8,   /* I8 rows of a w8a8 deployment, in [-127, 127] */
    SLOT_ACT     /* F32 [1], finite and > 0: a layer's activation scale (w8a8) */
} slot_kind;

/* Which form the weights take in a file: latent fp32 (checkpoints, fp32 deployments), packed
 * signs + alpha (w1a32, w1a1) or int8 rows + scales (w8a8). */
typedef enum { FORM_LATENT = 0, FORM_BINARY, FORM_INT8 } weight_form;

static weight_form form_of(beex_precision p)
{
    return p == BEEX_PREC_FP32 ? FORM_LATENT : p == BEEX_PREC_W8A8 ? FORM_INT8 : FORM_BINARY;
}

typedef struct {
    char name[48];
    slot_kind kind;
    int ndim;
    int64_t shape[2];
    int cols;  /* SLOT_BITS: signs per row */
    void *ptr; /* source when writing, destination when loading; NULL for shape checks */
} slot;

typedef struct {
    slot *v;
    size_t n, cap;
} slot_list;

static int add(slot_list *l, slot_kind kind, void *ptr, int64_t rows, int64_t cols, const char *fmt,
               int i, const char *part)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        slot *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    slot *s = &l->v[l->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, fmt, i, part);
    s->kind = kind;
    s->ptr = ptr;
    s->ndim = cols > 0 ? 2 : 1;
    s->shape[0] = rows;
    s->shape[1] = cols;
    if (kind == SLOT_BITS) {
        s->cols = (int)cols;
        s->shape[1] = (int64_t)beex_packed_row_bytes((size_t)cols);
    }
    return 0;
}

/* A layer: X.weight, or X.bits + X.alpha, or X.q8 + X.qscale; then X.bias; then, when the
 * file carries activation scales, X.act_scale. */
static int add_linear(slot_list *l, const beex_linear *lin, int rows, int cols, weight_form form,
                      int acts, int i, const char *fmt)
{
    char w[40], b[40], a[40], bi[40], q[40], qs[40], as[40];
    snprintf(w, sizeof w, "%s.weight", fmt);
    snprintf(b, sizeof b, "%s.bits", fmt);
    snprintf(a, sizeof a, "%s.alpha", fmt);
    snprintf(bi, sizeof bi, "%s.bias", fmt);
    snprintf(q, sizeof q, "%s.q8", fmt);
    snprintf(qs, sizeof qs, "%s.qscale", fmt);
    snprintf(as, sizeof as, "%s.act_scale", fmt);
    int rc;
    if (form == FORM_BINARY)
        rc = add(l, SLOT_BITS, lin ? lin->bits : NULL, rows, cols, b, i, NULL) |
             add(l, SLOT_SCALE, lin ? lin->alpha : NULL, rows, 0, a, i, NULL);
    else if (form == FORM_INT8)
        rc = add(l, SLOT_INT8, lin ? lin->q8 : NULL, rows, cols, q, i, NULL) |
             add(l, SLOT_SCALE, lin ? lin->qscale : NULL, rows, 0, qs, i, NULL);
    else
        rc = add(l, SLOT_VALUES, lin ? lin->weight : NULL, rows, cols, w, i, NULL);
    rc |= add(l, SLOT_VALUES, lin ? lin->bias : NULL, rows, 0, bi, i, NULL);
    if (acts)
        rc |= add(l, SLOT_ACT, lin ? (void *)&lin->act_scale : NULL, 1, 0, as, i, NULL);
    return rc;
}

/* Every tensor of a model of configuration c, in file order. m may be NULL (shapes only).
 * acts: the layers' act_scale tensors are included (always in FORM_INT8). */
static int build_slots(const beex_config *c, const beex_model *m, weight_form form, int acts,
                       slot_list *l)
{
    int rc = 0;
    if (form == FORM_INT8)
        acts = 1;
    if (form == FORM_BINARY) {
        rc |= add(l, SLOT_BITS, m ? m->tok_bits : NULL, c->vocab, c->d, "embed.tok.bits", 0, 0);
        rc |= add(l, SLOT_SCALE, m ? m->tok_gamma : NULL, c->vocab, 0, "embed.tok.gamma", 0, 0);
    } else if (form == FORM_INT8) {
        rc |= add(l, SLOT_INT8, m ? m->tok_q8 : NULL, c->vocab, c->d, "embed.tok.q8", 0, 0);
        rc |= add(l, SLOT_SCALE, m ? m->tok_qscale : NULL, c->vocab, 0, "embed.tok.qscale", 0, 0);
    } else {
        rc |=
            add(l, SLOT_VALUES, m ? m->tok_embed : NULL, c->vocab, c->d, "embed.tok.weight", 0, 0);
    }
    rc |= add(l, SLOT_VALUES, m ? m->pos_embed : NULL, c->max_len, c->d, "embed.pos.weight", 0, 0);
    for (int i = 0; i < c->blocks && rc == 0; i++) {
        const beex_block *b = m ? &m->blocks[i] : NULL;
        rc |= add_linear(l, b ? &b->q : NULL, c->d, c->d, form, acts, i, "blocks.%d.attn.q");
        rc |= add_linear(l, b ? &b->k : NULL, c->d, c->d, form, acts, i, "blocks.%d.attn.k");
        rc |= add_linear(l, b ? &b->v : NULL, c->d, c->d, form, acts, i, "blocks.%d.attn.v");
        rc |= add_linear(l, b ? &b->o : NULL, c->d, c->d, form, acts, i, "blocks.%d.attn.o");
        rc |= add(l, SLOT_VALUES, b ? b->ln1_gamma : NULL, c->d, 0, "blocks.%d.ln1.%s", i, "gamma");
        rc |= add(l, SLOT_VALUES, b ? b->ln1_beta : NULL, c->d, 0, "blocks.%d.ln1.%s", i, "beta");
        rc |= add(l, SLOT_VALUES, b ? b->ln2_gamma : NULL, c->d, 0, "blocks.%d.ln2.%s", i, "gamma");
        rc |= add(l, SLOT_VALUES, b ? b->ln2_beta : NULL, c->d, 0, "blocks.%d.ln2.%s", i, "beta");
        rc |= add_linear(l, b ? &b->w1 : NULL, c->dff, c->d, form, acts, i, "blocks.%d.slfn.w1");
        rc |= add_linear(l, b ? &b->w3 : NULL, c->dff, c->d, form, acts, i, "blocks.%d.slfn.w3");
        rc |= add_linear(l, b ? &b->w2 : NULL, c->d, c->dff, form, acts, i, "blocks.%d.slfn.w2");
        rc |= add_linear(l, b ? &b->w4 : NULL, c->d, c->dff, form, acts, i, "blocks.%d.slfn.w4");
        rc |= add(l, SLOT_VALUES, b ? b->exit_weight : NULL, c->classes, c->d, "exits.%d.weight", i,
                  0);
        rc |= add(l, SLOT_VALUES, b ? b->exit_bias : NULL, c->classes, 0, "exits.%d.bias", i, 0);
    }
    return rc;
}

static beex_st_dtype slot_dtype(const slot *s)
{
    return s->kind == SLOT_BITS ? BEEX_ST_U8 : s->kind == SLOT_INT8 ? BEEX_ST_I8 : BEEX_ST_F32;
}

static size_t slot_bytes(const slot *s)
{
    size_t n = (size_t)s->shape[0] * (s->ndim == 2 ? (size_t)s->shape[1] : 1);
    return n * beex_st_dtype_size(slot_dtype(s));
}

/* ---- loading --------------------------------------------------------------------------- */

static int check_slot(const beex_st_file *f, const slot *s, char *err, size_t errlen)
{
    const beex_st_tensor *t = beex_st_find(f, s->name);
    if (t == NULL) {
        snprintf(err, errlen, "tensor '%s' is missing%s", s->name,
                 s->kind == SLOT_ACT ? " (a calibrated model has an act_scale for every layer)"
                                     : "");
        return -1;
    }
    beex_st_dtype want = slot_dtype(s);
    if (t->dtype != want) {
        snprintf(err, errlen, "tensor '%s': dtype %s, expected %s", s->name,
                 beex_st_dtype_name(t->dtype), beex_st_dtype_name(want));
        return -1;
    }
    if (t->ndim != s->ndim || t->shape[0] != s->shape[0] ||
        (s->ndim == 2 && t->shape[1] != s->shape[1])) {
        char got[128] = "", want[48];
        size_t p = 0;
        for (int i = 0; i < t->ndim && i < 4; i++)
            p += (size_t)snprintf(got + p, sizeof got - p, "%s%lld", i ? ", " : "",
                                  (long long)t->shape[i]);
        if (t->ndim > 4)
            snprintf(got + p, sizeof got - p, ", ...");
        if (s->ndim == 2)
            snprintf(want, sizeof want, "%lld, %lld", (long long)s->shape[0],
                     (long long)s->shape[1]);
        else
            snprintf(want, sizeof want, "%lld", (long long)s->shape[0]);
        snprintf(err, errlen, "tensor '%s': shape [%s] does not match the configuration [%s]",
                 s->name, got, want);
        return -1;
    }
    return 0;
}

static int copy_slot(const beex_st_file *f, const slot *s, char *err, size_t errlen)
{
    const beex_st_tensor *t = beex_st_find(f, s->name);
    size_t nb = slot_bytes(s);
    memcpy(s->ptr, t->data, nb);
    if (s->kind == SLOT_BITS) {
        size_t rb = (size_t)s->shape[1];
        uint8_t pad = s->cols % 8 ? (uint8_t)(0xFFu << (s->cols % 8)) : 0;
        for (size_t r = 0; pad && r < (size_t)s->shape[0]; r++)
            if (((const uint8_t *)s->ptr)[r * rb + rb - 1] & pad) {
                snprintf(err, errlen, "tensor '%s': row %zu has padding bits past column %d set",
                         s->name, r, s->cols);
                return -1;
            }
        return 0;
    }
    if (s->kind == SLOT_INT8) {
        /* The quantizer saturates to [-127, 127] (kernels/igemm.h): -128 is never written. */
        const int8_t *q = s->ptr;
        for (size_t i = 0; i < nb; i++)
            if (q[i] == INT8_MIN) {
                snprintf(err, errlen,
                         "tensor '%s': element %zu is -128, outside the quantized range "
                         "[-127, 127] (a corrupt file)",
                         s->name, i);
                return -1;
            }
        return 0;
    }
    const float *v = s->ptr;
    for (size_t i = 0; i < nb / sizeof(float); i++)
        if (!isfinite(v[i]) || (s->kind == SLOT_SCALE && v[i] < 0.0f) ||
            (s->kind == SLOT_ACT && !(v[i] > 0.0f))) {
            snprintf(err, errlen, "tensor '%s': element %zu is %s (%g)", s->name, i,
                     !isfinite(v[i])       ? "not finite"
                     : s->kind == SLOT_ACT ? "not a positive scale"
                                           : "a negative scale",
                     (double)v[i]);
            return -1;
        }
    return 0;
}

/* Layers reading one input share its activation scale (docs/model.md section 3b): Q, K and V
 * read x, BL_1 and BL_3 read y. A file that disagrees is refused, naming both tensors. */
static int check_shared_scales(const beex_model *m, char *err, size_t errlen)
{
    for (int i = 0; i < m->cfg.blocks; i++) {
        const beex_block *b = &m->blocks[i];
        const char *name = NULL, *first = NULL;
        if (b->k.act_scale != b->q.act_scale)
            name = "attn.k", first = "attn.q";
        else if (b->v.act_scale != b->q.act_scale)
            name = "attn.v", first = "attn.q";
        else if (b->w3.act_scale != b->w1.act_scale)
            name = "slfn.w3", first = "slfn.w1";
        if (name != NULL) {
            snprintf(err, errlen,
                     "tensor 'blocks.%d.%s.act_scale' differs from 'blocks.%d.%s.act_scale' "
                     "(the two layers read the same input)",
                     i, name, i, first);
            return -1;
        }
    }
    return 0;
}

/* A deployment model keeps only the weights of its form: frees the others so nothing reads
 * stale zeros (and an engine of another precision is refused for want of them). */
static void drop_other_forms(beex_model *m, weight_form form)
{
    free(m->tok_embed);
    m->tok_embed = NULL;
    if (form == FORM_INT8) {
        free(m->tok_bits), free(m->tok_gamma);
        m->tok_bits = NULL, m->tok_gamma = NULL;
    }
    for (int i = 0; i < m->cfg.blocks; i++) {
        beex_block *b = &m->blocks[i];
        beex_linear *ls[] = {&b->q, &b->k, &b->v, &b->o, &b->w1, &b->w3, &b->w2, &b->w4};
        for (size_t j = 0; j < sizeof ls / sizeof ls[0]; j++) {
            free(ls[j]->weight);
            ls[j]->weight = NULL;
            if (form == FORM_INT8) {
                free(ls[j]->bits), free(ls[j]->alpha);
                ls[j]->bits = NULL, ls[j]->alpha = NULL;
            }
        }
    }
}

/* Room for the int8 rows of a w8a8 deployment (a checkpoint derives them instead). */
static int alloc_int8(beex_model *m)
{
    const beex_config *c = &m->cfg;
    m->tok_q8 = malloc((size_t)c->vocab * (size_t)c->d);
    m->tok_qscale = malloc((size_t)c->vocab * sizeof(float));
    if (m->tok_q8 == NULL || m->tok_qscale == NULL)
        return -1;
    for (int i = 0; i < c->blocks; i++) {
        beex_block *b = &m->blocks[i];
        beex_linear *ls[] = {&b->q, &b->k, &b->v, &b->o, &b->w1, &b->w3, &b->w2, &b->w4};
        for (size_t j = 0; j < sizeof ls / sizeof ls[0]; j++) {
            ls[j]->q8 = malloc((size_t)ls[j]->rows * (size_t)ls[j]->cols);
            ls[j]->qscale = malloc((size_t)ls[j]->rows * sizeof(float));
            if (ls[j]->q8 == NULL || ls[j]->qscale == NULL)
                return -1;
        }
    }
    return 0;
}

/* 1 when the file holds any X.act_scale tensor: a calibrated checkpoint must then hold one for
 * every layer (the slot checks say which is missing). */
static int file_has_act_scales(const beex_st_file *f)
{
    static const char suffix[] = ".act_scale";
    size_t ns = sizeof suffix - 1;
    for (size_t i = 0; i < f->count; i++) {
        size_t n = strlen(f->tensors[i].name);
        if (n >= ns && strcmp(f->tensors[i].name + n - ns, suffix) == 0)
            return 1;
    }
    return 0;
}

static const char *form_words(weight_form form)
{
    return form == FORM_BINARY ? "binarized deployment"
           : form == FORM_INT8 ? "w8a8 deployment"
                               : "full-precision";
}

static int load_parsed(const beex_st_file *f, beex_model **out, char *err, size_t errlen)
{
    const char *format = beex_st_meta(f, "format"), *version = beex_st_meta(f, "version");
    if (format == NULL || strcmp(format, BEEX_FILE_FORMAT) != 0) {
        snprintf(err, errlen, "bad metadata: 'format' is %s%.32s%s, expected \"beex\"",
                 format ? "\"" : "", format ? format : "missing", format ? "\"" : "");
        return -1;
    }
    if (version == NULL || strcmp(version, BEEX_FILE_VERSION) != 0) {
        snprintf(err, errlen, "bad metadata: unsupported 'version' %.32s (this build reads 1)",
                 version ? version : "(missing)");
        return -1;
    }
    beex_config cfg;
    if (beex_model_meta_parse_config(beex_st_meta(f, "config"), &cfg, err, errlen) != 0)
        return -1;
    const char *prec = beex_st_meta(f, "precision");
    int deployment = prec != NULL;
    weight_form form = FORM_LATENT;
    if (deployment) {
        int p = beex_precision_parse(prec);
        if (p < 0) {
            snprintf(err, errlen, "bad metadata: unknown 'precision' \"%.32s\"", prec);
            return -1;
        }
        cfg.precision = (beex_precision)p;
        form = form_of((beex_precision)p);
    }
    /* Activation scales: always in a w8a8 deployment, never in a binarized one, and in a
     * full-precision file for every layer or for none. */
    int acts = form == FORM_INT8 || (form == FORM_LATENT && file_has_act_scales(f));
    /* Shapes first: the configuration is trusted for allocation only once every tensor it
     * implies is present in the file with its size. */
    slot_list l = {0};
    int rc = -1;
    beex_model *m = NULL;
    if (build_slots(&cfg, NULL, form, acts, &l) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < l.n; i++)
        if (check_slot(f, &l.v[i], err, errlen) != 0)
            goto out;
    if (f->count != l.n) {
        for (size_t i = 0; i < f->count; i++) {
            size_t j = 0;
            while (j < l.n && strcmp(l.v[j].name, f->tensors[i].name) != 0)
                j++;
            if (j == l.n) {
                snprintf(err, errlen, "unexpected tensor '%.64s' in a %s file", f->tensors[i].name,
                         form_words(form));
                goto out;
            }
        }
    }
    if (beex_model_alloc(&cfg, &m, err, errlen) != 0)
        goto out;
    if (form != FORM_LATENT)
        drop_other_forms(m, form);
    if (form == FORM_INT8 && alloc_int8(m) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    m->is_deployment = deployment;
    l.n = 0;
    if (build_slots(&cfg, m, form, acts, &l) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < l.n; i++)
        if (copy_slot(f, &l.v[i], err, errlen) != 0)
            goto out;
    if (acts && check_shared_scales(m, err, errlen) != 0)
        goto out;
    if (beex_model_meta_read_labels(m, beex_st_meta(f, "labels"), err, errlen) != 0 ||
        beex_model_meta_read_vocab(m, beex_st_meta(f, "vocab"), err, errlen) != 0)
        goto out;
    const char *extra = beex_st_meta(f, "extra");
    if (extra != NULL && (m->metadata_json = strdup(extra)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* A checkpoint derives every quantized form (bits + alpha, int8 rows + scales). */
    if (form == FORM_LATENT && beex_model_derive_binary(m) != 0) {
        snprintf(err, errlen, "cannot derive the quantized weights");
        goto out;
    }
    *out = m;
    m = NULL;
    rc = 0;
out:
    beex_model_free(m);
    free(l.v);
    return rc;
}

int beex_model_load_buffer(const uint8_t *buf, size_t len, beex_model **out, char *err,
                           size_t errlen)
{
    *out = NULL;
    beex_st_file f;
    if (beex_st_parse(buf, len, &f, err, errlen) != 0)
        return -1;
    int rc = load_parsed(&f, out, err, errlen);
    beex_st_close(&f);
    return rc;
}

int beex_model_load(const char *path, beex_model **out, char *err, size_t errlen)
{
    *out = NULL;
    beex_st_file f;
    if (beex_st_read(path, &f, err, errlen) != 0)
        return -1;
    char inner[384];
    int rc = load_parsed(&f, out, inner, sizeof inner);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, inner);
    beex_st_close(&f);
    return rc;
}

/* ---- saving ---------------------------------------------------------------------------- */

/* Writes the file, or with size_only set only measures it. */
static int write_slots(const beex_model *m, weight_form form, int acts, const char *precision,
                       const char *path, uint64_t *size_only, char *err, size_t errlen)
{
    slot_list l = {0};
    beex_st_entry *e = NULL;
    json_t *md = beex_model_meta_build(m, precision, err, errlen);
    int rc = -1;
    if (md == NULL)
        goto out;
    if (build_slots(&m->cfg, m, form, acts, &l) != 0 || (e = calloc(l.n, sizeof *e)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < l.n; i++) {
        if (l.v[i].ptr == NULL) {
            snprintf(err, errlen, "tensor '%s': the model has no data for it", l.v[i].name);
            goto out;
        }
        e[i].name = l.v[i].name;
        e[i].dtype = slot_dtype(&l.v[i]);
        e[i].ndim = l.v[i].ndim;
        e[i].shape[0] = l.v[i].shape[0];
        e[i].shape[1] = l.v[i].shape[1];
        e[i].data = l.v[i].ptr;
    }
    rc = size_only ? beex_st_size(e, l.n, md, size_only, err, errlen)
                   : beex_st_write(path, e, l.n, md, err, errlen);
out:
    json_decref(md);
    free(e);
    free(l.v);
    return rc;
}

/* Whether a latent file carries act scales: 1 for all layers, 0 for none; -1 (err set) for
 * some only, which no file may hold. */
static int latent_acts(const beex_model *m, const char *path, char *err, size_t errlen)
{
    int acts = beex_model_has_act_scales(m);
    if (acts < 0)
        snprintf(err, errlen,
                 "%s: some layers have activation scales and others none; calibrate the "
                 "whole model (beex quantize)",
                 path);
    return acts;
}

int beex_model_save_checkpoint(const beex_model *m, const char *path, char *err, size_t errlen)
{
    if (m->tok_embed == NULL) {
        snprintf(err, errlen, "%s: a deployment model has no latent weights to checkpoint", path);
        return -1;
    }
    int acts = latent_acts(m, path, err, errlen);
    if (acts < 0)
        return -1;
    return write_slots(m, FORM_LATENT, acts, NULL, path, NULL, err, errlen);
}

/* Bits and alpha of a model with latent weights are packed afresh from those weights, so a
 * caller that updated the weights without re-deriving still exports what it trained. */
static int pack_linear(beex_linear *dst, const beex_linear *src)
{
    size_t rb = beex_packed_row_bytes((size_t)src->cols);
    *dst = *src;
    dst->bits = malloc((size_t)src->rows * rb);
    dst->alpha = malloc((size_t)src->rows * sizeof(float));
    if (dst->bits == NULL || dst->alpha == NULL)
        return -1;
    return beex_pack_signs_rows_ref(src->weight, (size_t)src->rows, (size_t)src->cols,
                                    (size_t)src->cols, 0.0f, dst->bits, rb, dst->alpha);
}

static int save_binary(const beex_model *m, beex_precision prec, const char *path, char *err,
                       size_t errlen)
{
    beex_model copy = *m;
    copy.cfg.precision = prec;
    size_t d = (size_t)m->cfg.d, rb = beex_packed_row_bytes(d);
    copy.blocks = calloc((size_t)m->cfg.blocks, sizeof *copy.blocks);
    copy.tok_bits = malloc((size_t)m->cfg.vocab * rb);
    copy.tok_gamma = malloc((size_t)m->cfg.vocab * sizeof(float));
    int rc = copy.blocks && copy.tok_bits && copy.tok_gamma ? 0 : -1;
    if (rc == 0)
        rc = beex_pack_signs_rows_ref(m->tok_embed, (size_t)m->cfg.vocab, d, d, 0.0f, copy.tok_bits,
                                      rb, copy.tok_gamma);
    for (int i = 0; rc == 0 && i < m->cfg.blocks; i++) {
        const beex_block *s = &m->blocks[i];
        beex_block *b = &copy.blocks[i];
        *b = *s;
        rc = pack_linear(&b->q, &s->q) | pack_linear(&b->k, &s->k) | pack_linear(&b->v, &s->v) |
             pack_linear(&b->o, &s->o) | pack_linear(&b->w1, &s->w1) | pack_linear(&b->w3, &s->w3) |
             pack_linear(&b->w2, &s->w2) | pack_linear(&b->w4, &s->w4);
    }
    if (rc == 0)
        rc = write_slots(&copy, FORM_BINARY, 0, beex_precision_name(prec), path, NULL, err, errlen);
    else
        snprintf(err, errlen, "%s: out of memory packing the weights", path);
    for (int i = 0; copy.blocks && i < m->cfg.blocks; i++) {
        beex_block *b = &copy.blocks[i];
        beex_linear *ls[] = {&b->q, &b->k, &b->v, &b->o, &b->w1, &b->w3, &b->w2, &b->w4};
        for (size_t j = 0; j < sizeof ls / sizeof ls[0]; j++)
            if (ls[j]->weight != NULL) { /* only packed layers own their bits here */
                free(ls[j]->bits);
                free(ls[j]->alpha);
            }
    }
    free(copy.blocks);
    free(copy.tok_bits);
    free(copy.tok_gamma);
    return rc;
}

/* The int8 rows of a model with latent weights are quantized afresh from those weights (as
 * save_binary packs its bits), into a copy that owns them. */
static int save_int8(const beex_model *m, const char *path, char *err, size_t errlen)
{
    beex_model copy = *m;
    copy.cfg.precision = BEEX_PREC_W8A8;
    copy.tok_q8 = NULL, copy.tok_qscale = NULL;
    copy.blocks = calloc((size_t)m->cfg.blocks, sizeof *copy.blocks);
    int rc = copy.blocks != NULL ? 0 : -1;
    for (int i = 0; rc == 0 && i < m->cfg.blocks; i++) {
        beex_block *b = &copy.blocks[i];
        *b = m->blocks[i];
        beex_linear *ls[] = {&b->q, &b->k, &b->v, &b->o, &b->w1, &b->w3, &b->w2, &b->w4};
        for (size_t j = 0; j < sizeof ls / sizeof ls[0]; j++)
            ls[j]->q8 = NULL, ls[j]->qscale = NULL;
    }
    if (rc == 0)
        rc = beex_model_derive_int8(&copy);
    if (rc == 0)
        rc = write_slots(&copy, FORM_INT8, 1, "w8a8", path, NULL, err, errlen);
    else
        snprintf(err, errlen, "%s: out of memory quantizing the weights", path);
    for (int i = 0; copy.blocks && i < m->cfg.blocks; i++) {
        beex_block *b = &copy.blocks[i];
        beex_linear *ls[] = {&b->q, &b->k, &b->v, &b->o, &b->w1, &b->w3, &b->w2, &b->w4};
        for (size_t j = 0; j < sizeof ls / sizeof ls[0]; j++)
            free(ls[j]->q8), free(ls[j]->qscale);
    }
    free(copy.blocks);
    free(copy.tok_q8);
    free(copy.tok_qscale);
    return rc;
}

int beex_model_save_deployment(const beex_model *m, beex_precision prec, const char *path,
                               char *err, size_t errlen)
{
    if ((int)prec < 0 || (int)prec >= BEEX_PREC_COUNT) {
        snprintf(err, errlen, "%s: unknown precision %d", path, (int)prec);
        return -1;
    }
    weight_form form = form_of(prec);
    const char *name = beex_precision_name(prec);
    if (form == FORM_INT8 && beex_model_has_act_scales(m) != 1) {
        snprintf(err, errlen, "%s: %s", path, BEEX_W8A8_UNCALIBRATED);
        return -1;
    }
    if (m->tok_embed == NULL) {
        /* A deployment model re-exports only to a precision its own weights can serve. */
        int have = form == FORM_BINARY ? m->tok_bits != NULL
                   : form == FORM_INT8 ? m->tok_q8 != NULL
                                       : 0;
        if (!have) {
            snprintf(err, errlen, "%s: %s export needs latent weights; this model has only %s",
                     path, name,
                     m->tok_q8 != NULL ? "int8 rows (a w8a8 deployment)"
                                       : "bits (a binarized deployment)");
            return -1;
        }
        return write_slots(m, form, form == FORM_INT8, name, path, NULL, err, errlen);
    }
    if (form == FORM_BINARY)
        return save_binary(m, prec, path, err, errlen);
    if (form == FORM_INT8)
        return save_int8(m, path, err, errlen);
    int acts = latent_acts(m, path, err, errlen);
    if (acts < 0)
        return -1;
    return write_slots(m, FORM_LATENT, acts, name, path, NULL, err, errlen);
}

int beex_model_deployment_size(const beex_model *m, beex_precision prec, uint64_t *bytes, char *err,
                               size_t errlen)
{
    weight_form form = form_of(prec);
    int acts = form == FORM_INT8 || (form == FORM_LATENT && beex_model_has_act_scales(m) == 1);
    int have = (int)prec >= 0 && (int)prec < BEEX_PREC_COUNT &&
               (form == FORM_LATENT   ? m->tok_embed != NULL
                : form == FORM_BINARY ? m->tok_bits != NULL
                                      : m->tok_q8 != NULL);
    if (!have) {
        snprintf(err, errlen, "no %s deployment can be made of this model",
                 beex_precision_name(prec));
        return -1;
    }
    /* Sizes do not depend on the values, so the model's current weights measure the file. */
    return write_slots(m, form, acts, beex_precision_name(prec), "(size)", bytes, err, errlen);
}
