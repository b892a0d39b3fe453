/* The trainer's eval-mode forward (dropout off) must compute the engine's definition
 * (docs/model.md sections 2-3) on the same saved checkpoint: fp32 logits within 1e-4 relative;
 * w1a32 within 1e-3; w1a1, where a sign can flip when an activation lies within rounding of
 * its centre, the same exit predictions on at least 97% of (example, exit) pairs and logits
 * within 1e-3 on at least 90% of them. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/model/engine.h"
#include "harness/model/model.h"
#include "harness/train/tnet.h"
#include "harness/train/tparams.h"

enum { EXAMPLES = 60 };

static uint64_t rs = 99;
static uint32_t rnd(void)
{
    rs = rs * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rs >> 33);
}

static void compare(beex_precision prec)
{
    beex_config cfg = {.vocab = 50,
                       .d = 32,
                       .heads = 4,
                       .dff = 48,
                       .blocks = 3,
                       .max_len = 20,
                       .classes = 3,
                       .precision = prec,
                       .ln_eps = 1e-6f};
    char err[256], path[64];
    beex_model *m = NULL, *loaded = NULL;
    assert_int_equal(beex_model_alloc(&cfg, &m, err, sizeof err), 0);
    beex_model_init_random(m, 5);
    /* biases and LayerNorm parameters away from their initial values */
    for (int i = 0; i < cfg.blocks; i++) {
        m->blocks[i].q.bias[1] = 0.3f;
        m->blocks[i].w2.bias[2] = -0.2f;
        m->blocks[i].ln1_gamma[0] = 1.4f;
        m->blocks[i].exit_bias[0] = 0.1f;
    }
    snprintf(path, sizeof path, "/tmp/beex_train_engine_%d.safetensors", (int)getpid());
    assert_int_equal(beex_model_save_checkpoint(m, path, err, sizeof err), 0);
    assert_int_equal(beex_model_load(path, &loaded, err, sizeof err), 0);
    unlink(path);

    beex_engine_options eo = {.precision = prec, .isa = -1, .threads = 1};
    beex_engine *e = NULL;
    int rc = beex_engine_create(loaded, &eo, &e, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "engine: %s\n", err);
    assert_int_equal(rc, 0);
    beex_tparams p;
    beex_teff eff;
    assert_int_equal(beex_tparams_init(&p, &cfg, NULL), 0);
    assert_int_equal(beex_teff_init(&eff, &cfg), 0);
    assert_int_equal(beex_tparams_from_model(&p, loaded), 0);
    beex_teff_update(&eff, &p, prec, 0);
    beex_tws *w = beex_tws_new(&cfg, 0);
    assert_non_null(w);

    int agree = 0, close = 0, pairs = 0;
    double worst = 0.0;
    for (int ex = 0; ex < EXAMPLES; ex++) {
        int32_t ids[20];
        int T = 1 + (int)(rnd() % 20);
        for (int t = 0; t < T; t++)
            ids[t] = 1 + (int32_t)(rnd() % 49);
        float zt[3 * 3], ze[3 * 3], he[3];
        beex_tnet_forward(w, &p, &eff, prec, ids, T, 0.0f, 0, 0, zt);
        assert_int_equal(beex_engine_trace(e, ids, T, ze, he), 0);
        for (int b = 0; b < cfg.blocks; b++) {
            const float *a = zt + b * 3, *c = ze + b * 3;
            int am = 0, cm = 0;
            double diff = 0.0;
            for (int j = 0; j < 3; j++) {
                am = a[j] > a[am] ? j : am;
                cm = c[j] > c[cm] ? j : cm;
                double dj = fabs((double)a[j] - c[j]) / (1.0 + fabs(c[j]));
                diff = dj > diff ? dj : diff;
            }
            worst = diff > worst ? diff : worst;
            agree += am == cm;
            close += diff <= 1e-3;
            pairs++;
        }
    }
    fprintf(stderr, "%s: predictions agree %d/%d, logits within 1e-3 %d/%d, worst rel diff %.2e\n",
            beex_precision_name(prec), agree, pairs, close, pairs, worst);
    if (prec == BEEX_PREC_FP32)
        assert_true(worst <= 1e-4);
    else if (prec == BEEX_PREC_W1A32)
        assert_true(worst <= 1e-3);
    else {
        assert_true(agree >= (int)(0.97 * pairs));
        assert_true(close >= (int)(0.90 * pairs));
    }
    beex_tws_free(w);
    beex_teff_free(&eff);
    beex_tparams_free(&p);
    beex_engine_free(e);
    beex_model_free(loaded);
    beex_model_free(m);
}

static void test_fp32(void **state)
{
    (void)state;
    compare(BEEX_PREC_FP32);
}

static void test_w1a32(void **state)
{
    (void)state;
    compare(BEEX_PREC_W1A32);
}

static void test_w1a1(void **state)
{
    (void)state;
    compare(BEEX_PREC_W1A1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fp32),
        cmocka_unit_test(test_w1a32),
        cmocka_unit_test(test_w1a1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
