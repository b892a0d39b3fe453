/* The w8a8 layer (docs/model.md section 3b) bit for bit: the engine's fused layer
 * (harness/model/forward_linear.c on the int8 kernels of every variant this CPU runs), its
 * input quantized on 1 and 3 threads, against section 3b's text written out in plain loops
 * (plain_forward.h: no kernel, no code of harness/model/forward*). Rounding ties, saturation,
 * -0.0 and NaN inputs included. And the refusals: no activation scale, fused layers with two. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/model/engine.h"
#include "harness/model/forward_linear.h"
#include "harness/model/plain_forward.h"
#include "kernels/cpu.h"

#define M 13 /* token rows */

static beex_model *make_model(void)
{
    beex_config c = beex_config_default();
    c.vocab = 23, c.d = 40, c.heads = 4, c.dff = 72, c.blocks = 1, c.max_len = 16, c.classes = 3;
    beex_model *m = NULL;
    char err[256];
    assert_int_equal(beex_model_alloc(&c, &m, err, sizeof err), 0);
    beex_model_init_random(m, 42);
    beex_block *b = &m->blocks[0];
    beex_linear *ls[] = {&b->q, &b->k, &b->v, &b->w2};
    uint64_t s = 3;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < ls[i]->rows; j++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            ls[i]->bias[j] = (float)((double)(s >> 40) / (double)(1 << 24) - 0.5);
        }
    b->q.weight[0] = -0.0f; /* quantizes to 0 */
    b->k.weight[3 * 40 + 7] = 0.0f;
    for (int k = 0; k < 40; k++) /* an all-zero row: sw = 0, y = bias */
        b->v.weight[5 * 40 + k] = 0.0f;
    assert_int_equal(beex_model_derive_binary(m), 0);
    /* x's and g's scales are powers of 2: x * (1 / sx) is then exact, so the ties of
     * make_input are real ties (round half to even). */
    float sc[BEEX_ACT_INPUTS] = {1.0f / 64.0f, 0.5f, 0.033f, 1.0f / 128.0f, 0.0071f};
    beex_model_set_act_scales(m, sc);
    return m;
}

/* M rows of `in` inputs in [-140 sx, 140 sx]: most inside the range, some past it
 * (saturating), a row of rounding ties (k + 0.5) * sx, a -0.0, a NaN and +-1e30. */
static void make_input(float *x, int in, float sx)
{
    uint64_t s = 11;
    for (int i = 0; i < M * in; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double u = (double)(s >> 11) / 9007199254740992.0;
        x[i] = (float)((2.0 * u - 1.0) * 140.0) * sx;
    }
    for (int i = 0; i < in; i += 3)
        x[2 * in + i] = ((float)(i - 20) + 0.5f) * sx;
    x[4 * in + 1] = -0.0f;
    x[5 * in + 2] = NAN;
    x[6 * in + 3] = 1e30f;
    x[6 * in + 4] = -1e30f;
}

/* The plain layer: section 3b for the parts stacked in order, on M rows of x. */
static void plain_layer(const beex_linear *const *parts, int nparts, const float *x, int in,
                        float *y, int8_t *qx)
{
    float sx = parts[0]->act_scale, inv = 1.0f / sx;
    int out = 0;
    for (int p = 0; p < nparts; p++)
        out += parts[p]->rows;
    int *qw = malloc((size_t)in * sizeof *qw);
    for (int i = 0; i < M; i++) {
        for (int k = 0; k < in; k++)
            qx[i * in + k] = (int8_t)pf_q8(x[i * in + k], inv);
        int j0 = 0;
        for (int p = 0; p < nparts; p++) {
            const beex_linear *l = parts[p];
            for (int j = 0; j < l->rows; j++) {
                float sw = pf_q8_row(l->weight + (size_t)j * in, in, qw);
                long long dot = 0;
                for (int k = 0; k < in; k++)
                    dot += (long long)qx[i * in + k] * qw[k];
                float scale = sw * sx;
                float v = (float)dot * scale;
                y[i * out + j0 + j] = v + l->bias[j];
            }
            j0 += l->rows;
        }
    }
    free(qw);
}

static void check_layer(const beex_linear *const *parts, int nparts, int isa, int threads)
{
    int in = parts[0]->cols, out = 0;
    for (int p = 0; p < nparts; p++)
        out += parts[p]->rows;
    float *x = malloc((size_t)M * in * sizeof *x), *y = malloc((size_t)M * out * sizeof *y);
    float *yp = malloc((size_t)M * out * sizeof *yp);
    int8_t *q = malloc((size_t)M * in), *qp = malloc((size_t)M * in);
    make_input(x, in, parts[0]->act_scale);
    beex_fwd_linear l;
    char err[256];
    if (beex_fwd_linear_init(&l, parts, nparts, BEEX_PREC_W8A8, isa, 0.0f, err, sizeof err) != 0)
        fail_msg("%s: %s", beex_isa_name((beex_isa)isa), err);
    assert_int_equal(
        beex_fwd_quantize_rows(x, M, (size_t)in, (size_t)in, l.inv, q, (size_t)in, threads),
        BEEX_OK);
    assert_int_equal(beex_fwd_linear_run_int8(&l, M, q, (size_t)in, y, (size_t)out, threads),
                     BEEX_OK);
    plain_layer(parts, nparts, x, in, yp, qp);
    if (memcmp(q, qp, (size_t)M * in) != 0)
        fail_msg("%s, %d threads: quantized input differs from section 3b's",
                 beex_isa_name((beex_isa)isa), threads);
    for (int i = 0; i < M * out; i++)
        if (memcmp(&y[i], &yp[i], sizeof *y) != 0)
            fail_msg("%s, %d threads: output %d is %.9g, section 3b gives %.9g",
                     beex_isa_name((beex_isa)isa), threads, i, y[i], yp[i]);
    /* The quantizer saturated, kept a zero and mapped the NaN to 0; ties went to even. */
    assert_int_equal(q[2 * in + 0], -20), assert_int_equal(q[2 * in + 3], -16);
    assert_int_equal(q[2 * in + 21], 2), assert_int_equal(q[2 * in + 39], 20);
    assert_int_equal(q[6 * in + 3], 127), assert_int_equal(q[6 * in + 4], -127);
    assert_int_equal(q[4 * in + 1], 0), assert_int_equal(q[5 * in + 2], 0);
    beex_fwd_linear_free(&l);
    free(x), free(y), free(yp), free(q), free(qp);
}

static void test_layer_exact(void **state)
{
    (void)state;
    beex_model *m = make_model();
    const beex_block *b = &m->blocks[0];
    const beex_linear *qkv[3] = {&b->q, &b->k, &b->v}, *w2[1] = {&b->w2};
    int checked = 0;
    for (int isa = 0; isa < BEEX_ISA_COUNT; isa++) {
        if (!beex_isa_available((beex_isa)isa, NULL))
            continue;
        for (int threads = 1; threads <= 3; threads += 2) {
            check_layer(qkv, 3, isa, threads);
            check_layer(w2, 1, isa, threads);
        }
        checked++;
    }
    assert_true(checked >= 1);
    print_message("  %d variants equal section 3b's plain layer bit for bit\n", checked);
    beex_model_free(m);
}

/* The quantizer alone on a strided input and a wide input: shared out in chunks on 1, 2 and 5
 * threads, the same bytes as the plain loop. */
static void test_quantize_rows_chunks(void **state)
{
    (void)state;
    enum { ROWS = 300, COLS = 70, LD = 75 };
    float *x = malloc((size_t)ROWS * LD * sizeof *x);
    int8_t *q = malloc((size_t)ROWS * COLS), *qp = malloc((size_t)ROWS * COLS);
    uint64_t s = 5;
    for (int i = 0; i < ROWS * LD; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (float)((double)(s >> 11) / 9007199254740992.0 * 6.0 - 3.0);
    }
    float inv = 1.0f / (2.5f / 127.0f);
    for (int i = 0; i < ROWS; i++)
        for (int k = 0; k < COLS; k++)
            qp[i * COLS + k] = (int8_t)pf_q8(x[i * LD + k], inv);
    for (int threads = 1; threads <= 5; threads += (threads == 1 ? 1 : 3)) {
        memset(q, 0x55, (size_t)ROWS * COLS);
        assert_int_equal(beex_fwd_quantize_rows(x, ROWS, COLS, LD, inv, q, COLS, threads), BEEX_OK);
        assert_memory_equal(q, qp, (size_t)ROWS * COLS);
    }
    free(x), free(q), free(qp);
}

static void test_refusals(void **state)
{
    (void)state;
    beex_model *m = make_model();
    beex_block *b = &m->blocks[0];
    const beex_linear *qkv[3] = {&b->q, &b->k, &b->v};
    beex_fwd_linear l;
    char err[256] = "";
    b->k.act_scale = 0.5f; /* not x's scale */
    assert_int_not_equal(
        beex_fwd_linear_init(&l, qkv, 3, BEEX_PREC_W8A8, BEEX_ISA_SCALAR, 0.0f, err, sizeof err),
        0);
    assert_non_null(strstr(err, "disagree"));
    beex_model_set_act_scales(m, NULL);
    assert_int_not_equal(
        beex_fwd_linear_init(&l, qkv, 3, BEEX_PREC_W8A8, BEEX_ISA_SCALAR, 0.0f, err, sizeof err),
        0);
    assert_non_null(strstr(err, "calibrate it with beex quantize"));
    /* The engine refuses before any work, with the same words. */
    beex_engine_options o = {BEEX_PREC_W8A8, -1, 1};
    beex_engine *e = NULL;
    assert_int_equal(beex_engine_create(m, &o, &e, err, sizeof err), BEEX_EINVAL);
    assert_null(e);
    assert_non_null(strstr(err, "no activation scales for w8a8"));
    /* Some layers only: not calibrated either. */
    b->w4.act_scale = 0.25f;
    assert_int_equal(beex_model_has_act_scales(m), -1);
    assert_int_equal(beex_engine_create(m, &o, &e, err, sizeof err), BEEX_EINVAL);
    beex_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layer_exact),
        cmocka_unit_test(test_quantize_rows_chunks),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("forward int8", tests, NULL, NULL);
}
