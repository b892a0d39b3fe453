/* Configuration defaults and checks, precision names, seeded initialisation and the
 * derivation of bits / alpha from latent weights (docs/model.md sections 1, 3, 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "harness/model/model.h"

#include "harness/model/test_model_io_util.h"

static void test_defaults(void **state)
{
    (void)state;
    beex_config c = beex_config_default();
    assert_int_equal(c.vocab, 8192);
    assert_int_equal(c.d, 128);
    assert_int_equal(c.heads, 4);
    assert_int_equal(c.dff, 256);
    assert_int_equal(c.blocks, 6);
    assert_int_equal(c.max_len, 64);
    assert_int_equal(c.classes, 2);
    assert_int_equal(c.precision, BEEX_PREC_W1A1);
    assert_true(c.ln_eps == 1e-6f);
    char err[256];
    assert_int_equal(beex_config_check(&c, err, sizeof err), 0);
}

/* The named shapes of beex init --preset and beex bench model --shapes, from one table. */
static void test_presets(void **state)
{
    (void)state;
    beex_config c, d = beex_config_default();
    assert_int_equal(beex_config_preset("small", &c), 0);
    assert_memory_equal(&c, &d, sizeof c);
    assert_int_equal(beex_config_preset("bert-base", &c), 0);
    assert_int_equal(c.vocab, 30522);
    assert_int_equal(c.d, 768);
    assert_int_equal(c.heads, 12);
    assert_int_equal(c.dff, 3072);
    assert_int_equal(c.blocks, 12);
    assert_int_equal(c.max_len, 128);
    assert_int_equal(c.classes, d.classes);
    char err[256];
    assert_int_equal(beex_config_check(&c, err, sizeof err), 0);
    assert_int_equal(beex_config_preset("huge", &c), -1);
    assert_memory_equal(&c, &d, sizeof c);
}

static void test_precision_names(void **state)
{
    (void)state;
    for (int p = BEEX_PREC_FP32; p < BEEX_PREC_COUNT; p++)
        assert_int_equal(beex_precision_parse(beex_precision_name((beex_precision)p)), p);
    assert_string_equal(beex_precision_name(BEEX_PREC_W1A32), "w1a32");
    assert_string_equal(beex_precision_name(BEEX_PREC_W8A8), "w8a8");
    assert_int_equal(beex_precision_parse("w8a8"), BEEX_PREC_W8A8);
    assert_int_equal(BEEX_PREC_W8A8, 3);
    assert_int_equal(beex_precision_parse("w1a2"), -1);
    assert_int_equal(beex_precision_parse(""), -1);
    assert_int_equal(beex_precision_parse(NULL), -1);
    assert_string_equal(beex_precision_name((beex_precision)7), "unknown");
}

static void expect_bad(beex_config c, const char *needle)
{
    char err[256] = "";
    assert_int_not_equal(beex_config_check(&c, err, sizeof err), 0);
    if (strstr(err, needle) == NULL)
        fail_msg("message '%s' lacks '%s'", err, needle);
}

static void test_check_rejects(void **state)
{
    (void)state;
    beex_config c = tiny_config();
    c.d = 10; /* heads 3 */
    expect_bad(c, "divisible");
    c = tiny_config();
    c.vocab = 1;
    expect_bad(c, "vocab");
    c = tiny_config();
    c.blocks = 0;
    expect_bad(c, "blocks");
    c = tiny_config();
    c.classes = 1;
    expect_bad(c, "classes");
    c = tiny_config();
    c.max_len = -4;
    expect_bad(c, "max_len");
    c = tiny_config();
    c.dff = 0;
    expect_bad(c, "dff");
    c = tiny_config();
    c.ln_eps = 0.0f;
    expect_bad(c, "ln_eps");
    c = tiny_config();
    c.ln_eps = NAN;
    expect_bad(c, "ln_eps");
    c = tiny_config();
    c.precision = (beex_precision)5;
    expect_bad(c, "precision");
    c = tiny_config();
    c.vocab = 4000000;
    c.d = 16384;
    c.heads = 4;
    expect_bad(c, "parameters");
}

static void test_init_deterministic(void **state)
{
    (void)state;
    beex_config c = tiny_config();
    beex_model *a, *b, *x;
    char err[256];
    assert_int_equal(beex_model_alloc(&c, &a, err, sizeof err), 0);
    assert_int_equal(beex_model_alloc(&c, &b, err, sizeof err), 0);
    assert_int_equal(beex_model_alloc(&c, &x, err, sizeof err), 0);
    beex_model_init_random(a, 42);
    beex_model_init_random(b, 42);
    beex_model_init_random(x, 43);
    size_t n = (size_t)c.d * (size_t)c.d;
    assert_memory_equal(a->blocks[1].w2.weight, b->blocks[1].w2.weight,
                        (size_t)c.d * c.dff * sizeof(float));
    assert_memory_equal(a->tok_embed, b->tok_embed, (size_t)c.vocab * c.d * sizeof(float));
    assert_memory_not_equal(a->blocks[0].q.weight, x->blocks[0].q.weight, n * sizeof(float));
    /* Scale: latent weights inside [-1, 1], not all zero, LN gamma 1, biases 0. */
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        float w = a->blocks[0].q.weight[i];
        assert_true(w >= -1.0f && w <= 1.0f);
        sum += fabsf(w);
    }
    assert_true(sum / (double)n > 0.05);
    for (int i = 0; i < c.d; i++) {
        assert_true(a->blocks[0].ln1_gamma[i] == 1.0f);
        assert_true(a->blocks[1].ln2_beta[i] == 0.0f);
        assert_true(a->blocks[1].o.bias[i] == 0.0f);
    }
    assert_string_equal(a->labels[2], "2");
    assert_string_equal(a->vocab[0], "[PAD]");
    assert_string_equal(a->vocab[1], "[UNK]");
    assert_string_equal(a->vocab[12], "w12");
    beex_model_free(a);
    beex_model_free(b);
    beex_model_free(x);
}

/* Independent check of docs/model.md sections 3-4 on hand-set weights, including -0.0. */
static void test_derive_binary(void **state)
{
    (void)state;
    beex_config c = tiny_config();
    beex_model *m;
    char err[256];
    assert_int_equal(beex_model_alloc(&c, &m, err, sizeof err), 0);
    beex_model_init_random(m, 7);
    beex_linear *l = &m->blocks[1].w2; /* 12 x 20: two bytes + a 4-bit tail per row */
    l->weight[0] = -0.0f;
    l->weight[1] = 0.0f;
    l->weight[2] = -1e-30f;
    assert_int_equal(beex_model_derive_binary(m), 0);
    size_t rb = (size_t)(l->cols + 7) / 8;
    for (int j = 0; j < l->rows; j++) {
        double s = 0;
        for (int k = 0; k < l->cols; k++) {
            float w = l->weight[(size_t)j * l->cols + k];
            int bit = (l->bits[j * rb + k / 8] >> (k % 8)) & 1;
            assert_int_equal(bit, signbit(w) && w != 0.0f ? 1 : 0);
            s += fabs(w);
        }
        for (int k = l->cols; k < (int)rb * 8; k++)
            assert_int_equal((l->bits[j * rb + k / 8] >> (k % 8)) & 1, 0);
        assert_float_equal(l->alpha[j], s / l->cols, 1e-6);
    }
    assert_int_equal(l->bits[0] & 7, 4); /* -0.0 -> 0, +0.0 -> 0, -1e-30 -> 1 */
    for (int v = 0; v < c.vocab; v++) {
        double s = 0;
        for (int k = 0; k < c.d; k++)
            s += fabs(m->tok_embed[(size_t)v * c.d + k]);
        assert_float_equal(m->tok_gamma[v], s / c.d, 1e-6);
    }
    beex_model_free(m);
}

/* Independent check of docs/model.md section 3b's weight rows on hand-set weights: the row's
 * max maps to +-127, -0.0 and tiny values to 0, exact ties to even, an all-zero row to scale 0;
 * and the activation scales of the layers sharing an input. */
static void test_derive_int8(void **state)
{
    (void)state;
    beex_config c = tiny_config();
    beex_model *m;
    char err[256];
    assert_int_equal(beex_model_alloc(&c, &m, err, sizeof err), 0);
    beex_model_init_random(m, 7);
    beex_linear *l = &m->blocks[1].w2; /* 12 x 20 */
    float *w = l->weight;
    for (int k = 0; k < 20; k++)
        w[k] = 0.0f;
    w[0] = -0.0f, w[1] = 1e-30f, w[2] = -1.27f; /* sw = 0.01 (rounded), the row's max */
    w[3] = 0.635f, w[4] = 1.27f, w[5] = 0.005f;
    for (int k = 0; k < 20; k++)
        w[20 + k] = 0.0f; /* row 1: all zero */
    /* row 2: max 127, so sw = 1 and inv = 1: exact ties k + 0.5 */
    const float r2[6] = {127.0f, 2.5f, 3.5f, -2.5f, -0.5f, 0.5f};
    for (int k = 0; k < 20; k++)
        w[40 + k] = k < 6 ? r2[k] : 0.0f;
    assert_int_equal(beex_model_derive_binary(m), 0); /* derives int8 too */
    assert_non_null(l->q8), assert_non_null(m->tok_q8);
    float sw = 1.27f / 127.0f, inv = 1.0f / sw;
    assert_true(l->qscale[0] == sw);
    const int8_t *q = l->q8;
    assert_int_equal(q[0], 0), assert_int_equal(q[1], 0), assert_int_equal(q[2], -127);
    assert_int_equal(q[4], 127);
    assert_int_equal(q[3], (int)nearbyintf(0.635f * inv));
    assert_int_equal(q[5], (int)nearbyintf(0.005f * inv));
    assert_true(l->qscale[1] == 0.0f);
    for (int k = 0; k < 20; k++)
        assert_int_equal(q[20 + k], 0);
    assert_true(l->qscale[2] == 1.0f);
    const int want2[6] = {127, 2, 4, -2, 0, 0};
    for (int k = 0; k < 6; k++)
        assert_int_equal(q[40 + k], want2[k]);
    /* Every value of every layer and of the token table in [-127, 127], |q| <= 127 * |w| / max. */
    for (int v = 0; v < c.vocab; v++) {
        float amax = 0.0f;
        for (int k = 0; k < c.d; k++)
            amax = fmaxf(amax, fabsf(m->tok_embed[(size_t)v * c.d + k]));
        assert_true(m->tok_qscale[v] == amax / 127.0f);
        for (int k = 0; k < c.d; k++)
            assert_true(m->tok_q8[(size_t)v * c.d + k] >= -127);
    }
    /* Activation scales: none, all, some. */
    assert_int_equal(beex_model_has_act_scales(m), 0);
    float s[2 * BEEX_ACT_INPUTS];
    for (int i = 0; i < 2 * BEEX_ACT_INPUTS; i++)
        s[i] = 0.1f * (float)(i + 1);
    beex_model_set_act_scales(m, s);
    assert_int_equal(beex_model_has_act_scales(m), 1);
    const beex_block *b = &m->blocks[1];
    assert_true(b->q.act_scale == s[5] && b->k.act_scale == s[5] && b->v.act_scale == s[5]);
    assert_true(b->o.act_scale == s[6] && b->w1.act_scale == s[7] && b->w3.act_scale == s[7]);
    assert_true(b->w2.act_scale == s[8] && b->w4.act_scale == s[9]);
    m->blocks[0].o.act_scale = 0.0f;
    assert_int_equal(beex_model_has_act_scales(m), -1);
    beex_model_set_act_scales(m, NULL);
    assert_int_equal(beex_model_has_act_scales(m), 0);
    beex_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_precision_names),
        cmocka_unit_test(test_check_rejects), cmocka_unit_test(test_init_deterministic),
        cmocka_unit_test(test_derive_binary), cmocka_unit_test(test_presets),
        cmocka_unit_test(test_derive_int8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
