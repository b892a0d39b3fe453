/* Chunked dynamic work sharing (kernels/chunks.h): the plan covers every item exactly once in
 * chunks of the promised sizes, for many (n, threads, per thread, minimum) including n = 0 and
 * n < threads; the runner calls every chunk exactly once on 1, 2, 3 and 7 threads, in a new
 * team and inside a caller's team (kernels/team.h), and returns an error alike in every thread
 * of a team. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <omp.h>

#include "kernels/chunks.h"
#include "kernels/team.h"

static void check_plan(size_t n, int threads, size_t per, size_t min)
{
    beex_chunks c = beex_chunks_plan(n, threads, per, min);
    assert_int_equal(c.n, n);
    if (n == 0) {
        assert_int_equal(c.count, 0);
        return;
    }
    assert_true(c.count >= 1 && c.count <= n);
    if (threads <= 1)
        assert_int_equal(c.count, 1);
    else
        assert_true(c.count <= (size_t)threads * (per < 1 ? 1 : per));
    size_t next = 0, smallest = SIZE_MAX, largest = 0;
    for (size_t i = 0; i < c.count; i++) {
        size_t lo, hi;
        beex_chunk_range(&c, i, &lo, &hi);
        assert_int_equal(lo, next); /* in order, no gap, no overlap */
        assert_true(hi > lo);
        smallest = hi - lo < smallest ? hi - lo : smallest;
        largest = hi - lo > largest ? hi - lo : largest;
        next = hi;
    }
    assert_int_equal(next, n);
    assert_true(largest - smallest <= 1);
    /* Only a single chunk may fall under the minimum (n itself is smaller). */
    if (c.count > 1)
        assert_true(smallest >= (min < 1 ? 1 : min));
    /* Enough chunks: as many as wanted, unless the minimum size forbids them. */
    if (threads > 1) {
        size_t want = (size_t)threads * (per < 1 ? 1 : per), most = n / (min < 1 ? 1 : min);
        size_t expect = want < most ? want : most;
        assert_int_equal(c.count, expect < 1 ? 1 : expect);
    }
}

static void test_plan_covers_every_item_once(void **state)
{
    (void)state;
    static const size_t ns[] = {0, 1, 2, 3, 5, 7, 8, 13, 64, 100, 127, 1000, 4099, 65537};
    static const int ts[] = {-1, 0, 1, 2, 3, 4, 7, 16, 64};
    static const size_t pers[] = {0, 1, 2, 4, 16};
    static const size_t mins[] = {0, 1, 2, 3, 10, 100, 5000};
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
        for (size_t b = 0; b < sizeof ts / sizeof ts[0]; b++)
            for (size_t p = 0; p < sizeof pers / sizeof pers[0]; p++)
                for (size_t m = 0; m < sizeof mins / sizeof mins[0]; m++)
                    check_plan(ns[a], ts[b], pers[p], mins[m]);
    /* A per-thread count that would overflow stays a valid plan. */
    check_plan(1000, 8, SIZE_MAX / 2, 1);
}

/* Visit counts per item, bumped atomically by whichever thread runs a chunk. */
typedef struct {
    int *visits;
    int fail_at; /* the chunk holding this item fails; -1 none */
    int code;
} visit_ctx;

static int visit(void *p, size_t lo, size_t hi)
{
    visit_ctx *v = p;
    int rc = 0;
    for (size_t i = lo; i < hi; i++) {
#pragma omp atomic
        v->visits[i]++;
        if ((int)i == v->fail_at)
            rc = v->code;
    }
    return rc;
}

static void visit_void(void *p, size_t lo, size_t hi)
{
    (void)visit(p, lo, hi);
}

static void check_once(const int *visits, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (visits[i] != 1)
            fail_msg("item %zu of %zu visited %d times", i, n, visits[i]);
}

static void test_runner_visits_every_chunk_once(void **state)
{
    (void)state;
    static const size_t ns[] = {0, 1, 2, 5, 7, 64, 333};
    static const int ts[] = {1, 2, 3, 7};
    int *visits = calloc(333, sizeof *visits);
    assert_non_null(visits);
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
        for (size_t b = 0; b < sizeof ts / sizeof ts[0]; b++)
            for (int use_void = 0; use_void <= 1; use_void++) {
                size_t n = ns[a];
                int t = ts[b];
                beex_chunks c = beex_chunks_plan(n, t, 4, 1);
                visit_ctx v = {visits, -1, 0};
                /* In a new team of t threads. */
                memset(visits, 0, 333 * sizeof *visits);
                if (use_void)
                    beex_for_chunks_void(&c, t, visit_void, &v);
                else
                    assert_int_equal(beex_for_chunks(&c, t, visit, &v), 0);
                check_once(visits, n);
                /* Inside a caller's team of t threads, sharing among k of them. */
                for (int k = 1; k <= t; k++) {
                    memset(visits, 0, 333 * sizeof *visits);
                    int bad = 0;
#pragma omp parallel num_threads(t) reduction(+ : bad)
                    {
                        if (use_void)
                            beex_for_chunks_void(&c, beex_in_team(k), visit_void, &v);
                        else
                            bad += beex_for_chunks(&c, beex_in_team(k), visit, &v) != 0;
                        /* The call returns after a barrier: every chunk is done here. */
                        for (size_t i = 0; i < n; i++) {
                            int seen;
#pragma omp atomic read
                            seen = visits[i];
                            bad += seen != 1;
                        }
                    }
                    assert_int_equal(bad, 0);
                    check_once(visits, n);
                }
            }
    free(visits);
}

/* An error is reported by the call, and in a team by every thread, also those that ran no
 * failing chunk; and the next call starts clean. */
static void test_errors_reach_every_thread(void **state)
{
    (void)state;
    enum { N = 100 };
    int visits[N];
    for (int t = 1; t <= 7; t += 2) {
        beex_chunks c = beex_chunks_plan(N, t, 4, 1);
        visit_ctx v = {visits, 42, -7};
        memset(visits, 0, sizeof visits);
        assert_int_equal(beex_for_chunks(&c, t, visit, &v), -7);
        /* members: the team actually obtained, which OMP_THREAD_LIMIT (1 under qemu,
         * scripts/test_neon.sh) may make smaller than t. */
        int wrong = 0, clean = 0, members = 0;
#pragma omp parallel num_threads(t) reduction(+ : wrong, clean, members)
        {
            members++;
            visit_ctx mine = {visits, 42, -7};
            wrong += beex_for_chunks(&c, beex_in_team(t), visit, &mine) != -7;
            visit_ctx ok = {visits, -1, 0};
            clean += beex_for_chunks(&c, beex_in_team(t), visit, &ok) == 0;
        }
        assert_int_equal(wrong, 0);
        assert_int_equal(clean, members);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_covers_every_item_once),
        cmocka_unit_test(test_runner_visits_every_chunk_once),
        cmocka_unit_test(test_errors_reach_every_thread),
    };
    return cmocka_run_group_tests_name("chunks", tests, NULL, NULL);
}
