/* The ceiling's arithmetic (harness/bench/core_ceiling.h) on synthetic per-core times: per
 * round the fastest cores' speeds summed, the team's speed over that sum, the median and the
 * 2.5 / 97.5 % points of those ratios, and the verdict against the target. No timing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/bench/core_ceiling.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) <= 1e-9 * (1.0 + fabs(b)))

/* Two unequal cores, steady: CPU 0 does 100 units/s, CPU 1 125; the team 202.5 (0.9 of 225)
 * in every round. */
static void test_two_unequal_cores(void **state)
{
    (void)state;
    enum { R = 5 };
    double cpu[R * 2], team[R];
    for (int r = 0; r < R; r++) {
        cpu[r * 2 + 0] = 1000.0 / 100.0;
        cpu[r * 2 + 1] = 1000.0 / 125.0;
        team[r] = 1000.0 / 202.5;
    }
    beex_ceiling c;
    assert_int_equal(beex_ceiling_summarise(1000.0, cpu, team, R, 2, 2, 0.9, &c), 0);
    assert_int_equal(c.counted, 2);
    NEAR(c.cpu_rate[0], 100.0);
    NEAR(c.cpu_rate[1], 125.0);
    NEAR(c.ceiling, 225.0);
    NEAR(c.team_rate, 202.5);
    NEAR(c.ratio, 0.9);
    NEAR(c.ratio_lo, 0.9);
    NEAR(c.ratio_hi, 0.9);
    assert_int_equal(c.verdict, 1); /* exactly at the target counts as reaching it */
    /* One thread on two cores: the ceiling is the faster core alone. */
    assert_int_equal(beex_ceiling_summarise(1000.0, cpu, team, R, 2, 1, 0.9, &c), 0);
    assert_int_equal(c.counted, 1);
    NEAR(c.ceiling, 125.0);
    NEAR(c.ratio, 202.5 / 125.0);
}

/* Ratios taken per round: a round where the whole machine ran at half speed gives the same
 * ratio as the others, where medians taken apart would mix rounds. Interval by linear
 * interpolation between order statistics (R = 5: the 2.5 % point is 0.1 of the way from the
 * smallest to the next). */
static void test_ratio_per_round_and_interval(void **state)
{
    (void)state;
    enum { R = 5 };
    const double ratios[R] = {0.80, 0.95, 0.90, 0.85, 1.00};
    double cpu[R * 3], team[R];
    for (int r = 0; r < R; r++) {
        double slow = r == 2 ? 2.0 : 1.0; /* round 2: everything at half speed */
        cpu[r * 3 + 0] = slow * 1.0 / 100.0;
        cpu[r * 3 + 1] = slow * 1.0 / 50.0;
        cpu[r * 3 + 2] = slow * 1.0 / 80.0;
        team[r] = slow * 1.0 / (ratios[r] * 180.0); /* 2 threads: the 100 and 80 cores */
    }
    beex_ceiling c;
    assert_int_equal(beex_ceiling_summarise(1.0, cpu, team, R, 3, 2, 0.9, &c), 0);
    assert_int_equal(c.counted, 2);
    NEAR(c.ratio, 0.90);
    NEAR(c.ratio_lo, 0.80 + 0.1 * (0.85 - 0.80));
    NEAR(c.ratio_hi, 1.00 - 0.1 * (1.00 - 0.95));
    assert_int_equal(c.verdict, 0); /* the interval spans 0.9 */
    NEAR(c.cpu_rate[1], 50.0);      /* the median round of CPU 1 */
    assert_string_equal(beex_ceiling_verdict_name(c.verdict), "unsure");
    assert_int_equal(beex_ceiling_summarise(1.0, cpu, team, R, 3, 2, 0.79, &c), 0);
    assert_int_equal(c.verdict, 1);
    assert_int_equal(beex_ceiling_summarise(1.0, cpu, team, R, 3, 2, 1.01, &c), 0);
    assert_int_equal(c.verdict, -1);
    assert_string_equal(beex_ceiling_verdict_name(-1), "no");
    assert_string_equal(beex_ceiling_verdict_name(1), "yes");
}

static void test_bad_input(void **state)
{
    (void)state;
    double cpu[2] = {1.0, 0.0}, team[1] = {1.0};
    beex_ceiling c;
    assert_int_equal(beex_ceiling_summarise(1.0, cpu, team, 1, 2, 2, 0.9, &c), -1); /* 0 s */
    cpu[1] = 1.0;
    assert_int_equal(beex_ceiling_summarise(0.0, cpu, team, 1, 2, 2, 0.9, &c), -1);
    assert_int_equal(beex_ceiling_summarise(1.0, cpu, team, 0, 2, 2, 0.9, &c), -1);
    assert_int_equal(beex_ceiling_summarise(1.0, cpu, team, 1, 0, 2, 0.9, &c), -1);
    assert_int_equal(beex_ceiling_summarise(1.0, cpu, team, 1, 2, 0, 0.9, &c), -1);
    assert_int_equal(beex_ceiling_summarise(1.0, cpu, team, 1, 2, 2, 0.9, NULL), -1);
    team[0] = NAN;
    assert_int_equal(beex_ceiling_summarise(1.0, cpu, team, 1, 2, 2, 0.9, &c), -1);
}

/* The measurement's order and bookkeeping with a fake kernel that only counts its calls:
 * every configuration twice per round (warm-up and timed), every CPU pinned. */
typedef struct {
    int team_calls, alone_calls;
} counter;

static int fake_call(void *ctx, int threads)
{
    counter *c = ctx;
    if (threads == 1)
        c->alone_calls++;
    else
        c->team_calls++;
    return 0;
}

static void test_measure_calls(void **state)
{
    (void)state;
    counter c = {0, 0};
    int cpus[1] = {0}; /* CPU 0 exists everywhere this runs */
    double cpu_s[3], team_s[3];
    char err[128];
    int rc = beex_ceiling_measure(fake_call, &c, cpus, 1, 2, 3, cpu_s, team_s, err, sizeof err);
    if (rc != 0)
        skip(); /* a cpuset without CPU 0 */
    assert_int_equal(c.alone_calls, 2 * 3);
    assert_int_equal(c.team_calls, 2 * 3);
    for (int r = 0; r < 3; r++)
        assert_true(cpu_s[r] >= 0.0 && team_s[r] >= 0.0);
    assert_int_equal(
        beex_ceiling_measure(fake_call, &c, cpus, 0, 2, 3, cpu_s, team_s, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_unequal_cores),
        cmocka_unit_test(test_ratio_per_round_and_interval),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_measure_calls),
    };
    return cmocka_run_group_tests_name("core ceiling", tests, NULL, NULL);
}
