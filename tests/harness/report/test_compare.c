/* The compare verdicts on results documents built in memory: a clear slow-down, noise, a
 * speed-up, instruction growth above and below 2 %, and benchmarks present on one side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/compare.h"

static json_t *sweep_doc(const double *s, int n, double delta)
{
    json_t *samples = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(samples, json_real(s[i]));
    return json_pack("{s:[{s:s, s:i, s:i, s:f, s:o}]}", "timed", "variant", "avx2", "threads", 1,
                     "batch", 32, "delta", delta, "seconds_per_pass", samples);
}

static const beex_compare_row *find(const beex_compare_row *rows, long n, const char *name)
{
    for (long i = 0; i < n; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

static long compare_docs(json_t *a, json_t *b, beex_bench_set *sa, beex_bench_set *sb,
                         beex_compare_row **rows)
{
    char err[128];
    beex_compare_options o = {0.05, 0.05, 0.02};
    assert_int_equal(beex_bench_set_from_json(a, sa, err, sizeof err), 0);
    assert_int_equal(beex_bench_set_from_json(b, sb, err, sizeof err), 0);
    json_decref(a);
    json_decref(b);
    return beex_compare_sets(sa, sb, &o, rows);
}

static void timing_verdicts(void **state)
{
    (void)state;
    double base[9] = {1.00, 1.01, 0.99, 1.02, 0.98, 1.00, 1.01, 0.99, 1.00};
    double slow[9], noisy[9], fast[9];
    for (int i = 0; i < 9; i++) {
        slow[i] = base[i] * 1.20;
        noisy[i] = base[(i + 3) % 9] + (i % 2 ? 0.005 : -0.005);
        fast[i] = base[i] * 0.80;
    }
    beex_bench_set sa, sb;
    beex_compare_row *rows;
    const char *name = "timed/avx2/threads:1/batch:32/delta:0.2";

    long n = compare_docs(sweep_doc(base, 9, 0.2), sweep_doc(slow, 9, 0.2), &sa, &sb, &rows);
    assert_int_equal(n, 1);
    const beex_compare_row *r = find(rows, n, name);
    assert_non_null(r);
    assert_int_equal(r->time_verdict, BEEX_VERDICT_SLOWER);
    assert_true(r->regression);
    assert_true(r->p_value < 0.001); /* fully separated 9 vs 9: p = 4.1e-4 */
    assert_true(fabs(r->time_change - 0.20) < 1e-9);
    free(rows);
    beex_bench_set_free(&sa);
    beex_bench_set_free(&sb);

    n = compare_docs(sweep_doc(base, 9, 0.2), sweep_doc(noisy, 9, 0.2), &sa, &sb, &rows);
    assert_int_equal(rows[0].time_verdict, BEEX_VERDICT_SAME);
    assert_false(rows[0].regression);
    free(rows);
    beex_bench_set_free(&sa);
    beex_bench_set_free(&sb);

    n = compare_docs(sweep_doc(base, 9, 0.2), sweep_doc(fast, 9, 0.2), &sa, &sb, &rows);
    assert_int_equal(rows[0].time_verdict, BEEX_VERDICT_FASTER);
    assert_false(rows[0].regression);
    free(rows);
    beex_bench_set_free(&sa);
    beex_bench_set_free(&sb);

    /* One repetition: no test, no verdict; different delta: one row on each side only. */
    n = compare_docs(sweep_doc(base, 1, 0.2), sweep_doc(slow, 9, 0.3), &sa, &sb, &rows);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].time_verdict, BEEX_VERDICT_ONLY_OLD);
    assert_int_equal(rows[1].time_verdict, BEEX_VERDICT_ONLY_NEW);
    free(rows);
    beex_bench_set_free(&sa);
    beex_bench_set_free(&sb);
    n = compare_docs(sweep_doc(base, 1, 0.2), sweep_doc(slow, 9, 0.2), &sa, &sb, &rows);
    assert_int_equal(rows[0].time_verdict, BEEX_VERDICT_TOO_FEW);
    assert_false(rows[0].regression);
    free(rows);
    beex_bench_set_free(&sa);
    beex_bench_set_free(&sb);
}

static json_t *instr_doc(long long scalar, long long avx2)
{
    return json_pack("{s:[{s:s, s:I}, {s:s, s:I}]}", "benchmarks", "name", "forward/scalar",
                     "instructions", (json_int_t)scalar, "name", "forward/avx2", "instructions",
                     (json_int_t)avx2);
}

static void instruction_threshold(void **state)
{
    (void)state;
    beex_bench_set sa, sb;
    beex_compare_row *rows;
    /* scalar +3 % (regression), avx2 +1 % (within 2 %) */
    long n = compare_docs(instr_doc(1000000, 500000), instr_doc(1030000, 505000), &sa, &sb, &rows);
    assert_int_equal(n, 2);
    const beex_compare_row *s = find(rows, n, "forward/scalar");
    const beex_compare_row *v = find(rows, n, "forward/avx2");
    assert_int_equal(s->instr_verdict, BEEX_VERDICT_SLOWER);
    assert_true(s->regression);
    assert_int_equal(v->instr_verdict, BEEX_VERDICT_SAME);
    assert_false(v->regression);
    assert_true(fabs(v->instr_change - 0.01) < 1e-12);
    assert_false(s->has_time);
    free(rows);
    beex_bench_set_free(&sa);
    beex_bench_set_free(&sb);
}

static void google_benchmark_layout(void **state)
{
    (void)state;
    /* Iterations grouped by run_name, aggregates ignored, time units honoured. */
    json_t *doc = json_loads(
        "{\"benchmarks\": ["
        "{\"name\": \"bgemm/avx512/64/64/64/1\", \"run_name\": \"bgemm/avx512/64/64/64/1\","
        " \"run_type\": \"iteration\", \"real_time\": 2.0, \"time_unit\": \"us\"},"
        "{\"name\": \"bgemm/avx512/64/64/64/1\", \"run_name\": \"bgemm/avx512/64/64/64/1\","
        " \"run_type\": \"iteration\", \"real_time\": 3.0, \"time_unit\": \"us\"},"
        "{\"name\": \"bgemm/avx512/64/64/64/1_mean\", \"run_name\": \"bgemm/avx512/64/64/64/1\","
        " \"run_type\": \"aggregate\", \"real_time\": 2.5, \"time_unit\": \"us\"}]}",
        0, NULL);
    assert_non_null(doc);
    beex_bench_set s;
    char err[128];
    assert_int_equal(beex_bench_set_from_json(doc, &s, err, sizeof err), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.rows[0].n, 2);
    assert_true(fabs(s.rows[0].samples[1] - 3e-6) < 1e-15);
    beex_bench_set_free(&s);
    json_decref(doc);
    doc = json_pack("{s:i}", "something", 1);
    assert_int_equal(beex_bench_set_from_json(doc, &s, err, sizeof err), -1);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timing_verdicts),
        cmocka_unit_test(instruction_threshold),
        cmocka_unit_test(google_benchmark_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
