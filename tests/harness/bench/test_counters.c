/* PAPI software-defined events are readable by a plain PAPI client under their sde:::beex::
 * names with the values the sweep recorded, and reach the results in every build (also one
 * without PAPI); hardware counters are either counted or carry the reason they are not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#if BEEX_HAVE_PAPI
#include <papi.h>
#endif
#include <stdio.h>
#include <string.h>

#include "harness/bench/counters.h"

static void sde_events_read_by_papi(void **state)
{
    (void)state;
#if !BEEX_HAVE_PAPI
    printf("built without PAPI (BEEX_WITH_PAPI): no PAPI client can read the events here\n");
    skip();
#else
    assert_int_equal(beex_sde_init(4), 0);
    int rc = PAPI_library_init(PAPI_VER_CURRENT);
    assert_int_equal(rc, PAPI_VER_CURRENT);
    int es = PAPI_NULL;
    assert_int_equal(PAPI_create_eventset(&es), PAPI_OK);
    const char *names[] = {"sde:::beex::EXAMPLES", "sde:::beex::FLOPS", "sde:::beex::BOPS",
                           "sde:::beex::EXITS_BLOCK_3", "sde:::beex::EXITS_BLOCK_4"};
    for (int i = 0; i < 5; i++) {
        rc = PAPI_add_named_event(es, names[i]);
        if (rc != PAPI_OK)
            fprintf(stderr, "%s: %s\n", names[i], PAPI_strerror(rc));
        assert_int_equal(rc, PAPI_OK);
    }
    assert_int_equal(PAPI_start(es), PAPI_OK);
    beex_exit_result r[3] = {
        {.exit_block = 3, .prediction = 0, .flops = 1000.0, .bops = 64000.0},
        {.exit_block = 4, .prediction = 1, .flops = 2000.0, .bops = 128000.0},
        {.exit_block = 3, .prediction = 1, .flops = 1500.0, .bops = 0.0},
    };
    beex_sde_record(r, 3);
    beex_sde_record(r, 1);
    long long v[5];
    assert_int_equal(PAPI_stop(es, v), PAPI_OK);
    assert_int_equal(v[0], 4);                         /* examples */
    assert_int_equal(v[1], 1000 + 2000 + 1500 + 1000); /* flops */
    assert_int_equal(v[2], 64000 + 128000 + 64000);    /* bops */
    assert_int_equal(v[3], 3);                         /* exits after block 3 */
    assert_int_equal(v[4], 1);
    /* Deltas: a second start/stop without records reads zero. */
    assert_int_equal(PAPI_start(es), PAPI_OK);
    assert_int_equal(PAPI_stop(es, v), PAPI_OK);
    assert_int_equal(v[0], 0);
    PAPI_cleanup_eventset(es);
    PAPI_destroy_eventset(&es);
    PAPI_shutdown();
    beex_sde_shutdown();
#endif
}

static long long sde_value(const char *name)
{
    json_t *j = beex_sde_json();
    assert_non_null(j);
    json_t *v = json_object_get(j, name);
    long long out = json_is_integer(v) ? json_integer_value(v) : -1;
    assert_true(json_is_boolean(json_object_get(j, "published_to_papi")));
    assert_int_equal(json_is_true(json_object_get(j, "published_to_papi")), BEEX_HAVE_PAPI);
    json_decref(j);
    return out;
}

/* What the sweep writes to its results: the same counts with or without PAPI. */
static void sde_counts_reach_the_results(void **state)
{
    (void)state;
    assert_int_equal(beex_sde_init(4), 0);
    long long ex0 = sde_value("EXAMPLES"), b3 = sde_value("EXITS_BLOCK_3");
    long long ops0 = sde_value("OPS");
    assert_true(ex0 >= 0 && b3 >= 0 && ops0 >= 0);
    beex_exit_result r[2] = {
        {.exit_block = 3, .prediction = 0, .flops = 1000.0, .bops = 6400.0},
        {.exit_block = 4, .prediction = 1, .flops = 2000.0, .bops = 0.0},
    };
    beex_sde_record(r, 2);
    assert_int_equal(sde_value("EXAMPLES") - ex0, 2);
    assert_int_equal(sde_value("EXITS_BLOCK_3") - b3, 1);
    assert_int_equal(sde_value("OPS") - ops0, 3000 + 100);
    assert_int_equal(sde_value("EXITS_BLOCK_5"), -1); /* 4 blocks registered */
    /* No shutdown: libsde does not survive a second init after one (the program never does
     * that); the PAPI case below reuses these registrations and reads deltas. */
}

static void hardware_counters_or_reason(void **state)
{
    (void)state;
    beex_hw_counters hc;
    beex_hw_counters_init(&hc, 2);
    if (!hc.available) {
        printf("hardware counters unavailable: %s\n", hc.reason);
        assert_true(strlen(hc.reason) > 10);
    }
    if (!BEEX_HAVE_PAPI)
        assert_non_null(strstr(hc.reason, "built without PAPI"));
    beex_hw_counters_start(&hc);
    volatile double x = 0;
    for (int i = 0; i < 100000; i++)
        x += i * 0.5;
    beex_hw_counters_stop(&hc);
    json_t *j = beex_hw_counters_json(&hc);
    assert_non_null(j);
    json_t *av = json_object_get(j, "available");
    assert_true(json_is_boolean(av));
    if (json_is_true(av))
        assert_true(json_integer_value(json_object_get(
                        json_array_get(json_object_get(j, "per_thread"), 0), hc.names[0])) > 0);
    else
        assert_non_null(json_string_value(json_object_get(j, "reason")));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sde_counts_reach_the_results),
        cmocka_unit_test(sde_events_read_by_papi),
        cmocka_unit_test(hardware_counters_or_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
