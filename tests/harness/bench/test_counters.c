/* PAPI software-defined events are readable by a plain PAPI client under their sde:::beex::
 * names with the values the sweep recorded; hardware counters are either counted or carry
 * PAPI's reason for being unavailable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <papi.h>
#include <stdio.h>
#include <string.h>

#include "harness/bench/counters.h"

static void sde_events_read_by_papi(void **state)
{
    (void)state;
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
        cmocka_unit_test(sde_events_read_by_papi),
        cmocka_unit_test(hardware_counters_or_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
