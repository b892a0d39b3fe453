/* Student t quantiles against published tables (two-sided 95 %: t(0.975, df)) and the mean
 * interval of a small sample computed by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "harness/base/student_t.h"

static void quantiles_match_tables(void **state)
{
    (void)state;
    /* t(0.975, df) from any statistics table (scipy.stats.t.ppf(0.975, df)). */
    static const struct {
        double df, t;
    } table[] = {{1, 12.7062047}, {2, 4.30265273},  {4, 2.77644511},
                 {9, 2.26215716}, {30, 2.04227246}, {1000, 1.96233908}};
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        double q = beex_student_t_quantile(0.975, table[i].df);
        assert_true(fabs(q - table[i].t) < 1e-6);
        assert_true(fabs(beex_student_t_cdf(q, table[i].df) - 0.975) < 1e-12);
        assert_true(fabs(beex_student_t_quantile(0.025, table[i].df) + q) < 1e-12);
    }
    assert_true(beex_student_t_quantile(0.5, 3) == 0.0);
    assert_true(isnan(beex_student_t_quantile(1.0, 3)));
    assert_true(isnan(beex_student_t_quantile(0.9, 0)));
}

/* {1, 2, 3, 4, 5}: mean 3, sd sqrt(10 / 4) = 1.5811388, half width 2.7764451 * 1.5811388 /
 * sqrt(5) = 1.9632432. */
static void mean_interval_by_hand(void **state)
{
    (void)state;
    double v[] = {1, 2, 3, 4, 5};
    beex_mean_ci c;
    beex_mean_ci95(v, 5, &c);
    assert_int_equal(c.n, 5);
    assert_true(fabs(c.mean - 3) < 1e-15);
    assert_true(fabs(c.sd - 1.5811388) < 1e-7);
    assert_true(fabs(c.lo - (3 - 1.9632432)) < 1e-6);
    assert_true(fabs(c.hi - (3 + 1.9632432)) < 1e-6);
    beex_mean_ci95(v, 1, &c); /* one seed: a mean, no spread */
    assert_true(c.mean == 1 && isnan(c.sd) && isnan(c.lo) && isnan(c.hi));
    beex_mean_ci95(v, 0, &c);
    assert_true(isnan(c.mean));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quantiles_match_tables),
        cmocka_unit_test(mean_interval_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
