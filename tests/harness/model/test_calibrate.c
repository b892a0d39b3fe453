/* Calibration (harness/model/calibrate.h, docs/model.md section 3b): the per-input amax of the
 * fp32 twin is the same bytes on 1, 2 and 3 threads, inside the operations or across the
 * examples, and in any order of the examples; block 1's input amax equals max |E[id] + P[t]|
 * computed here exactly, every other one the plain double pass's within fp32 rounding; the
 * scales are amax / 127; the engine's results do not change while it observes; and the
 * refusals (an input never off zero, a deployment file, bad ids) say why. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/model/calibrate.h"
#include "harness/model/engine.h"
#include "harness/model/plain_forward.h"
#include "kernels/cpu.h"

#define NEX 9
#define NB 3 /* blocks */
#define NA (NB * BEEX_ACT_INPUTS)

typedef struct {
    beex_model *m;
    int32_t *ids[NEX];
    int lens[NEX];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    beex_config c = beex_config_default();
    c.vocab = 53, c.d = 48, c.heads = 4, c.dff = 80, c.blocks = NB, c.max_len = 24, c.classes = 2;
    char err[256];
    assert_int_equal(beex_model_alloc(&c, &f->m, err, sizeof err), 0);
    beex_model_init_random(f->m, 777);
    static const int lens[NEX] = {24, 1, 17, 30, 5, 24, 9, 2, 13}; /* 30: cut at max_len */
    uint64_t s = 19;
    for (int i = 0; i < NEX; i++) {
        f->lens[i] = lens[i];
        f->ids[i] = malloc((size_t)lens[i] * sizeof(int32_t));
        assert_non_null(f->ids[i]);
        for (int t = 0; t < lens[i]; t++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            f->ids[i][t] = (int32_t)((s >> 33) % (uint64_t)c.vocab);
        }
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < NEX; i++)
        free(f->ids[i]);
    beex_model_free(f->m);
    free(f);
    return 0;
}

static void amax_of(fixture *f, int threads, const int32_t *const *ids, const int *lens,
                    float *amax)
{
    char err[256];
    if (beex_calibrate_amax(f->m, ids, lens, NEX, threads, amax, err, sizeof err) != 0)
        fail_msg("calibration on %d threads: %s", threads, err);
}

static void test_same_on_any_threads_and_order(void **state)
{
    fixture *f = *state;
    float a1[NA], a[NA];
    amax_of(f, 1, (const int32_t *const *)f->ids, f->lens, a1);
    for (int i = 0; i < NA; i++)
        assert_true(a1[i] > 0.0f && isfinite(a1[i]));
    /* 2 and 3 threads: across the examples (the default for a batch of 9), and inside every
     * operation with the grains off (one region per block: the observer scans in a team). */
    for (int threads = 2; threads <= 3; threads++) {
        amax_of(f, threads, (const int32_t *const *)f->ids, f->lens, a);
        assert_memory_equal(a, a1, sizeof a);
        assert_int_equal(setenv("BEEX_GRAIN_SCALE", "0", 1), 0);
        beex_engine_options o = {BEEX_PREC_FP32, -1, threads};
        beex_engine *e = NULL;
        char err[256];
        assert_int_equal(beex_engine_create(f->m, &o, &e, err, sizeof err), 0);
        unsetenv("BEEX_GRAIN_SCALE");
        assert_int_equal(beex_engine_set_split(e, BEEX_SPLIT_OPS), 0);
        memset(a, 0, sizeof a);
        assert_int_equal(beex_engine_set_observer(e, a), BEEX_OK);
        beex_exit_result r[NEX];
        assert_int_equal(beex_engine_run_batch(e, (const int32_t *const *)f->ids, f->lens, NEX,
                                               -INFINITY, r, NULL, NULL),
                         0);
        assert_memory_equal(a, a1, sizeof a);
        beex_engine_free(e);
    }
    /* The examples in reverse order. */
    const int32_t *rev[NEX];
    int rlens[NEX];
    for (int i = 0; i < NEX; i++)
        rev[i] = f->ids[NEX - 1 - i], rlens[i] = f->lens[NEX - 1 - i];
    amax_of(f, 2, rev, rlens, a);
    assert_memory_equal(a, a1, sizeof a);
}

/* Block 1's input x0 = E[id] + P[t] is one fp32 add per element: its amax is exact here. The
 * other inputs come out of fp32 blocks (the engine) or double ones (the plain pass): equal
 * within fp32 rounding. */
static void test_equals_plain_amax(void **state)
{
    fixture *f = *state;
    const beex_config *c = &f->m->cfg;
    float a[NA];
    amax_of(f, 1, (const int32_t *const *)f->ids, f->lens, a);
    float x0 = 0.0f;
    double plain[NA] = {0};
    double *lg = malloc((size_t)NB * c->classes * sizeof *lg), en[NB];
    for (int i = 0; i < NEX; i++) {
        int T = f->lens[i] < c->max_len ? f->lens[i] : c->max_len;
        for (int t = 0; t < T; t++)
            for (int k = 0; k < c->d; k++) {
                float v = f->m->tok_embed[(size_t)f->ids[i][t] * c->d + k] +
                          f->m->pos_embed[(size_t)t * c->d + k];
                x0 = fabsf(v) > x0 ? fabsf(v) : x0;
            }
        pf_trace_amax(f->m, BEEX_PREC_FP32, f->ids[i], T, lg, en, plain);
    }
    assert_true(a[BEEX_ACT_X] == x0);
    for (int i = 0; i < NA; i++)
        if (fabs(a[i] - plain[i]) > 1e-5 * plain[i])
            fail_msg("block %d input %s: amax %.9g, plain %.9g", i / BEEX_ACT_INPUTS + 1,
                     beex_act_input_name(i % BEEX_ACT_INPUTS), (double)a[i], plain[i]);
    free(lg);
}

/* The scales written into the model are amax / 127 for every layer of an input; calibrating
 * changes no result of the other precisions, nor does observing change the fp32 logits. */
static void test_scales_into_model(void **state)
{
    fixture *f = *state;
    float a[NA];
    amax_of(f, 1, (const int32_t *const *)f->ids, f->lens, a);
    char err[256];
    beex_model_set_act_scales(f->m, NULL);
    assert_int_equal(
        beex_calibrate(f->m, (const int32_t *const *)f->ids, f->lens, NEX, 2, err, sizeof err), 0);
    assert_int_equal(beex_model_has_act_scales(f->m), 1);
    for (int b = 0; b < NB; b++) {
        const beex_block *B = &f->m->blocks[b];
        const float *s = a + b * BEEX_ACT_INPUTS;
        assert_true(B->q.act_scale == s[BEEX_ACT_X] / 127.0f);
        assert_true(B->k.act_scale == B->q.act_scale && B->v.act_scale == B->q.act_scale);
        assert_true(B->o.act_scale == s[BEEX_ACT_ATT] / 127.0f);
        assert_true(B->w1.act_scale == s[BEEX_ACT_Y] / 127.0f);
        assert_true(B->w3.act_scale == B->w1.act_scale);
        assert_true(B->w2.act_scale == s[BEEX_ACT_G] / 127.0f);
        assert_true(B->w4.act_scale == s[BEEX_ACT_U] / 127.0f);
    }
    /* Observing leaves the logits as they were. */
    const beex_config *c = &f->m->cfg;
    size_t nl = (size_t)NEX * c->blocks * c->classes;
    float *l0 = malloc(nl * sizeof *l0), *l1 = malloc(nl * sizeof *l1), obs[NA] = {0};
    beex_engine_options o = {BEEX_PREC_FP32, -1, 2};
    beex_engine *e = NULL;
    beex_exit_result r[NEX];
    assert_int_equal(beex_engine_create(f->m, &o, &e, err, sizeof err), 0);
    assert_int_equal(
        beex_engine_run_batch(e, (const int32_t *const *)f->ids, f->lens, NEX, 0.1, r, l0, NULL),
        0);
    assert_int_equal(beex_engine_set_observer(e, obs), BEEX_OK);
    assert_int_equal(
        beex_engine_run_batch(e, (const int32_t *const *)f->ids, f->lens, NEX, 0.1, r, l1, NULL),
        0);
    assert_memory_equal(l0, l1, nl * sizeof *l0);
    assert_int_equal(beex_engine_set_observer(e, NULL), BEEX_OK);
    beex_engine_free(e);
    /* Only the fp32 twin observes. */
    o.precision = BEEX_PREC_W8A8;
    assert_int_equal(beex_engine_create(f->m, &o, &e, err, sizeof err), 0);
    assert_int_equal(beex_engine_set_observer(e, obs), BEEX_EINVAL);
    beex_engine_free(e);
    free(l0), free(l1);
}

static void test_refusals(void **state)
{
    fixture *f = *state;
    char err[256];
    float a[NA];
    /* Bad ids and no examples. */
    int32_t bad[2] = {1, 999};
    const int32_t *ids[1] = {bad};
    int len = 2;
    assert_int_not_equal(beex_calibrate_amax(f->m, ids, &len, 1, 1, a, err, sizeof err), 0);
    assert_non_null(strstr(err, "outside the vocabulary"));
    assert_int_not_equal(beex_calibrate_amax(f->m, ids, &len, 0, 1, a, err, sizeof err), 0);
    /* V all zero: the concatenated heads never leave zero, so BL_o's input has no scale. */
    beex_model *m = NULL;
    beex_config c = f->m->cfg;
    assert_int_equal(beex_model_alloc(&c, &m, err, sizeof err), 0);
    beex_model_init_random(m, 777);
    beex_linear *v = &m->blocks[1].v;
    memset(v->weight, 0, (size_t)v->rows * v->cols * sizeof(float));
    memset(v->bias, 0, (size_t)v->rows * sizeof(float));
    assert_int_not_equal(
        beex_calibrate(m, (const int32_t *const *)f->ids, f->lens, NEX, 1, err, sizeof err), 0);
    assert_non_null(strstr(err, "block 1's input heads"));
    assert_int_equal(beex_model_has_act_scales(m), 0); /* left as it was */
    /* A NaN in LayerNorm's beta: the pass is not finite, and calibration says so. */
    beex_model_init_random(m, 777);
    m->blocks[0].ln1_beta[3] = NAN;
    assert_int_not_equal(
        beex_calibrate(m, (const int32_t *const *)f->ids, f->lens, NEX, 1, err, sizeof err), 0);
    assert_non_null(strstr(err, "not finite"));
    beex_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_on_any_threads_and_order),
        cmocka_unit_test(test_equals_plain_amax),
        cmocka_unit_test(test_scales_into_model),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("calibrate", tests, setup, teardown);
}
