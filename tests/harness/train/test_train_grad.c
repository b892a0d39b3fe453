/* Backward of every training layer against central finite differences on tiny shapes:
 * the whole fp32 network (embeddings, MHA, LayerNorm, SLFN, pooling, exits, soft-routing
 * loss, with and without dropout masks), the real-valued parameters of the w1a32 network,
 * and the ApproxSign surrogates of weights and activations against F's own derivative. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/train/tkernels.h"
#include "harness/train/tnet.h"
#include "harness/train/tparams.h"

static beex_config tiny_config(void)
{
    beex_config c = {.vocab = 11,
                     .d = 8,
                     .heads = 2,
                     .dff = 12,
                     .blocks = 2,
                     .max_len = 6,
                     .classes = 3,
                     .precision = BEEX_PREC_FP32,
                     .ln_eps = 1e-6f};
    return c;
}

static uint64_t rng_state = 12345;
static double urand(void) /* [-1, 1) */
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static void fill_params(beex_tparams *p)
{
    for (size_t i = 0; i < p->n; i++)
        p->base[i] = (float)(0.5 * urand());
    for (int i = 0; i < p->cfg.blocks; i++)
        for (int k = 0; k < p->cfg.d; k++) {
            p->blk[i].ln1g[k] = (float)(1.0 + 0.2 * urand());
            p->blk[i].ln2g[k] = (float)(1.0 + 0.2 * urand());
        }
}

typedef struct {
    beex_tparams p, g;
    beex_teff e;
    beex_tws *w;
    beex_precision prec;
    float dropout;
    int32_t ids[5];
    int T, y;
    float lw[2];
} net_fixture;

static double net_loss(net_fixture *f)
{
    beex_teff_update(&f->e, &f->p, f->prec, 0);
    beex_tnet_forward(f->w, &f->p, &f->e, f->prec, f->ids, f->T, f->dropout, 99, 0, NULL);
    return beex_tnet_loss(f->w, f->y, f->lw);
}

/* Checks dL/dtheta for every parameter index in [lo, hi) against central differences. */
static int check_range(net_fixture *f, size_t lo, size_t hi, const char *what)
{
    int bad = 0;
    for (size_t i = lo; i < hi; i++) {
        float keep = f->p.base[i];
        double h = 1e-3;
        f->p.base[i] = keep + (float)h;
        double lp = net_loss(f);
        f->p.base[i] = keep - (float)h;
        double lm = net_loss(f);
        f->p.base[i] = keep;
        double fd = (lp - lm) / (2.0 * h), an = f->g.base[i];
        double tol = 2e-3 + 2e-2 * fabs(fd);
        if (fabs(fd - an) > tol) {
            if (bad < 5)
                fprintf(stderr, "%s: param %zu analytic %.6g finite difference %.6g\n", what, i, an,
                        fd);
            bad++;
        }
    }
    return bad;
}

static void setup_net(net_fixture *f, beex_precision prec, float dropout)
{
    beex_config c = tiny_config();
    memset(f, 0, sizeof *f);
    assert_int_equal(beex_tparams_init(&f->p, &c, NULL), 0);
    assert_int_equal(beex_tparams_init(&f->g, &c, NULL), 0);
    assert_int_equal(beex_teff_init(&f->e, &c), 0);
    f->w = beex_tws_new(
        &c, 1); /* one thread: thousands of tiny forwards; thread counts are test_train_batch's */
    assert_non_null(f->w);
    fill_params(&f->p);
    f->prec = prec;
    f->dropout = dropout;
    int32_t ids[5] = {3, 7, 2, 3, 10};
    memcpy(f->ids, ids, sizeof ids);
    f->T = 5;
    f->y = 1;
    f->lw[0] = 1.0f;
    f->lw[1] = 2.0f;
    (void)net_loss(f);
    double L = beex_tnet_backward(f->w, &f->p, &f->e, f->y, f->lw, &f->g);
    assert_true(fabs(L - beex_tnet_loss(f->w, f->y, f->lw)) < 1e-9);
}

static void teardown_net(net_fixture *f)
{
    beex_tparams_free(&f->p);
    beex_tparams_free(&f->g);
    beex_teff_free(&f->e);
    beex_tws_free(f->w);
}

static void test_fp32_network(void **state)
{
    (void)state;
    float drops[2] = {0.0f, 0.3f};
    for (int r = 0; r < 2; r++) {
        net_fixture f;
        setup_net(&f, BEEX_PREC_FP32, drops[r]);
        /* Every parameter: embeddings of used rows matter, unused rows must get 0. */
        assert_int_equal(check_range(&f, 0, f.p.n, drops[r] > 0 ? "fp32+dropout" : "fp32"), 0);
        teardown_net(&f);
    }
}

/* In w1a32 the activations stay real, so every parameter outside the binarized weights and
 * token rows is differentiable: checks the data path through alpha * sign(W). */
static void test_w1a32_real_params(void **state)
{
    (void)state;
    net_fixture f;
    setup_net(&f, BEEX_PREC_W1A32, 0.0f);
    int bad = check_range(&f, (size_t)(f.p.pos - f.p.base),
                          (size_t)(f.p.pos - f.p.base) + (size_t)f.p.cfg.max_len * f.p.cfg.d,
                          "w1a32 pos");
    for (int i = 0; i < f.p.cfg.blocks; i++) {
        beex_tblock *b = &f.p.blk[i];
        for (int l = 0; l < BEEX_TL_COUNT; l++)
            bad += check_range(&f, (size_t)(b->lin[l].b - f.p.base),
                               (size_t)(b->lin[l].b - f.p.base) + (size_t)b->lin[l].rows,
                               "w1a32 bias");
        bad += check_range(&f, (size_t)(b->ln1g - f.p.base), (size_t)(b->eb - f.p.base) + 3,
                           "w1a32 ln/exit");
    }
    assert_int_equal(bad, 0);
    teardown_net(&f);
}

/* Weight surrogate: with alpha held constant, L(W) = sum G .* alpha * F(W) has gradient
 * G * alpha * F'(W), which is what the backward applies to dL/dWb. */
static void test_weight_surrogate(void **state)
{
    (void)state;
    enum { R = 4, K = 9 };
    float w[R * K], wb[R * K], alpha[R], gwb[R * K], dw[R * K] = {0};
    for (int i = 0; i < R * K; i++) {
        w[i] = (float)(1.3 * urand());
        gwb[i] = (float)urand();
    }
    beex_tk_binarize_rows(w, R, K, 1, 1, wb, alpha);
    for (int j = 0; j < R; j++) {
        double s = 0;
        for (int k = 0; k < K; k++)
            s += fabs(w[j * K + k]);
        assert_float_equal(alpha[j], s / K, 1e-6);
        for (int k = 0; k < K; k++)
            assert_float_equal(wb[j * K + k], alpha[j] * beex_tk_approxsign(w[j * K + k]), 1e-6);
    }
    beex_tk_binarize_rows_bwd(w, alpha, gwb, R, K, dw);
    for (int i = 0; i < R * K; i++) {
        double h = 1e-3, j = i / K;
        double fd = alpha[(int)j] * gwb[i] *
                    (beex_tk_approxsign(w[i] + (float)h) - beex_tk_approxsign(w[i] - (float)h)) /
                    (2 * h);
        if (fabs(fabs(w[i]) - 1.0) > 2e-3 && fabs(w[i]) > 2e-3) /* away from F's kinks */
            assert_float_equal(dw[i], fd, 1e-3);
    }
    /* sign path: -0.0 binarizes to +1 */
    float z[2] = {-0.0f, -0.5f}, zb[2], za;
    beex_tk_binarize_rows(z, 1, 2, 1, 0, zb, &za);
    assert_float_equal(zb[0], 0.25f, 0);
    assert_float_equal(zb[1], -0.25f, 0);
}

/* Activation surrogate with centre c (0.5 for BL_2's sigmoid input), beta held constant. */
static void test_activation_surrogate(void **state)
{
    (void)state;
    enum { T = 3, N = 10 };
    float cs[2] = {0.0f, 0.5f};
    for (int r = 0; r < 2; r++) {
        float x[T * N], xe[T * N], beta[T], g[T * N], dx[T * N] = {0};
        for (int i = 0; i < T * N; i++) {
            x[i] = cs[r] + (float)(1.2 * urand());
            g[i] = (float)urand();
        }
        beex_tk_binarize_act(x, T, N, cs[r], 1, xe, beta);
        beex_tk_binarize_act_bwd(x, beta, g, T, N, cs[r], dx);
        for (int i = 0; i < T * N; i++) {
            float v = x[i] - cs[r];
            assert_float_equal(xe[i], beta[i / N] * beex_tk_approxsign(v) + cs[r], 1e-6);
            if (fabs(fabs(v) - 1.0) < 2e-3 || fabs(v) < 2e-3)
                continue;
            double h = 1e-3;
            double fd = g[i] * beta[i / N] *
                        (beex_tk_approxsign(v + (float)h) - beex_tk_approxsign(v - (float)h)) /
                        (2 * h);
            assert_float_equal(dx[i], fd, 1e-3);
        }
        /* sign path: xe = beta * sign(x - c) + c, sign(0) = +1 */
        float x0[2] = {cs[r], cs[r] - 1.0f}, e0[2], b0;
        beex_tk_binarize_act(x0, 1, 2, cs[r], 0, e0, &b0);
        assert_float_equal(b0, 0.5f, 1e-7);
        assert_float_equal(e0[0], 0.5f + cs[r], 1e-7);
        assert_float_equal(e0[1], -0.5f + cs[r], 1e-7);
    }
}

/* The surrogate turns dL/dWb into latent gradients: zero outside [-1, 1]. */
static void test_surrogate_grads_zero_outside(void **state)
{
    (void)state;
    net_fixture f;
    setup_net(&f, BEEX_PREC_W1A1, 0.0f);
    beex_tlin *L = &f.p.blk[0].lin[BEEX_TL_Q];
    L->w[0] = 1.5f;
    beex_teff_update(&f.e, &f.p, BEEX_PREC_W1A1, 0);
    for (size_t i = 0; i < f.g.n; i++)
        f.g.base[i] = 1.0f;
    beex_teff_surrogate_grads(&f.e, &f.p, &f.g);
    assert_float_equal(f.g.blk[0].lin[BEEX_TL_Q].w[0], 0.0f, 0);
    float a = f.e.lin[0].alpha[0];
    float w1 = L->w[1];
    assert_float_equal(f.g.blk[0].lin[BEEX_TL_Q].w[1], a * beex_tk_approxsign_grad(w1), 1e-6);
    teardown_net(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fp32_network),
        cmocka_unit_test(test_w1a32_real_params),
        cmocka_unit_test(test_weight_surrogate),
        cmocka_unit_test(test_activation_surrogate),
        cmocka_unit_test(test_surrogate_grads_zero_outside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
