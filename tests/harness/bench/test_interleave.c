/* The round-robin schedule of `beex bench model` (bench/interleave.h): each round is a
 * permutation of the cases, so every case runs exactly once per round; the orders come from the
 * seed (the same seed, the same schedule) and vary between rounds; the stop rule honours
 * min_rounds, max_rounds and the time budget; a failing slot stops the run. Slots here are
 * fakes that report fixed "seconds": nothing is timed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/bench/interleave.h"

enum { N = 7, MAX_ROUNDS = 64 };

typedef struct {
    int visits[MAX_ROUNDS][N]; /* slot calls per round and case */
    int order[MAX_ROUNDS][N];  /* the cases in the order they ran */
    int pos[MAX_ROUNDS];
    double seconds; /* what every slot reports */
    int fail_at;    /* the call that fails, or -1 */
    int calls;
} log_t;

static double slot(void *ctx, int c, int round)
{
    log_t *l = ctx;
    if (l->calls++ == l->fail_at)
        return -1.0;
    l->visits[round][c]++;
    l->order[round][l->pos[round]++] = c;
    return l->seconds;
}

static void test_every_case_every_round(void **state)
{
    (void)state;
    static log_t l;
    memset(&l, 0, sizeof l);
    l.fail_at = -1;
    beex_rr_plan p = {N, 42, 20, 20, 0.0};
    assert_int_equal(beex_rr_run(&p, slot, &l), 20);
    int differs = 0;
    for (int r = 0; r < 20; r++) {
        for (int c = 0; c < N; c++)
            assert_int_equal(l.visits[r][c], 1);
        int want[N];
        beex_rr_order(42, r, N, want);
        assert_memory_equal(want, l.order[r], sizeof want);
        differs += memcmp(l.order[r], l.order[0], sizeof want) != 0;
    }
    assert_true(differs > 0); /* a random order per round, not one fixed order */
}

static void test_orders_are_seeded_permutations(void **state)
{
    (void)state;
    int a[N], b[N], c[N];
    int other_seed_differs = 0;
    for (int r = 0; r < 50; r++) {
        beex_rr_order(7, r, N, a);
        beex_rr_order(7, r, N, b);
        beex_rr_order(8, r, N, c);
        assert_memory_equal(a, b, sizeof a);
        other_seed_differs += memcmp(a, c, sizeof a) != 0;
        int seen[N] = {0};
        for (int i = 0; i < N; i++) {
            assert_true(a[i] >= 0 && a[i] < N);
            seen[a[i]]++;
        }
        for (int i = 0; i < N; i++)
            assert_int_equal(seen[i], 1);
    }
    assert_true(other_seed_differs > 0);
    int one;
    beex_rr_order(3, 0, 1, &one);
    assert_int_equal(one, 0);
}

static void test_stop_rules(void **state)
{
    (void)state;
    static log_t l;
    memset(&l, 0, sizeof l);
    l.fail_at = -1;
    /* Budget: 7 cases x 0.1 s per case = 0.7 s; each round times 7 x 0.01 s, so 10 rounds. */
    l.seconds = 0.01;
    beex_rr_plan p = {N, 1, 3, MAX_ROUNDS, 0.1};
    assert_int_equal(beex_rr_run(&p, slot, &l), 10);
    /* min_rounds beyond the budget; max_rounds caps the budget. */
    memset(&l, 0, sizeof l);
    l.fail_at = -1;
    l.seconds = 1.0;
    p.min_rounds = 5;
    assert_int_equal(beex_rr_run(&p, slot, &l), 5);
    memset(&l, 0, sizeof l);
    l.fail_at = -1;
    l.seconds = 0.0;
    p.min_rounds = 1, p.max_rounds = 12;
    assert_int_equal(beex_rr_run(&p, slot, &l), 12);
    /* A failing slot stops everything. */
    memset(&l, 0, sizeof l);
    l.fail_at = 9;
    assert_int_equal(beex_rr_run(&p, slot, &l), -1);
    assert_int_equal(l.calls, 10);
    beex_rr_plan none = {0, 1, 1, 1, 0.0};
    assert_int_equal(beex_rr_run(&none, slot, &l), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_case_every_round),
        cmocka_unit_test(test_orders_are_seeded_permutations),
        cmocka_unit_test(test_stop_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
