/* Mann-Whitney U on cases computed by hand (the comments show the arithmetic). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "harness/base/mann_whitney.h"

/* x all below y, 3 vs 3: U1 = 0, max U = 9; only 1 of C(6,3) = 20 arrangements reaches 9,
 * so the two-sided exact p = 2 / 20. */
static void separated_small_exact(void **state)
{
    (void)state;
    double x[] = {1, 2, 3}, y[] = {4, 5, 6};
    beex_utest t;
    assert_int_equal(beex_mann_whitney(x, 3, y, 3, &t), 0);
    assert_true(t.exact);
    assert_true(fabs(t.u - 0) < 1e-12);
    assert_true(fabs(t.p_value - 0.1) < 1e-12);
    /* the order of the samples does not change p */
    assert_int_equal(beex_mann_whitney(y, 3, x, 3, &t), 0);
    assert_true(fabs(t.u - 9) < 1e-12);
    assert_true(fabs(t.p_value - 0.1) < 1e-12);
}

/* Interleaved x = {1,3,5}, y = {2,4,6}: ranks of x 1+3+5 = 9, U1 = 9 - 6 = 3, max U = 6.
 * Counts of U = 0..9 over the 20 arrangements: 1 1 2 3 3 3 3 2 1 1; P(U >= 6) = 7/20. */
static void interleaved_exact(void **state)
{
    (void)state;
    double x[] = {5, 1, 3}, y[] = {6, 2, 4};
    beex_utest t;
    assert_int_equal(beex_mann_whitney(x, 3, y, 3, &t), 0);
    assert_true(t.exact);
    assert_true(fabs(t.u - 3) < 1e-12);
    assert_true(fabs(t.p_value - 0.7) < 1e-12);
}

/* 9 vs 9 (the suite's default repetitions), separated: normal approximation.
 * mu = 81/2, var = 81/12 * 19 = 128.25, z = (81 - 40.5 - 0.5) / 11.3248 = 3.5321,
 * p = erfc(z / sqrt 2) = 4.12e-4 (scipy.stats.mannwhitneyu gives 0.000411). */
static void separated_nine_asymptotic(void **state)
{
    (void)state;
    double x[9], y[9];
    for (int i = 0; i < 9; i++) {
        x[i] = i + 1;
        y[i] = i + 10;
    }
    beex_utest t;
    assert_int_equal(beex_mann_whitney(x, 9, y, 9, &t), 0);
    assert_false(t.exact);
    assert_true(fabs(t.p_value - 4.12e-4) < 5e-6);
    assert_true(t.p_value < 0.05);
}

/* Ties force the approximation: x = {1,2,2,3}, y = {2,3,3,4}. Mid-ranks: 1 -> 1, the 2s -> 3,
 * the 3s -> 6, 4 -> 8; R_x = 1+3+3+6 = 13, U1 = 13 - 10 = 3, max U = 13. Tie term
 * 2 * (27 - 3) = 48; var = 16/12 * (9 - 48/56) = 10.857; z = (13 - 8 - 0.5) / 3.2950 = 1.3657;
 * p = 2 (1 - Phi(1.3657)) = 0.1720. */
static void ties_asymptotic(void **state)
{
    (void)state;
    double x[] = {1, 2, 2, 3}, y[] = {2, 3, 3, 4};
    beex_utest t;
    assert_int_equal(beex_mann_whitney(x, 4, y, 4, &t), 0);
    assert_false(t.exact);
    assert_true(fabs(t.u - 3) < 1e-12);
    assert_true(fabs(t.p_value - 0.1720) < 3e-4);
}

/* Identical samples: every value tied, p = 1; empty samples are refused. */
static void degenerate(void **state)
{
    (void)state;
    double x[] = {2, 2, 2}, y[] = {2, 2};
    beex_utest t;
    assert_int_equal(beex_mann_whitney(x, 3, y, 2, &t), 0);
    assert_true(fabs(t.p_value - 1.0) < 1e-12);
    assert_int_equal(beex_mann_whitney(x, 0, y, 2, &t), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(separated_small_exact),
        cmocka_unit_test(interleaved_exact),
        cmocka_unit_test(separated_nine_asymptotic),
        cmocka_unit_test(ties_asymptotic),
        cmocka_unit_test(degenerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
