/* The TSV reader on small files in tests/data/text: a good set, and each malformed case
 * with the file and line its message must name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/text/dataset.h"

static void dir_of(const char *name, char *out, size_t n)
{
    const char *base = getenv("BEEX_TEST_DATA");
    snprintf(out, n, "%s/text/%s", base != NULL ? base : "tests/data", name);
}

/* Loads tests/data/text/<name> and expects failure with every fragment in the message. */
static void expect_error(const char *name, const char *frag1, const char *frag2)
{
    char dir[4096], err[512] = "";
    beex_dataset ds;
    dir_of(name, dir, sizeof dir);
    assert_int_equal(beex_dataset_load(dir, &ds, err, sizeof err), -1);
    if (strstr(err, frag1) == NULL || (frag2 != NULL && strstr(err, frag2) == NULL))
        fail_msg("error '%s' lacks '%s' / '%s'", err, frag1, frag2 ? frag2 : "");
}

static void test_good(void **state)
{
    (void)state;
    char dir[4096], err[512];
    beex_dataset ds;
    dir_of("good", dir, sizeof dir);
    assert_int_equal(beex_dataset_load(dir, &ds, err, sizeof err), 0);
    assert_int_equal(ds.n_labels, 2);
    assert_string_equal(ds.labels[0], "neg"); /* byte order without labels.txt */
    assert_string_equal(ds.labels[1], "pos");
    assert_int_equal(ds.train.n, 4);
    assert_int_equal(ds.dev.n, 2);
    assert_int_equal(ds.test.n, 2);
    assert_string_equal(ds.train.ex[2].text, "Don't miss it !");
    assert_int_equal(ds.train.ex[2].label, 1);
    assert_string_equal(ds.train.ex[3].text, ""); /* an empty text is allowed */
    assert_string_equal(ds.test.ex[0].text, "great");
    assert_int_equal(ds.test.ex[0].label, 1); /* the BOM is not part of the label */
    beex_dataset_free(&ds);
}

static void test_labels_file_and_integers(void **state)
{
    (void)state;
    char dir[4096], err[512];
    beex_dataset ds;
    dir_of("labelsfile", dir, sizeof dir);
    assert_int_equal(beex_dataset_load(dir, &ds, err, sizeof err), 0);
    assert_string_equal(ds.labels[0], "pos"); /* labels.txt fixes the order */
    assert_string_equal(ds.labels[1], "neg");
    assert_int_equal(ds.train.ex[0].label, 0);
    beex_dataset_free(&ds);

    dir_of("intlabels", dir, sizeof dir);
    assert_int_equal(beex_dataset_load(dir, &ds, err, sizeof err), 0);
    assert_int_equal(ds.n_labels, 3);
    assert_string_equal(ds.labels[0], "-1"); /* integers sort by value: -1 2 10 */
    assert_string_equal(ds.labels[1], "2");
    assert_string_equal(ds.labels[2], "10");
    assert_int_equal(ds.test.ex[0].label, 2);
    beex_dataset_free(&ds);

    dir_of("crlf", dir, sizeof dir);
    assert_int_equal(beex_dataset_load(dir, &ds, err, sizeof err), 0);
    assert_string_equal(ds.train.ex[0].text, "great");
    beex_dataset_free(&ds);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_error("notab", "notab/dev.tsv:2:", "no tab");
    expect_error("unknownlabel", "unknownlabel/test.tsv:2:", "unknown label 'neutral'");
    expect_error("badutf8", "badutf8/dev.tsv:2:", "invalid UTF-8 at byte 7");
    expect_error("emptyfile", "emptyfile/test.tsv", "empty file");
    expect_error("oneclass", "oneclass/train.tsv", "only one class");
    expect_error("no-such-dir-xyz", "no-such-dir-xyz", "no such directory");

    /* A bare task name that is not prepared points at the fetch script. */
    char err[512] = "";
    beex_dataset ds;
    setenv("BEEX_DATA_DIR", "/nonexistent-beex-data", 1);
    assert_int_equal(beex_dataset_load("no-such-task-xyz", &ds, err, sizeof err), -1);
    unsetenv("BEEX_DATA_DIR");
    assert_non_null(strstr(err, "datasets/fetch.sh no-such-task-xyz"));
    assert_non_null(strstr(err, "/nonexistent-beex-data/no-such-task-xyz"));
}

static void test_resolve_env(void **state)
{
    (void)state;
    char base[4096], dir[4096], err[512];
    dir_of("", base, sizeof base);
    setenv("BEEX_DATA_DIR", base, 1);
    assert_int_equal(beex_dataset_resolve("good", dir, sizeof dir, err, sizeof err), 0);
    assert_non_null(strstr(dir, "text//good") != NULL ? dir : strstr(dir, "text/good"));
    unsetenv("BEEX_DATA_DIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_labels_file_and_integers),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_resolve_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
