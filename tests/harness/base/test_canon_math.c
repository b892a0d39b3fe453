/* The CPU-independent elementary functions (harness/base/canon_math.h) agree with glibc's
 * within a few ulp over the ranges the suite uses, keep their edge cases, and are built from
 * operations whose bits no CPU changes (that part is shown by the same-bytes tests). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/base/canon_math.h"

static double ulps(double got, double want)
{
    if (got == want)
        return 0.0;
    return fabs(got - want) / fabs(nextafter(want, INFINITY) - want);
}

static void test_exp_log_accuracy(void **state)
{
    (void)state;
    double worst_exp = 0.0, worst_log = 0.0;
    for (int i = -20000; i <= 20000; i++) {
        double x = i * 0.0351; /* -702 .. 702 */
        double u = ulps(beex_canon_exp(x), exp(x));
        worst_exp = u > worst_exp ? u : worst_exp;
        double y = exp(i * 0.0173); /* 1e-150 .. 1e150 */
        u = ulps(beex_canon_log(y), log(y));
        if (fabs(log(y)) > 1e-3) /* near 1 the absolute error is what counts */
            worst_log = u > worst_log ? u : worst_log;
    }
    print_message("worst ulps: exp %.2f, log %.2f\n", worst_exp, worst_log);
    assert_true(worst_exp <= 4.0);
    assert_true(worst_log <= 4.0);
    for (double y = 0.5; y < 2.0; y += 0.001)
        assert_true(fabs(beex_canon_log(y) - log(y)) < 4e-16);
}

static void test_edges(void **state)
{
    (void)state;
    assert_true(beex_canon_exp(0.0) == 1.0);
    assert_true(beex_canon_exp(-1000.0) == 0.0);
    assert_true(isinf(beex_canon_exp(1000.0)));
    assert_true(isnan(beex_canon_exp(NAN)));
    assert_true(beex_canon_log(1.0) == 0.0);
    assert_true(isinf(beex_canon_log(0.0)) && beex_canon_log(0.0) < 0.0);
    assert_true(isnan(beex_canon_log(-1.0)));
    assert_true(isnan(beex_canon_log(NAN)));
    assert_true(fabs(beex_canon_log(2.0) - M_LN2) < 1e-16);
    assert_true(beex_canon_powi(0.9, 0) == 1.0);
    assert_true(beex_canon_powi(2.0, 10) == 1024.0);
    assert_true(fabs(beex_canon_powi(0.999, 1000) - pow(0.999, 1000)) < 1e-14);
}

static void test_lgamma_log1p(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int i = 1; i <= 4000; i++) {
        double x = i * 0.05; /* 0.05 .. 200, half-integers included */
        double e =
            fabs(beex_canon_lgamma(x) - lgamma(x)) / (fabs(lgamma(x)) > 1 ? fabs(lgamma(x)) : 1);
        worst = e > worst ? e : worst;
    }
    print_message("worst relative error of lgamma: %.3g\n", worst);
    assert_true(worst < 1e-13);
    assert_true(fabs(beex_canon_lgamma(1.0)) < 1e-15 && fabs(beex_canon_lgamma(2.0)) < 1e-15);
    assert_true(isnan(beex_canon_lgamma(0.0)) && isnan(beex_canon_lgamma(-1.5)));
    for (int i = -300; i <= 300; i++) {
        double x = i * 1e-3 * (i % 2 ? 1e-9 : 1.0);
        assert_true(fabs(beex_canon_log1p(x) - log1p(x)) <= 1e-15 * fabs(log1p(x)) + 1e-300);
    }
}

static void test_sincos_turns(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int i = -3000; i <= 3000; i++) {
        double u = i / 1000.0 + 0.000123, s, c;
        beex_canon_sincos_turns(u, &s, &c);
        double es = fabs(s - sin(2.0 * M_PI * u)), ec = fabs(c - cos(2.0 * M_PI * u));
        worst = es > worst ? es : worst;
        worst = ec > worst ? ec : worst;
    }
    print_message("worst absolute error of sin/cos: %.3g\n", worst);
    assert_true(worst < 1e-14);
    double s, c;
    beex_canon_sincos_turns(0.25, &s, &c);
    assert_true(s == 1.0 && fabs(c) == 0.0);
    beex_canon_sincos_turns(0.5, &s, &c);
    assert_true(fabs(s) == 0.0 && c == -1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp_log_accuracy),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_lgamma_log1p),
        cmocka_unit_test(test_sincos_turns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
