/* Model files round trip: checkpoint bit for bit, deployment bits / alpha equal to
 * derive_binary, int8 rows and scales of a w8a8 deployment equal to derive_int8 (and its logits
 * those of the calibrated checkpoint), and a hand-written file (other tensor order, extra header
 * padding) loads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <math.h>

#include "harness/model/engine.h"
#include "harness/model/safetensors.h"
#include "harness/model/test_model_io_util.h"

#define FBYTES(n) ((size_t)(n) * sizeof(float))

static void assert_same_linear(const beex_linear *a, const beex_linear *b, int weights)
{
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->cols, b->cols);
    size_t rb = (size_t)(a->cols + 7) / 8;
    if (weights)
        assert_memory_equal(a->weight, b->weight, FBYTES(a->rows * a->cols));
    assert_memory_equal(a->bits, b->bits, (size_t)a->rows * rb);
    assert_memory_equal(a->alpha, b->alpha, FBYTES(a->rows));
    assert_memory_equal(a->bias, b->bias, FBYTES(a->rows));
}

/* Everything a forward pass reads; latent weights too when both models have them. */
static void assert_same_model(const beex_model *a, const beex_model *b, int weights)
{
    const beex_config *c = &a->cfg;
    assert_int_equal(c->vocab, b->cfg.vocab);
    assert_int_equal(c->d, b->cfg.d);
    assert_int_equal(c->heads, b->cfg.heads);
    assert_int_equal(c->dff, b->cfg.dff);
    assert_int_equal(c->blocks, b->cfg.blocks);
    assert_int_equal(c->max_len, b->cfg.max_len);
    assert_int_equal(c->classes, b->cfg.classes);
    assert_true(c->ln_eps == b->cfg.ln_eps);
    size_t d = (size_t)c->d;
    if (weights)
        assert_memory_equal(a->tok_embed, b->tok_embed, FBYTES(c->vocab * d));
    assert_memory_equal(a->tok_bits, b->tok_bits, (size_t)c->vocab * ((d + 7) / 8));
    assert_memory_equal(a->tok_gamma, b->tok_gamma, FBYTES(c->vocab));
    assert_memory_equal(a->pos_embed, b->pos_embed, FBYTES(c->max_len * d));
    for (int i = 0; i < c->blocks; i++) {
        const beex_block *x = &a->blocks[i], *y = &b->blocks[i];
        assert_same_linear(&x->q, &y->q, weights);
        assert_same_linear(&x->k, &y->k, weights);
        assert_same_linear(&x->v, &y->v, weights);
        assert_same_linear(&x->o, &y->o, weights);
        assert_same_linear(&x->w1, &y->w1, weights);
        assert_same_linear(&x->w2, &y->w2, weights);
        assert_same_linear(&x->w3, &y->w3, weights);
        assert_same_linear(&x->w4, &y->w4, weights);
        assert_memory_equal(x->ln1_gamma, y->ln1_gamma, FBYTES(d));
        assert_memory_equal(x->ln1_beta, y->ln1_beta, FBYTES(d));
        assert_memory_equal(x->ln2_gamma, y->ln2_gamma, FBYTES(d));
        assert_memory_equal(x->ln2_beta, y->ln2_beta, FBYTES(d));
        assert_memory_equal(x->exit_weight, y->exit_weight, FBYTES(c->classes * d));
        assert_memory_equal(x->exit_bias, y->exit_bias, FBYTES(c->classes));
    }
    for (int i = 0; i < c->classes; i++)
        assert_string_equal(a->labels[i], b->labels[i]);
    for (int i = 0; i < c->vocab; i++) {
        if (a->vocab[i] == NULL)
            assert_null(b->vocab[i]);
        else
            assert_string_equal(a->vocab[i], b->vocab[i]);
    }
}

/* Makes latent values that stress the bit format: -0.0, +0.0, tiny negatives, signed
 * extremes. Then re-derives, as a trainer would after an update. */
static void set_awkward_values(beex_model *m)
{
    beex_linear *l = &m->blocks[1].w4;
    l->weight[0] = -0.0f;
    l->weight[1] = 0.0f;
    l->weight[2] = -1e-38f;
    l->weight[3] = 1.0f;
    l->weight[4] = -1.0f;
    m->tok_embed[5] = -0.0f;
    m->blocks[0].exit_bias[1] = -0.0f;
    assert_int_equal(beex_model_derive_binary(m), 0);
}

static void test_checkpoint_round_trip(void **state)
{
    (void)state;
    beex_model *m = tiny_model(11), *r = NULL;
    set_awkward_values(m);
    free(m->labels[0]);
    m->labels[0] = strdup("negative \"quoted\" \xc3\xa9");
    free(m->vocab[7]);
    m->vocab[7] = NULL; /* an unset id travels as an empty line */
    m->metadata_json = strdup("{\"lr\": 0.001}");
    m->cfg.precision = BEEX_PREC_W1A32;
    char path[256], err[512];
    temp_path(path, sizeof path, "ckpt");
    assert_int_equal(beex_model_save_checkpoint(m, path, err, sizeof err), 0);
    if (beex_model_load(path, &r, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    assert_int_equal(r->is_deployment, 0);
    assert_int_equal(r->cfg.precision, BEEX_PREC_W1A32);
    assert_same_model(m, r, 1);
    assert_string_equal(r->metadata_json, "{\"lr\": 0.001}");
    /* -0.0 survives bit for bit and packs as +1 (bit 0). */
    assert_true(signbit(r->blocks[1].w4.weight[0]));
    assert_int_equal(r->blocks[1].w4.bits[0] & 0x1f, 0x14); /* bits 2 and 4 */
    assert_int_equal(r->tok_bits[0] & 0x20, 0);
    /* Saving what was loaded gives the same bytes. */
    char path2[256];
    temp_path(path2, sizeof path2, "ckpt2");
    assert_int_equal(beex_model_save_checkpoint(r, path2, err, sizeof err), 0);
    size_t n1, n2;
    uint8_t *b1 = read_all(path, &n1), *b2 = read_all(path2, &n2);
    assert_non_null(b1);
    assert_non_null(b2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    free(b1);
    free(b2);
    unlink(path);
    unlink(path2);
    beex_model_free(m);
    beex_model_free(r);
}

static void check_deployment(beex_precision prec)
{
    beex_model *m = tiny_model(5), *r = NULL;
    set_awkward_values(m);
    char path[256], ckpt[256], err[512];
    temp_path(path, sizeof path, beex_precision_name(prec));
    temp_path(ckpt, sizeof ckpt, "dckpt");
    assert_int_equal(beex_model_save_deployment(m, prec, path, err, sizeof err), 0);
    if (beex_model_load(path, &r, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    assert_int_equal(r->is_deployment, 1);
    assert_int_equal(r->cfg.precision, prec);
    int binary = prec != BEEX_PREC_FP32;
    assert_same_model(m, r, !binary);
    if (binary) {
        assert_null(r->tok_embed);
        assert_null(r->blocks[0].q.weight);
        assert_null(r->blocks[1].w2.weight);
        /* A binarized deployment re-saves to the same bytes; it cannot make a checkpoint. */
        char again[256];
        temp_path(again, sizeof again, "again");
        assert_int_equal(beex_model_save_deployment(r, prec, again, err, sizeof err), 0);
        size_t n1, n2;
        uint8_t *b1 = read_all(path, &n1), *b2 = read_all(again, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(b1, b2, n1);
        free(b1);
        free(b2);
        unlink(again);
        assert_int_not_equal(beex_model_save_checkpoint(r, again, err, sizeof err), 0);
        assert_non_null(strstr(err, "latent"));
        assert_int_not_equal(beex_model_save_deployment(r, BEEX_PREC_FP32, again, err, sizeof err),
                             0);
        assert_int_equal(access(again, F_OK), -1); /* no half-written file */
        /* The deployment is the smaller file. */
        assert_int_equal(beex_model_save_checkpoint(m, ckpt, err, sizeof err), 0);
        size_t nc = 0, nd = 0;
        uint8_t *bc = read_all(ckpt, &nc), *bd = read_all(path, &nd);
        assert_true(nd < nc); /* tiny model: the header weighs as much as the data */
        free(bc);
        free(bd);
        unlink(ckpt);
    }
    unlink(path);
    beex_model_free(m);
    beex_model_free(r);
}

static void test_deployment_w1a1(void **state)
{
    (void)state;
    check_deployment(BEEX_PREC_W1A1);
}

static void test_deployment_w1a32(void **state)
{
    (void)state;
    check_deployment(BEEX_PREC_W1A32);
}

static void test_deployment_fp32(void **state)
{
    (void)state;
    check_deployment(BEEX_PREC_FP32);
}

/* Activation scales as a calibration would set them: one per block and input, all distinct. */
static void set_act_scales(beex_model *m)
{
    float s[64];
    for (int i = 0; i < m->cfg.blocks * BEEX_ACT_INPUTS; i++)
        s[i] = 0.01f + 0.003f * (float)i;
    beex_model_set_act_scales(m, s);
}

static void assert_same_int8(const beex_linear *a, const beex_linear *b)
{
    assert_memory_equal(a->q8, b->q8, (size_t)a->rows * (size_t)a->cols);
    assert_memory_equal(a->qscale, b->qscale, FBYTES(a->rows));
    assert_memory_equal(a->bias, b->bias, FBYTES(a->rows));
    assert_true(a->act_scale == b->act_scale && a->act_scale > 0.0f);
}

/* Full-depth logits of a few examples at w8a8. */
static void w8a8_logits(const beex_model *m, float *lg)
{
    beex_engine_options o = {BEEX_PREC_W8A8, -1, 1};
    beex_engine *e = NULL;
    char err[256];
    if (beex_engine_create(m, &o, &e, err, sizeof err) != 0)
        fail_msg("engine: %s", err);
    static const int32_t a[5] = {2, 7, 12, 0, 5}, b[3] = {11, 1, 4};
    const int32_t *ids[2] = {a, b};
    int lens[2] = {5, 3};
    beex_exit_result r[2];
    assert_int_equal(beex_engine_run_batch(e, ids, lens, 2, -INFINITY, r, lg, NULL), 0);
    beex_engine_free(e);
}

/* A calibrated checkpoint keeps its act scales bit for bit; its w8a8 deployment holds the int8
 * rows derive_int8 makes, runs to the checkpoint's logits byte for byte, re-saves to the same
 * bytes, and serves no other precision. */
static void test_deployment_w8a8(void **state)
{
    (void)state;
    beex_model *m = tiny_model(5), *c = NULL, *r = NULL;
    set_awkward_values(m);
    char ckpt[256], path[256], again[256], err[512];
    temp_path(ckpt, sizeof ckpt, "w8ckpt");
    temp_path(path, sizeof path, "w8a8");
    temp_path(again, sizeof again, "w8again");
    /* Uncalibrated: refused, with the word on what to do. */
    assert_int_equal(beex_model_has_act_scales(m), 0);
    assert_int_not_equal(beex_model_save_deployment(m, BEEX_PREC_W8A8, path, err, sizeof err), 0);
    assert_non_null(strstr(err, "beex quantize"));
    assert_int_equal(access(path, F_OK), -1);
    set_act_scales(m);
    assert_int_equal(beex_model_has_act_scales(m), 1);
    assert_int_equal(beex_model_save_checkpoint(m, ckpt, err, sizeof err), 0);
    assert_int_equal(beex_model_save_deployment(m, BEEX_PREC_W8A8, path, err, sizeof err), 0);
    if (beex_model_load(ckpt, &c, err, sizeof err) != 0 ||
        beex_model_load(path, &r, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    assert_same_model(m, c, 1);
    assert_int_equal(r->is_deployment, 1);
    assert_int_equal(r->cfg.precision, BEEX_PREC_W8A8);
    assert_null(r->tok_embed), assert_null(r->tok_bits), assert_null(r->blocks[0].q.weight);
    assert_null(r->blocks[1].w4.bits);
    size_t vd = (size_t)m->cfg.vocab * (size_t)m->cfg.d;
    assert_memory_equal(r->tok_q8, m->tok_q8, vd);
    assert_memory_equal(r->tok_qscale, m->tok_qscale, FBYTES(m->cfg.vocab));
    assert_memory_equal(c->tok_q8, m->tok_q8, vd);
    for (int i = 0; i < m->cfg.blocks; i++) {
        const beex_block *x = &m->blocks[i], *y = &r->blocks[i], *z = &c->blocks[i];
        const beex_linear *lx[] = {&x->q, &x->k, &x->v, &x->o, &x->w1, &x->w3, &x->w2, &x->w4};
        const beex_linear *ly[] = {&y->q, &y->k, &y->v, &y->o, &y->w1, &y->w3, &y->w2, &y->w4};
        const beex_linear *lz[] = {&z->q, &z->k, &z->v, &z->o, &z->w1, &z->w3, &z->w2, &z->w4};
        for (int j = 0; j < 8; j++) {
            assert_same_int8(lx[j], ly[j]);
            assert_same_int8(lx[j], lz[j]);
        }
    }
    /* -0.0 and -1e-38 in w4's row 0 quantize to 0; its +-1.0 (the row's max) to +-127. */
    const int8_t *q = r->blocks[1].w4.q8;
    assert_int_equal(q[0], 0), assert_int_equal(q[1], 0), assert_int_equal(q[2], 0);
    assert_int_equal(q[3], 127), assert_int_equal(q[4], -127);
    assert_true(r->blocks[1].w4.qscale[0] == 1.0f / 127.0f);
    /* The same logits from the checkpoint (int8 derived on load) and the deployment. */
    size_t nl = 2 * (size_t)m->cfg.blocks * (size_t)m->cfg.classes;
    float *l1 = malloc(nl * sizeof *l1), *l2 = malloc(nl * sizeof *l2);
    w8a8_logits(c, l1);
    w8a8_logits(r, l2);
    assert_memory_equal(l1, l2, nl * sizeof *l1);
    /* Re-saving the deployment gives the same bytes; its size is what deployment_size said. */
    assert_int_equal(beex_model_save_deployment(r, BEEX_PREC_W8A8, again, err, sizeof err), 0);
    size_t n1, n2;
    uint8_t *b1 = read_all(path, &n1), *b2 = read_all(again, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    uint64_t size = 0;
    assert_int_equal(beex_model_deployment_size(m, BEEX_PREC_W8A8, &size, err, sizeof err), 0);
    assert_int_equal(size, n1);
    free(b1), free(b2);
    unlink(again);
    /* A w8a8 deployment has neither latent weights nor bits. */
    assert_int_not_equal(beex_model_save_deployment(r, BEEX_PREC_W1A1, again, err, sizeof err), 0);
    assert_non_null(strstr(err, "w8a8 deployment"));
    assert_int_not_equal(beex_model_save_checkpoint(r, again, err, sizeof err), 0);
    assert_int_equal(access(again, F_OK), -1);
    beex_engine_options o = {BEEX_PREC_W1A1, -1, 1};
    beex_engine *e = NULL;
    assert_int_not_equal(beex_engine_create(r, &o, &e, err, sizeof err), 0);
    assert_null(e);
    /* A binarized deployment cannot make a w8a8 one. */
    beex_model *b = NULL;
    assert_int_equal(beex_model_save_deployment(m, BEEX_PREC_W1A1, again, err, sizeof err), 0);
    assert_int_equal(beex_model_load(again, &b, err, sizeof err), 0);
    assert_int_not_equal(beex_model_deployment_size(b, BEEX_PREC_W8A8, &size, err, sizeof err), 0);
    unlink(again);
    beex_model_free(b);
    /* Clearing the scales makes an uncalibrated checkpoint again, without act_scale tensors. */
    beex_model_set_act_scales(c, NULL);
    assert_int_equal(beex_model_save_checkpoint(c, again, err, sizeof err), 0);
    beex_st_file f;
    assert_int_equal(beex_st_read(again, &f, err, sizeof err), 0);
    assert_null(beex_st_find(&f, "blocks.0.attn.q.act_scale"));
    beex_st_close(&f);
    unlink(again);
    free(l1), free(l2);
    unlink(ckpt);
    unlink(path);
    beex_model_free(m);
    beex_model_free(c);
    beex_model_free(r);
}

/* Export packs from the latent weights, not from stale bits of an earlier derive. */
static void test_deployment_packs_fresh(void **state)
{
    (void)state;
    beex_model *m = tiny_model(9), *r = NULL;
    beex_linear *l = &m->blocks[0].k;
    for (int k = 0; k < l->cols; k++)
        l->weight[k] = (k % 3 == 0) ? -0.5f : 0.25f; /* row 0 changed, bits not re-derived */
    char path[256], err[512];
    temp_path(path, sizeof path, "fresh");
    assert_int_equal(beex_model_save_deployment(m, BEEX_PREC_W1A1, path, err, sizeof err), 0);
    assert_int_equal(beex_model_load(path, &r, err, sizeof err), 0);
    assert_int_equal(r->blocks[0].k.bits[0], 0x49); /* k = 0, 3, 6 negative */
    assert_int_equal(r->blocks[0].k.bits[1], 0x02); /* k = 9; bits past 12 stay 0 */
    assert_float_equal(r->blocks[0].k.alpha[0], (4 * 0.5 + 8 * 0.25) / 12.0, 1e-7);
    unlink(path);
    beex_model_free(m);
    beex_model_free(r);
}

/* Writes the tensors of `src` in reverse order, with data laid out in yet another order and
 * the header padded by 37 spaces: a valid file no beex writer produces. */
static void write_shuffled(const char *src, const char *dst)
{
    beex_st_file f;
    char err[512];
    assert_int_equal(beex_st_read(src, &f, err, sizeof err), 0);
    json_t *h = json_object();
    json_object_set(h, "__metadata__", f.metadata);
    size_t off = 0;
    size_t *order = malloc(f.count * sizeof *order);
    size_t k = 0; /* data order: odd tensors first, then even ones */
    for (size_t i = 1; i < f.count; i += 2)
        order[k++] = i;
    for (size_t i = 0; i < f.count; i += 2)
        order[k++] = i;
    size_t *offset = calloc(f.count, sizeof *offset);
    for (size_t i = 0; i < f.count; i++) {
        offset[order[i]] = off;
        off += f.tensors[order[i]].end - f.tensors[order[i]].begin;
    }
    for (size_t j = f.count; j-- > 0;) {
        const beex_st_tensor *t = &f.tensors[j];
        json_t *shape = json_array();
        for (int d = 0; d < t->ndim; d++)
            json_array_append_new(shape, json_integer(t->shape[d]));
        json_object_set_new(h, t->name,
                            json_pack("{s:[I,I], s:o, s:s}", "data_offsets", (json_int_t)offset[j],
                                      (json_int_t)(offset[j] + t->end - t->begin), "shape", shape,
                                      "dtype", beex_st_dtype_name(t->dtype)));
    }
    char *text = json_dumps(h, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    size_t hl = strlen(text) + 37;
    FILE *o = fopen(dst, "wb");
    assert_non_null(o);
    for (int i = 0; i < 8; i++)
        fputc((int)((hl >> (8 * i)) & 0xff), o);
    fputs(text, o);
    for (int i = 0; i < 37; i++)
        fputc(' ', o);
    for (size_t i = 0; i < f.count; i++) {
        const beex_st_tensor *t = &f.tensors[order[i]];
        fwrite(t->data, 1, t->end - t->begin, o);
    }
    assert_int_equal(fclose(o), 0);
    free(text);
    free(order);
    free(offset);
    json_decref(h);
    beex_st_close(&f);
}

static void test_other_order_and_padding(void **state)
{
    (void)state;
    beex_precision precs[] = {BEEX_PREC_FP32, BEEX_PREC_W1A1};
    for (int p = 0; p < 2; p++) {
        beex_model *m = tiny_model(21), *r = NULL;
        char path[256], shuffled[256], err[512];
        temp_path(path, sizeof path, "orig");
        temp_path(shuffled, sizeof shuffled, "shuffled");
        if (p == 0)
            assert_int_equal(beex_model_save_checkpoint(m, path, err, sizeof err), 0);
        else
            assert_int_equal(beex_model_save_deployment(m, precs[p], path, err, sizeof err), 0);
        write_shuffled(path, shuffled);
        if (beex_model_load(shuffled, &r, err, sizeof err) != 0)
            fail_msg("shuffled file: %s", err);
        assert_same_model(m, r, p == 0);
        unlink(path);
        unlink(shuffled);
        beex_model_free(m);
        beex_model_free(r);
    }
}

/* The committed fixtures (tests/data/model, written by `beex init --seed 5` with the tiny
 * configuration, then `beex export --precision w1a1`) still load and equal a fresh tiny_model(5):
 * a change to the format or to the seeded initialisation shows up here. */
static void test_committed_fixtures(void **state)
{
    (void)state;
    const char *dir = getenv("BEEX_TEST_DATA");
    if (dir == NULL) {
        print_message("skipped: BEEX_TEST_DATA is not set (ctest sets it)\n");
        skip();
    }
    char path[512], err[512];
    beex_model *m = tiny_model(5), *r = NULL;
    snprintf(path, sizeof path, "%s/model/tiny_checkpoint.safetensors", dir);
    if (beex_model_load(path, &r, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_same_model(m, r, 1);
    beex_model_free(r);
    snprintf(path, sizeof path, "%s/model/tiny_w1a1.safetensors", dir);
    if (beex_model_load(path, &r, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(r->cfg.precision, BEEX_PREC_W1A1);
    assert_same_model(m, r, 0);
    beex_model_free(r);
    beex_model_free(m);
}

static void test_save_errors(void **state)
{
    (void)state;
    beex_model *m = tiny_model(3);
    char err[512];
    free(m->vocab[4]);
    m->vocab[4] = strdup("two\nlines");
    assert_int_not_equal(beex_model_save_checkpoint(m, "/tmp/beex_never.st", err, sizeof err), 0);
    assert_non_null(strstr(err, "newline"));
    assert_int_equal(access("/tmp/beex_never.st", F_OK), -1);
    free(m->vocab[4]);
    m->vocab[4] = strdup("fine");
    assert_int_not_equal(
        beex_model_save_checkpoint(m, "/nonexistent-dir/x.safetensors", err, sizeof err), 0);
    assert_non_null(strstr(err, "nonexistent-dir"));
    beex_model *r = NULL;
    assert_int_not_equal(beex_model_load("/nonexistent-dir/x", &r, err, sizeof err), 0);
    assert_non_null(strstr(err, "cannot open"));
    assert_null(r);
    assert_int_not_equal(beex_model_load("/tmp", &r, err, sizeof err), 0);
    assert_non_null(strstr(err, "regular file"));
    beex_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_deployment_w1a1),
        cmocka_unit_test(test_deployment_w1a32),
        cmocka_unit_test(test_deployment_fp32),
        cmocka_unit_test(test_deployment_w8a8),
        cmocka_unit_test(test_deployment_packs_fresh),
        cmocka_unit_test(test_other_order_and_padding),
        cmocka_unit_test(test_save_errors),
        cmocka_unit_test(test_committed_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
