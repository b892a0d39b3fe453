/* The machine report's arithmetic and judgements on synthetic bundles: geometric means,
 * grouping by model bytes and suite version, the warnings, the accuracy check's comparison
 * and the Google Benchmark chunking. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "harness/app/machine/machine_internal.h"

static void test_geomean(void **state)
{
    (void)state;
    const double a[] = {2.0, 8.0}, b[] = {1.5}, c[] = {1.0, -1.0}, d[] = {0.5, 2.0, 1.0};
    assert_float_equal(beex_machine_geomean(a, 2), 4.0, 1e-12);
    assert_float_equal(beex_machine_geomean(b, 1), 1.5, 1e-12);
    assert_float_equal(beex_machine_geomean(d, 3), 1.0, 1e-12);
    assert_true(isnan(beex_machine_geomean(c, 2))); /* a ratio <= 0 has no logarithm */
    assert_true(isnan(beex_machine_geomean(a, 0)));
}

/* A bundle whose scored figures are one kernel and one offline figure. */
static json_t *bundle(const char *name, const char *sha, const char *suite, double kernel_s,
                      double eps)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:{s:{s:{s:s}}}, s:{s:[s]},"
                     " s:[{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:f}],"
                     " s:{s:[{s:s, s:s, s:s, s:i, s:f}]}}",
                     "kind", BEEX_MACHINE_BUNDLE_KIND, "name", name, "suite_version", suite,
                     "valid", 1, "accuracy", "measured", "model", "sha256", sha, "settings",
                     "variants", "avx2", "kernels", "op", "w1a1", "variant", "avx2", "shape",
                     "small", "M", 64, "N", 128, "K", 128, "threads", 1, "median_seconds", kernel_s,
                     "model", "offline_best", "precision", "w1a1", "variant", "avx2", "depth",
                     "selected", "batch", 8, "examples_per_s", eps);
}

static void test_scores_and_ratios(void **state)
{
    (void)state;
    json_t *a = bundle("a", "aa", "1", 1e-3, 100.0), *b = bundle("b", "aa", "1", 0.5e-3, 400.0);
    assert_non_null(a);
    json_t *sa = beex_machine_scores(a), *sb = beex_machine_scores(b);
    assert_int_equal(json_object_size(sa), 2);
    const char *key;
    json_t *v;
    double r[2];
    int n = 0;
    json_object_foreach(sa, key, v) r[n++] =
        json_number_value(json_object_get(sb, key)) / json_number_value(v);
    /* kernel twice as fast, offline four times: SPEC's mean of the ratios is sqrt(8) */
    assert_float_equal(beex_machine_geomean(r, n), sqrt(8.0), 1e-9);
    beex_machine_figures f;
    assert_int_equal(beex_machine_figures_of(b, "b.json", &f), 0);
    assert_string_equal(f.name, "b");
    assert_float_equal(f.offline_eps, 400.0, 1e-9);
    assert_int_equal(beex_machine_figures_of(sa, "x", &f), -1); /* not a bundle */
    json_decref(sa), json_decref(sb), json_decref(a), json_decref(b);
}

static void test_groups(void **state)
{
    (void)state;
    beex_machine_figures f[4];
    memset(f, 0, sizeof f);
    const char *names[4] = {"m0", "m1", "m2", "m3"};
    const char *shas[4] = {"A", "B", "A", "A"};
    const char *suites[4] = {"1", "1", "2", "1"};
    for (int i = 0; i < 4; i++)
        f[i].name = names[i], f[i].model_sha = shas[i], f[i].suite = suites[i];
    beex_machine_group g[8];
    int ng = beex_machine_group_of(f, 4, NULL, g, 8);
    assert_int_equal(ng, 3); /* other bytes or another suite: never one column */
    assert_int_equal(g[0].n, 2);
    assert_int_equal(g[0].members[0], 0);
    assert_int_equal(g[0].members[1], 3);
    assert_int_equal(g[0].ref, 0);
    assert_int_equal(g[1].n, 1);
    assert_int_equal(g[1].members[0], 1);
    assert_int_equal(g[2].members[0], 2);
    ng = beex_machine_group_of(f, 4, "m3", g, 8);
    assert_int_equal(g[0].ref, 3);
    assert_int_equal(beex_machine_group_of(f, 4, NULL, g, 2), -1);
    /* An emulated bundle is never the default yardstick: the first native valid one is. */
    for (int i = 0; i < 4; i++)
        f[i].valid = 1;
    f[0].emulated = 1;
    beex_machine_group_of(f, 4, NULL, g, 8);
    assert_int_equal(g[0].ref, 3);
    beex_machine_group_of(f, 4, "m0", g, 8); /* unless named */
    assert_int_equal(g[0].ref, 0);
}

static int has(const json_t *w, const char *prefix)
{
    size_t i;
    json_t *x;
    json_array_foreach(w, i,
                       x) if (strncmp(json_string_value(x), prefix, strlen(prefix)) == 0) return 1;
    return 0;
}

static void test_warnings(void **state)
{
    (void)state;
    json_t *doc = json_pack("{s:[s]}", "invalid_reasons", "the accuracy differs");
    beex_machine_figures ok = {
        .doc = doc, .valid = 1, .load_before = 0.4, .allowed_cores = 2, .cv_median = 0.02};
    json_t *w = beex_machine_warnings(&ok);
    assert_int_equal(json_array_size(w), 0);
    json_decref(w);
    beex_machine_figures bad = ok;
    bad.valid = 0, bad.load_before = 1.2, bad.emulated = 1, bad.cv_median = 0.25;
    w = beex_machine_warnings(&bad);
    assert_int_equal(json_array_size(w), 4);
    assert_true(has(w, "invalid: the accuracy differs"));
    assert_true(has(w, "loaded: load average 1.20"));
    assert_true(has(w, "emulated:"));
    assert_true(has(w, "noisy: median coefficient of variation 25.0 %"));
    json_decref(w);
    /* at the thresholds themselves: not yet */
    beex_machine_figures edge = ok;
    edge.load_before = BEEX_MACHINE_LOAD_PER_CORE * 2, edge.cv_median = BEEX_MACHINE_NOISY_CV;
    w = beex_machine_warnings(&edge);
    assert_int_equal(json_array_size(w), 0);
    json_decref(w);
    json_decref(doc);
}

static void test_reference_diff(void **state)
{
    (void)state;
    json_t *want = json_pack("{s:{s:s}, s:s, s:i, s:{s:f, s:[i, i]}, s:{s:s, s:f, s:f, s:[i, i]}}",
                             "model", "sha256", "abc", "precision", "w1a1", "test_examples", 10,
                             "full_depth", "accuracy", 0.7, "hist", 0, 10, "selected", "rule",
                             "delta", "param", 0.5, "accuracy", 0.6, "hist", 4, 6);
    json_t *got = json_deep_copy(want);
    json_t *d = beex_machine_reference_diff(want, got);
    /* task sha256s are absent on both sides: absent is not equal */
    assert_int_equal(json_array_size(d), 3);
    json_decref(d);
    json_object_set_new(want, "task",
                        json_pack("{s:{s:s, s:s, s:s}}", "sha256", "train.tsv", "1", "dev.tsv", "2",
                                  "test.tsv", "3"));
    json_object_set(got, "task", json_object_get(want, "task"));
    d = beex_machine_reference_diff(want, got);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    /* A measurement against the record's 10 significant digits: 290/385 as computed and as
     * a results file writes it are one figure; one more digit of difference is not. */
    json_object_set_new(json_object_get(want, "full_depth"), "accuracy", json_real(0.7532467532));
    json_object_set_new(json_object_get(got, "full_depth"), "accuracy", json_real(290.0 / 385.0));
    d = beex_machine_reference_diff(want, got);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    json_object_set_new(json_object_get(got, "full_depth"), "accuracy", json_real(0.7532467533));
    d = beex_machine_reference_diff(want, got);
    assert_int_equal(json_array_size(d), 1);
    json_decref(d);
    json_object_set_new(json_object_get(got, "full_depth"), "accuracy", json_real(0.71));
    json_object_set_new(got, "test_examples", json_real(10.0)); /* 10 and 10.0: one number */
    d = beex_machine_reference_diff(want, got);
    assert_int_equal(json_array_size(d), 1);
    assert_non_null(strstr(json_string_value(json_array_get(d, 0)), "accuracy at full depth"));
    json_decref(d);
    json_decref(want), json_decref(got);
}

static void test_chunks(void **state)
{
    (void)state;
    double s[39], out[BEEX_MACHINE_GB_REPS], iters;
    for (int i = 0; i < 39; i++)
        s[i] = 1.0;
    int k = beex_machine_gb_chunks(s, 39, out, &iters);
    assert_true(k <= BEEX_MACHINE_GB_REPS);
    assert_float_equal(out[0], iters, 1e-12);
    assert_true(k * iters <= 39 && (k + 1) * iters > 39);
    assert_float_equal(beex_machine_chunk_cv(s, 39), 0.0, 1e-12);
    k = beex_machine_gb_chunks(s, 3, out, &iters);
    assert_int_equal(k, 3);
    assert_float_equal(iters, 1.0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geomean),        cmocka_unit_test(test_scores_and_ratios),
        cmocka_unit_test(test_groups),         cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_reference_diff), cmocka_unit_test(test_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
