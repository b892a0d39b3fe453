/* The per-core speed probe and the team's parking (harness/base/core_speed.h, run_alone.h):
 * the speed order of made-up rates (stable, bad rates last), a probe of CPU 0 that gives a
 * positive rate and restores the thread's CPU mask, and a function run alone while the other
 * threads are parked (it sees every one of them asleep). No timed assertion. */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <omp.h>

#include "harness/base/core_speed.h"
#include "harness/base/run_alone.h"
#include "harness/base/threads.h"

static void test_order_by_speed(void **state)
{
    (void)state;
    const double rates[] = {1.0, 3.0, 2.0, 3.0, 0.0, -1.0, 2.5};
    int order[7];
    beex_order_by_speed(rates, 7, order);
    const int want[7] = {1, 3, 6, 2, 0, 4, 5}; /* ties keep their order; bad rates last */
    assert_memory_equal(order, want, sizeof want);
    const double one[] = {5.0};
    beex_order_by_speed(one, 1, order);
    assert_int_equal(order[0], 0);
}

static void test_probe_cpu0(void **state)
{
    (void)state;
    cpu_set_t before, after;
    assert_int_equal(sched_getaffinity(0, sizeof before, &before), 0);
    if (!CPU_ISSET(0, &before))
        skip(); /* a cpuset without CPU 0 */
    int cpus[2] = {0, 0};
    double rates[2] = {0.0, 0.0};
    assert_int_equal(beex_core_speeds(cpus, 2, 3, 1e-5, rates), 0);
    assert_true(rates[0] > 0.0 && rates[1] > 0.0);
    assert_int_equal(sched_getaffinity(0, sizeof after, &after), 0);
    assert_true(CPU_EQUAL(&before, &after));
    assert_int_equal(beex_core_speeds(cpus, 0, 3, 1e-5, rates), -1);
    int nowhere[1] = {CPU_SETSIZE - 1};
    assert_int_equal(beex_core_speeds(nowhere, 1, 1, 1e-5, rates), -1);
    assert_int_equal(sched_getaffinity(0, sizeof after, &after), 0);
    assert_true(CPU_EQUAL(&before, &after));
}

typedef struct {
    int calls, thread, in_parallel;
} alone_seen;

static void alone_fn(void *p)
{
    alone_seen *s = p;
    s->calls++;
    s->thread = omp_get_thread_num();
    s->in_parallel = omp_in_parallel();
    unsigned char saved[BEEX_CPU_MASK_BYTES];
    if (beex_pin_self(0, saved) == 0) /* CPU 0 may be outside a cpuset: then nothing to undo */
        assert_int_equal(beex_unpin_self(saved), 0);
}

static void test_run_alone(void **state)
{
    (void)state;
    char err[256];
    int n = beex_threads_setup(0, err, sizeof err);
    assert_true(n >= 1);
    for (int i = 0; i < 3; i++) {
        alone_seen s = {0, -1, -1};
        beex_run_alone(alone_fn, &s);
        assert_int_equal(s.calls, 1);
        assert_int_equal(s.thread, 0);
        assert_int_equal(s.in_parallel, n > 1);
        /* The team still works afterwards. */
        int sum = 0;
#pragma omp parallel reduction(+ : sum)
        sum += 1;
        assert_int_equal(sum, n);
    }
    int cpus[256];
    int k = beex_threads_core_cpus(cpus, 256);
    assert_true(k >= 1);
    for (int i = 0; i < k; i++)
        assert_true(cpus[i] >= 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_by_speed),
        cmocka_unit_test(test_probe_cpu0),
        cmocka_unit_test(test_run_alone),
    };
    return cmocka_run_group_tests_name("core speed and parking", tests, NULL, NULL);
}
