/* Adam (harness/train/adam.c) against the update rule worked by hand: with beta1 = 0.9,
 * beta2 = 0.999, eps = 1e-8 (beex_adam_init) and bias correction,
 *   m_t = beta1 m + (1 - beta1) g,  v_t = beta2 v + (1 - beta2) g^2,
 *   theta -= lr * (m_t / (1 - beta1^t)) / (sqrt(v_t / (1 - beta2^t)) + eps).
 * After one step mhat = g and vhat = g^2, so every parameter with |g| >> eps moves by exactly
 * lr against its gradient whatever |g| is; without the correction it would move by
 * lr * 0.1 / sqrt(0.001) = 3.16 lr. A gradient of 1e-8 = eps moves it by lr / 2 (eps is added
 * outside the square root). Adam's fp32 arithmetic stays within 2e-6 of these values (its
 * 1 - beta in fp32 is off by about 1e-5 relative). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/train/adam.h"

#define TOL 2e-6

enum { NP = 5 };

static void test_init_defaults(void **state)
{
    (void)state;
    beex_adam a;
    assert_int_equal(beex_adam_init(&a, NP, 0.1), 0);
    assert_int_equal(a.n, NP);
    assert_true(a.step == 0);
    assert_true(a.lr == 0.1 && a.beta1 == 0.9 && a.beta2 == 0.999 && a.eps == 1e-8);
    for (int i = 0; i < NP; i++)
        assert_true(a.m[i] == 0.0f && a.v[i] == 0.0f);
    beex_adam_free(&a);
}

/* lr = 0.1. Step 1: theta - lr * g / (|g| + eps):
 *   1.0, g 0.5 -> 0.9;  -2.0, g -4 -> -1.9;  0.5, g 0 -> 0.5 (0 / eps);
 *   3.0, g 1e-8 -> 3.0 - 0.1 * 1e-8 / 2e-8 = 2.95;  0.0, g 2 -> -0.1.
 * Step 2 (1 - beta1^2 = 0.19, 1 - beta2^2 = 0.001999), mhat = (0.09 g1 + 0.1 g2) / 0.19,
 * vhat = (0.000999 g1^2 + 0.001 g2^2) / 0.001999:
 *   g 0.5, 0.5: mhat 0.5, vhat 0.25 -> 0.9 - 0.1 * 0.5 / 0.5 = 0.8;
 *   g -4, 4: mhat 0.04 / 0.19 = 0.2105263, vhat 16 -> -1.9 - 0.1 * 0.2105263 / 4 = -1.9052632;
 *   g 0, 0: 0.5;  g 1e-8, 1e-8: mhat 1e-8, vhat 1e-16 -> 2.95 - 0.05 = 2.9;
 *   g 2, 0: mhat 0.18 / 0.19 = 0.9473684, vhat 0.003996 / 0.001999 = 1.9989995 (sqrt
 *   1.4138598) -> -0.1 - 0.1 * 0.9473684 / 1.4138598 = -0.1670058. */
static void test_two_steps_by_hand(void **state)
{
    (void)state;
    beex_adam a;
    assert_int_equal(beex_adam_init(&a, NP, 0.1), 0);
    float theta[NP] = {1.0f, -2.0f, 0.5f, 3.0f, 0.0f};
    const float g1[NP] = {0.5f, -4.0f, 0.0f, 1e-8f, 2.0f};
    const float g2[NP] = {0.5f, 4.0f, 0.0f, 1e-8f, 0.0f};
    const double want1[NP] = {0.9, -1.9, 0.5, 2.95, -0.1};
    const double want2[NP] = {0.8, -1.9052632, 0.5, 2.9, -0.1670058};

    beex_adam_step(&a, theta, g1);
    assert_true(a.step == 1);
    for (int i = 0; i < NP; i++)
        if (!(fabs(theta[i] - want1[i]) <= TOL))
            fail_msg("step 1, parameter %d: %.9g, want %.9g", i, (double)theta[i], want1[i]);
    /* The raw moments: m = 0.1 g, v = 0.001 g^2 (parameter 1: -0.4 and 0.016). */
    assert_true(fabs(a.m[1] - (-0.4)) <= 1e-6 && fabs(a.v[1] - 0.016) <= 1e-6);

    beex_adam_step(&a, theta, g2);
    assert_true(a.step == 2);
    for (int i = 0; i < NP; i++)
        if (!(fabs(theta[i] - want2[i]) <= TOL))
            fail_msg("step 2, parameter %d: %.9g, want %.9g", i, (double)theta[i], want2[i]);
    beex_adam_free(&a);
}

/* A reset starts a new stage: the step count and the moments are zero again, so the next
 * step is a first step (moves by lr against the gradient), not a third one. */
static void test_reset_restarts_bias_correction(void **state)
{
    (void)state;
    beex_adam a;
    assert_int_equal(beex_adam_init(&a, 1, 0.01), 0);
    float theta[1] = {0.0f};
    const float g[1] = {-3.0f};
    for (int s = 0; s < 5; s++)
        beex_adam_step(&a, theta, g);
    beex_adam_reset(&a);
    assert_true(a.step == 0 && a.m[0] == 0.0f && a.v[0] == 0.0f);
    theta[0] = 1.0f;
    const float g2[1] = {0.25f};
    beex_adam_step(&a, theta, g2);
    assert_true(fabs(theta[0] - 0.99) <= TOL);
    beex_adam_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_defaults),
        cmocka_unit_test(test_two_steps_by_hand),
        cmocka_unit_test(test_reset_restarts_bias_correction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
