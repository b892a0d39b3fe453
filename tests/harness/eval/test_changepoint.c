/* E-divisive change points on synthetic series: planted steps in Gaussian noise are found at
 * their index with a small p-value, pure noise is flagged about as often as the significance
 * level allows, noise-free steps are exact, small steps are dropped, and bad input is refused
 * with a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/prng.h"
#include "harness/eval/changepoint.h"

#define MAXN 200

/* A standard normal draw (Box-Muller), from the suite's PRNG so every series is reproducible. */
static double gauss(uint64_t *st)
{
    double u1 = ((double)(beex_splitmix64(st) >> 11) + 0.5) * 0x1p-53;
    double u2 = (double)(beex_splitmix64(st) >> 11) * 0x1p-53;
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* x[i] = level(i) * (1 + sd * N(0, 1)), level stepping by factor step[k] at index at[k]. */
static void series(double *x, size_t n, double sd, const size_t *at, const double *step,
                   size_t steps, uint64_t seed)
{
    uint64_t st = beex_prng_stream(seed, 7);
    double level = 100;
    for (size_t i = 0, k = 0; i < n; i++) {
        if (k < steps && i == at[k])
            level *= step[k++];
        x[i] = level * (1 + sd * gauss(&st));
    }
}

static int run(const double *x, size_t n, const beex_changepoint_opts *o, beex_change *c, size_t *k)
{
    char err[256] = "";
    int rc = beex_changepoints(x, n, o, c, MAXN, k, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    return rc;
}

/* The change nearest to index `want`, or NULL when none is within `tol`. */
static const beex_change *near(const beex_change *c, size_t k, size_t want, size_t tol)
{
    for (size_t i = 0; i < k; i++)
        if (c[i].index + tol >= want && c[i].index <= want + tol)
            return &c[i];
    return NULL;
}

static void single_step_in_noise(void **state)
{
    (void)state;
    beex_changepoint_opts o;
    beex_changepoint_defaults(&o);
    double x[100];
    beex_change c[MAXN];
    size_t k, at = 40;
    double up = 1.05;
    /* Ten noise draws, each must show the step: +5 % against 1 % noise is five sigma. */
    for (uint64_t seed = 1; seed <= 10; seed++) {
        series(x, 100, 0.01, &at, &up, 1, seed);
        assert_int_equal(run(x, 100, &o, c, &k), 0);
        const beex_change *s = near(c, k, 40, 1);
        assert_non_null(s);
        assert_true(s->p_value <= 0.05);
        assert_true(fabs(s->rel_change - 0.05) < 0.01);
        assert_true(s->after > s->before);
    }
}

static void two_steps_in_noise(void **state)
{
    (void)state;
    beex_changepoint_opts o;
    beex_changepoint_defaults(&o);
    double x[150];
    beex_change c[MAXN];
    size_t k, at[2] = {50, 100};
    double step[2] = {1.05, 0.94};
    for (uint64_t seed = 1; seed <= 5; seed++) {
        series(x, 150, 0.01, at, step, 2, seed);
        assert_int_equal(run(x, 150, &o, c, &k), 0);
        const beex_change *a = near(c, k, 50, 1), *b = near(c, k, 100, 1);
        assert_non_null(a);
        assert_non_null(b);
        assert_true(a->rel_change > 0.03);
        assert_true(b->rel_change < -0.04);
        for (size_t i = 1; i < k; i++)
            assert_true(c[i - 1].index < c[i].index); /* sorted */
    }
}

/* 50 series of noise alone: at the 0.05 level about 2.5 are expected to show a change (binary
 * segmentation tests once per series unless the first test fires); 10 is far in the tail. */
static void pure_noise_false_positives(void **state)
{
    (void)state;
    beex_changepoint_opts o;
    beex_changepoint_defaults(&o);
    double x[100];
    beex_change c[MAXN];
    size_t k;
    int flagged = 0;
    for (uint64_t seed = 100; seed < 150; seed++) {
        series(x, 100, 0.01, NULL, NULL, 0, seed);
        o.seed = seed;
        assert_int_equal(run(x, 100, &o, c, &k), 0);
        flagged += k > 0;
    }
    print_message("pure noise: %d of 50 series flagged at 0.05\n", flagged);
    assert_true(flagged <= 10);
}

/* Deterministic counts: 40 points of 1000, then 60 of 1080. Only the identity (or a reordering
 * of equal values) reaches the observed statistic, so p is the smallest possible. */
static void noise_free_step(void **state)
{
    (void)state;
    beex_changepoint_opts o;
    beex_changepoint_defaults(&o);
    double x[100];
    beex_change c[MAXN];
    size_t k;
    for (int i = 0; i < 100; i++)
        x[i] = i < 40 ? 1000 : 1080;
    assert_int_equal(run(x, 100, &o, c, &k), 0);
    assert_int_equal(k, 1);
    assert_int_equal(c[0].index, 40);
    assert_true(c[0].p_value == 1.0 / (1 + o.permutations));
    assert_true(c[0].before == 1000 && c[0].after == 1080);
    assert_true(fabs(c[0].rel_change - 0.08) < 1e-12);
    /* A drop is reported with a negative size, at the same place. */
    for (int i = 0; i < 100; i++)
        x[i] = i < 40 ? 1080 : 1000;
    assert_int_equal(run(x, 100, &o, c, &k), 0);
    assert_int_equal(k, 1);
    assert_int_equal(c[0].index, 40);
    assert_true(c[0].rel_change < 0);
}

/* A +0.3 % noise-free step is found at min_rel_change 0, and dropped at 0.005; next to a +8 %
 * step, dropping the small one merges its segments, so the big one's after is the mean of
 * the merged segment. */
static void small_step_dropped(void **state)
{
    (void)state;
    beex_changepoint_opts o;
    beex_changepoint_defaults(&o);
    double x[100];
    beex_change c[MAXN];
    size_t k;
    for (int i = 0; i < 100; i++)
        x[i] = i < 50 ? 1000 : 1003;
    assert_int_equal(run(x, 100, &o, c, &k), 0);
    assert_int_equal(k, 1);
    assert_int_equal(c[0].index, 50);
    o.min_rel_change = 0.005;
    assert_int_equal(run(x, 100, &o, c, &k), 0);
    assert_int_equal(k, 0);

    for (int i = 0; i < 100; i++)
        x[i] = i < 30 ? 1000 : i < 70 ? 1080 : 1083;
    o.min_rel_change = 0;
    assert_int_equal(run(x, 100, &o, c, &k), 0);
    assert_int_equal(k, 2);
    assert_int_equal(c[1].index, 70);
    o.min_rel_change = 0.005;
    assert_int_equal(run(x, 100, &o, c, &k), 0);
    assert_int_equal(k, 1);
    assert_int_equal(c[0].index, 30);
    assert_true(c[0].before == 1000);
    assert_true(fabs(c[0].after - (40 * 1080.0 + 30 * 1083.0) / 70) < 1e-9);
}

static void deterministic(void **state)
{
    (void)state;
    beex_changepoint_opts o;
    beex_changepoint_defaults(&o);
    double x[120];
    beex_change a[MAXN], b[MAXN];
    size_t ka, kb, at[2] = {30, 80};
    double step[2] = {1.02, 1.015};
    series(x, 120, 0.01, at, step, 2, 5);
    o.seed = 42;
    assert_int_equal(run(x, 120, &o, a, &ka), 0);
    assert_true(ka > 0);
    assert_int_equal(run(x, 120, &o, b, &kb), 0);
    assert_int_equal(ka, kb);
    assert_memory_equal(a, b, ka * sizeof *a);
}

static void nothing_to_find(void **state)
{
    (void)state;
    beex_changepoint_opts o;
    beex_changepoint_defaults(&o);
    double x[50];
    beex_change c[MAXN];
    size_t k = 99;
    for (int i = 0; i < 50; i++)
        x[i] = 1234;
    assert_int_equal(run(x, 50, &o, c, &k), 0);
    assert_int_equal(k, 0);
    /* Fewer than 2 * min_segment points: nothing, even with a step. */
    double y[5] = {1, 1, 9, 9, 9};
    k = 99;
    assert_int_equal(run(y, 5, &o, c, &k), 0);
    assert_int_equal(k, 0);
    k = 99;
    assert_int_equal(run(y, 0, &o, c, &k), 0);
    assert_int_equal(k, 0);
}

/* cap limits what is written, not the count. */
static void cap_bounds_output(void **state)
{
    (void)state;
    beex_changepoint_opts o;
    beex_changepoint_defaults(&o);
    double x[90];
    for (int i = 0; i < 90; i++)
        x[i] = 1000 + 100 * (i / 30);
    beex_change c[2] = {{0}, {0}};
    size_t k;
    char err[128];
    assert_int_equal(beex_changepoints(x, 90, &o, c, 1, &k, err, sizeof err), 0);
    assert_int_equal(k, 2);
    assert_int_equal(c[0].index, 30);
    assert_int_equal(c[1].index, 0); /* untouched */
}

static void expect_error(const double *x, size_t n, const beex_changepoint_opts *o,
                         const char *word)
{
    beex_change c[MAXN];
    size_t k;
    char err[256] = "";
    assert_int_equal(beex_changepoints(x, n, o, c, MAXN, &k, err, sizeof err), -1);
    if (strstr(err, word) == NULL)
        fail_msg("error '%s' does not name '%s'", err, word);
}

static void bad_options_and_values(void **state)
{
    (void)state;
    double x[20];
    for (int i = 0; i < 20; i++)
        x[i] = i;
    beex_changepoint_opts d, o;
    beex_changepoint_defaults(&d);
    o = d, o.alpha = 0;
    expect_error(x, 20, &o, "alpha");
    o = d, o.alpha = 2.5;
    expect_error(x, 20, &o, "alpha");
    o = d, o.alpha = NAN;
    expect_error(x, 20, &o, "alpha");
    o = d, o.significance = 0;
    expect_error(x, 20, &o, "significance");
    o = d, o.significance = 1;
    expect_error(x, 20, &o, "significance");
    o = d, o.permutations = 0;
    expect_error(x, 20, &o, "permutations");
    o = d, o.min_segment = 0;
    expect_error(x, 20, &o, "min_segment");
    o = d, o.min_rel_change = -0.1;
    expect_error(x, 20, &o, "min_rel_change");
    x[7] = NAN;
    expect_error(x, 20, &d, "point 7");
    x[7] = 7;
    x[19] = INFINITY;
    expect_error(x, 20, &d, "point 19");
    /* alpha 2 (means only) is accepted and still finds a plain step. */
    for (int i = 0; i < 20; i++)
        x[i] = i < 10 ? 5 : 6;
    o = d, o.alpha = 2;
    beex_change c[MAXN];
    size_t k;
    assert_int_equal(run(x, 20, &o, c, &k), 0);
    assert_int_equal(k, 1);
    assert_int_equal(c[0].index, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_step_in_noise),
        cmocka_unit_test(two_steps_in_noise),
        cmocka_unit_test(pure_noise_false_positives),
        cmocka_unit_test(noise_free_step),
        cmocka_unit_test(small_step_dropped),
        cmocka_unit_test(deterministic),
        cmocka_unit_test(nothing_to_find),
        cmocka_unit_test(cap_bounds_output),
        cmocka_unit_test(bad_options_and_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
