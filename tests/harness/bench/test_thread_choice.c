/* The timed points' choice between one thread and the team (harness/bench/thread_choice.h)
 * with injected timings: a team measured slower, equal or faster by less than the margin
 * runs on one thread, a clearly faster one keeps its threads; the ratio is paired by round;
 * the passes alternate ABBA after one warm-up each. No timing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/bench/thread_choice.h"

/* A fake pass: seconds from a table per configuration, the order of calls recorded. */
typedef struct {
    const double *one, *team; /* indexed by call number of that configuration */
    int n_one, n_team;
    char order[80];
    int calls, fail_at;
} fake;

static int fake_pass(void *ctx, int solo, double *seconds)
{
    fake *f = ctx;
    if (f->calls == f->fail_at)
        return -1;
    f->order[f->calls++] = solo ? '1' : 'T';
    *seconds = solo ? f->one[f->n_one++] : f->team[f->n_team++];
    return 0;
}

static void test_slower_team_runs_one_thread(void **state)
{
    (void)state;
    /* Warm-up first (any time), then 5 rounds: two threads 4 % slower, as the sweep's batch-1
     * points measured (51.4 -> 53.6 us). */
    const double one[] = {9.0, 51.4, 51.0, 52.0, 51.5, 51.2};
    const double team[] = {9.0, 53.6, 53.0, 54.1, 53.5, 53.2};
    fake f = {one, team, 0, 0, {0}, 0, -1};
    beex_thread_choice ch;
    assert_int_equal(beex_thread_choose(fake_pass, &f, 2, 5, &ch), 0);
    assert_int_equal(ch.used, 1);
    assert_int_equal(ch.offered, 2);
    assert_int_equal(ch.rounds, 5);
    assert_true(ch.ratio > 1.0);
    assert_true(fabs(ch.median_one - 51.4) < 1e-12);
    assert_true(fabs(ch.median_team - 53.5) < 1e-12);
    /* Warm-ups, then ABBA: 1 T | T 1 | 1 T | T 1 | 1 T. */
    assert_string_equal(f.order, "1T1TT11TT11T");
}

static void test_faster_team_keeps_its_threads(void **state)
{
    (void)state;
    const double one[] = {1, 20, 21, 19, 20, 22, 20, 20};
    const double team[] = {1, 12, 11, 13, 12, 11, 12, 12};
    fake f = {one, team, 0, 0, {0}, 0, -1};
    beex_thread_choice ch;
    assert_int_equal(beex_thread_choose(fake_pass, &f, 3, 7, &ch), 0);
    assert_int_equal(ch.used, 3);
    assert_true(ch.ratio < 1.0);
}

/* Paired by round: medians taken apart would say the team wins (20 s against 50), while three
 * rounds of five, the median round, say it loses by 10 %. */
static void test_pick_is_paired_by_round(void **state)
{
    (void)state;
    const double one[5] = {10, 10, 50, 50, 50};
    const double team[5] = {11, 11, 55, 20, 20};
    beex_thread_choice ch;
    assert_int_equal(beex_thread_pick(one, team, 5, 2, &ch), 0);
    assert_int_equal(ch.used, 1);
    assert_true(fabs(ch.ratio - 1.1) < 1e-12);
    /* A tie keeps one thread, and so does a team faster by less than the margin (2 %). */
    assert_int_equal(beex_thread_pick(one, one, 5, 2, &ch), 0);
    assert_int_equal(ch.used, 1);
    const double near[5] = {9.8, 9.8, 49, 49, 49};
    assert_int_equal(beex_thread_pick(one, near, 5, 2, &ch), 0);
    assert_true(fabs(ch.ratio - 0.98) < 1e-12);
    assert_int_equal(ch.used, 1);
    const double clear[5] = {9.5, 9.5, 47.5, 47.5, 47.5}; /* 5 % faster: the team */
    assert_int_equal(beex_thread_pick(one, clear, 5, 2, &ch), 0);
    assert_int_equal(ch.used, 2);
}

static void test_edges(void **state)
{
    (void)state;
    const double t[2] = {1.0, 1.0}, z[2] = {1.0, 0.0};
    beex_thread_choice ch;
    fake f = {t, t, 0, 0, {0}, 0, -1};
    /* One thread offered: nothing measured. */
    assert_int_equal(beex_thread_choose(fake_pass, &f, 1, 5, &ch), 0);
    assert_int_equal(ch.used, 1);
    assert_int_equal(ch.rounds, 0);
    assert_int_equal(f.calls, 0);
    /* A failing pass is an error, not a choice. */
    fake g = {t, t, 0, 0, {0}, 1, 1};
    assert_int_equal(beex_thread_choose(fake_pass, &g, 2, 1, &ch), -1);
    assert_int_equal(beex_thread_pick(t, z, 2, 2, &ch), -1); /* a zero time */
    assert_int_equal(beex_thread_choose(fake_pass, &f, 2, 0, &ch), -1);
    assert_int_equal(beex_thread_choose(fake_pass, &f, 2, BEEX_CHOICE_MAX_ROUNDS + 1, &ch), -1);
    assert_int_equal(beex_thread_choose(NULL, &f, 2, 1, &ch), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slower_team_runs_one_thread),
        cmocka_unit_test(test_faster_team_keeps_its_threads),
        cmocka_unit_test(test_pick_is_paired_by_round),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests_name("thread choice", tests, NULL, NULL);
}
