/* Per-round ratio intervals (bench/ratio_interval.h) on synthetic rounds: a known ratio measured
 * with a little multiplicative noise is covered by a narrow interval and raises no warning; a
 * wide spread, or too few rounds, raises the warning; unusable rounds are left out; the seed
 * names the interval. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/base/prng.h"
#include "harness/bench/ratio_interval.h"

enum { ROUNDS = 40 };

/* Uniform noise in [-1, 1). */
static double noise(uint64_t *s)
{
    return 2.0 * (double)(beex_splitmix64(s) >> 11) / 9007199254740992.0 - 1.0;
}

/* Rounds of a slow case (num) and a fast one (den) with the given true ratio, each round's
 * times scaled alike by a drift and apart by `spread` of their own. */
static void rounds(double ratio, double spread, uint64_t seed, double *num, double *den)
{
    uint64_t s = seed;
    for (int r = 0; r < ROUNDS; r++) {
        double drift = 1.0 + 0.3 * noise(&s); /* the machine: the same on both sides */
        den[r] = 1e-3 * drift * (1.0 + spread * noise(&s));
        num[r] = ratio * 1e-3 * drift * (1.0 + spread * noise(&s));
    }
}

static void test_known_ratio_is_covered(void **state)
{
    (void)state;
    double num[ROUNDS], den[ROUNDS];
    rounds(4.0, 0.02, 11, num, den);
    beex_ratio_ci ci;
    assert_int_equal(beex_ratio_interval(num, den, ROUNDS, 1, &ci), 0);
    assert_int_equal(ci.n, ROUNDS);
    assert_true(ci.lo <= 4.0 && 4.0 <= ci.hi);
    assert_true(ci.lo <= ci.median && ci.median <= ci.hi);
    assert_false(ci.wide);
    char buf[256];
    assert_null(beex_ratio_warning(&ci, buf, sizeof buf));
    /* The same seed gives the same interval. */
    beex_ratio_ci again;
    assert_int_equal(beex_ratio_interval(num, den, ROUNDS, 1, &again), 0);
    assert_true(again.n == ci.n && again.median == ci.median && again.lo == ci.lo &&
                again.hi == ci.hi && again.wide == ci.wide);
}

static void test_wide_spread_warns(void **state)
{
    (void)state;
    double num[ROUNDS], den[ROUNDS];
    rounds(4.0, 0.6, 12, num, den);
    beex_ratio_ci ci;
    assert_int_equal(beex_ratio_interval(num, den, ROUNDS, 1, &ci), 0);
    assert_true(ci.rel_width > BEEX_RATIO_MAX_REL_WIDTH);
    assert_true(ci.wide);
    char buf[256];
    const char *w = beex_ratio_warning(&ci, buf, sizeof buf);
    assert_non_null(w);
    assert_non_null(strstr(w, "too wide to support a claim"));
}

static void test_too_few_rounds_warn(void **state)
{
    (void)state;
    double num[ROUNDS], den[ROUNDS];
    rounds(2.0, 0.0, 13, num, den);
    beex_ratio_ci ci;
    assert_int_equal(beex_ratio_interval(num, den, BEEX_RATIO_MIN_ROUNDS - 1, 1, &ci), 0);
    assert_true(fabs(ci.median - 2.0) < 1e-12);
    assert_true(isnan(ci.lo) && isnan(ci.hi));
    assert_true(ci.wide);
    char buf[256];
    assert_non_null(strstr(beex_ratio_warning(&ci, buf, sizeof buf), "no interval"));
    /* Exactly enough rounds of an exact ratio: a zero-width interval, no warning. */
    assert_int_equal(beex_ratio_interval(num, den, BEEX_RATIO_MIN_ROUNDS, 1, &ci), 0);
    assert_true(fabs(ci.lo - 2.0) < 1e-12 && fabs(ci.hi - 2.0) < 1e-12);
    assert_false(ci.wide);
}

static void test_unusable_rounds_are_left_out(void **state)
{
    (void)state;
    double num[8] = {2, 2, 2, 2, 2, 2, 0, 2}, den[8] = {1, 1, 1, 1, 1, 1, 1, NAN};
    beex_ratio_ci ci;
    assert_int_equal(beex_ratio_interval(num, den, 8, 1, &ci), 0);
    assert_int_equal(ci.n, 6);
    assert_true(fabs(ci.median - 2.0) < 1e-12);
    double v[6] = {1.0, INFINITY, 1.0, NAN, 1.0, 1.0};
    assert_int_equal(beex_median_interval(v, 6, 1, &ci), 0);
    assert_int_equal(ci.n, 4);
    assert_true(ci.wide); /* 4 usable rounds: no interval */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_ratio_is_covered),
        cmocka_unit_test(test_wide_spread_warns),
        cmocka_unit_test(test_too_few_rounds_warn),
        cmocka_unit_test(test_unusable_rounds_are_left_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
