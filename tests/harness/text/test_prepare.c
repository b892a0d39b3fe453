/* The split rule (crc32 values cross-checked with gzip's trailer) and the raw-format parsers
 * behind `beex data prepare`, on tiny copies of each format in tests/data/text/raw. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/text/prepare.h"
#include "harness/text/split.h"

static void raw_path(const char *name, char *out, size_t n)
{
    const char *base = getenv("BEEX_TEST_DATA");
    snprintf(out, n, "%s/text/raw/%s", base != NULL ? base : "tests/data", name);
}

static void test_split_rule(void **state)
{
    (void)state;
    /* `printf %s TEXT | gzip -c | tail -c8 | head -c4 | od -An -t u4` gives crc32. */
    assert_int_equal(beex_split_fold("hello", 5), 907060870u % 10);
    assert_int_equal(beex_split_fold("the rock is destined", 20), 1617803021u % 10);
    assert_int_equal(beex_split_fold("ca01", 4), 3478786095u % 10);
    assert_int_equal(beex_split_fold("", 0), 0);
    assert_int_equal(beex_split_of("hello"), BEEX_SPLIT_TEST);
    assert_int_equal(beex_split_of("the rock is destined"), BEEX_SPLIT_DEV);
    assert_int_equal(beex_split_of("cb02"), BEEX_SPLIT_TRAIN);
    for (int f = 2; f < 10; f++)
        assert_int_equal(beex_split_of_fold(f), BEEX_SPLIT_TRAIN);
    assert_string_equal(beex_split_name(BEEX_SPLIT_DEV), "dev");
}

static void test_clean_text(void **state)
{
    (void)state;
    char *s = beex_clean_text("  a\tb\n\r\nc  \x93q\x94 caf\xE9 ok\xC3\xA9 ",
                              strlen("  a\tb\n\r\nc  \x93q\x94 caf\xE9 ok\xC3\xA9 "));
    assert_string_equal(s, "a b c \xE2\x80\x9Cq\xE2\x80\x9D caf\xC3\xA9 ok\xC3\xA9");
    free(s);
    s = beex_clean_text("\n\t ", 3);
    assert_string_equal(s, "");
    free(s);
}

static beex_prep *binary_prep(const char *a, const char *b, int dedupe)
{
    const char *labels[] = {a, b};
    beex_prep *p = beex_prep_new(labels, 2, dedupe);
    assert_non_null(p);
    return p;
}

static void test_pattern_csv(void **state)
{
    (void)state;
    char path[4096], err[256];
    raw_path("pattern.csv", path, sizeof path);
    beex_prep *p = binary_prep("neg", "pos", 0);
    assert_int_equal(beex_prepare_pattern_csv(path, "neg", "pos", p, err, sizeof err), 0);
    assert_int_equal(beex_prep_size(p), 2);
    int label, split;
    assert_string_equal(beex_prep_get(p, 0, &label, &split), "a \"quoted\" line with a newline");
    assert_int_equal(label, 1);
    assert_int_equal(split, beex_split_of("a \"quoted\" line with a newline"));
    assert_string_equal(beex_prep_get(p, 1, &label, &split), "second one");
    assert_int_equal(label, 0);
    beex_prep_free(p);
}

static void test_arff(void **state)
{
    (void)state;
    char path[4096], err[256];
    raw_path("reuters.arff", path, sizeof path);
    beex_prep *p = binary_prep("other", "grain", 0);
    assert_int_equal(beex_prepare_arff(path, "other", "grain", BEEX_SPLIT_TEST, p, err, sizeof err),
                     0);
    assert_int_equal(beex_prep_size(p), 2);
    int label, split;
    assert_string_equal(beex_prep_get(p, 0, &label, &split), "GRAIN 'TALKS' <AB> end");
    assert_int_equal(label, 1);
    assert_int_equal(split, BEEX_SPLIT_TEST);
    /* Official train split: the dev part is carved by fold 1 only. */
    assert_int_equal(
        beex_prepare_arff(path, "other", "grain", BEEX_PREP_TRAIN_CARVE_DEV, p, err, sizeof err),
        0);
    beex_prep_get(p, 3, &label, &split);
    assert_int_equal(split,
                     beex_split_fold("other news", 10) == 1 ? BEEX_SPLIT_DEV : BEEX_SPLIT_TRAIN);
    assert_int_equal(beex_prepare_pattern_csv(path, "other", "grain", p, err, sizeof err), -1);
    beex_prep_free(p);
}

static void test_brown(void **state)
{
    (void)state;
    char path[4096], err[256];
    raw_path("brown", path, sizeof path);
    const char *labels[15];
    for (int i = 0; i < 15; i++)
        labels[i] = beex_brown_genres[i];
    beex_prep *p = beex_prep_new(labels, 15, 0);
    assert_int_equal(beex_prepare_brown(path, p, err, sizeof err), 0);
    assert_int_equal(beex_prep_size(p), 3); /* cats.txt is not a document */
    int label, split;
    assert_string_equal(beex_prep_get(p, 0, &label, &split), "The Jury said .");
    assert_string_equal(beex_brown_genres[label], "news");
    /* Stratified by genre: the first-ranked document of a genre goes to test. */
    assert_int_equal(split, BEEX_SPLIT_TEST);
    int first_split = split;
    assert_string_equal(beex_prep_get(p, 1, &label, &split), "It urged 1/2 .");
    assert_int_equal(split, first_split); /* the document decides, not the sentence */
    assert_string_equal(beex_prep_get(p, 2, &label, &split), "Once upon a time");
    assert_string_equal(beex_brown_genres[label], "humor");
    assert_int_equal(split, BEEX_SPLIT_TEST);
    beex_prep_free(p);
}

static void test_spam_mails(void **state)
{
    (void)state;
    char path[4096], err[256];
    raw_path("mail", path, sizeof path);
    beex_prep *p = binary_prep("ham", "spam", 1);
    assert_int_equal(beex_prepare_spam(path, p, err, sizeof err), 0);
    /* easy-ham-2 repeats easy-ham-1 exactly: one copy kept. */
    assert_int_equal(beex_prep_size(p), 4);
    int label, split;
    assert_string_equal(beex_prep_get(p, 0, &label, &split),
                        "Caf\xC3\xA9 meeting tomorrow See you at the caf\xC3\xA9.");
    assert_int_equal(label, 0);
    /* multipart/alternative: the text/plain part, quoted-printable, Latin-1 byte. */
    assert_string_equal(beex_prep_get(p, 1, &label, &split),
                        "Re: build The build is fine, na\xC3\xAFve.");
    /* HTML: no style, script or comment; entities decoded; X-Spam-Flag dropped. */
    assert_string_equal(beex_prep_get(p, 2, &label, &split),
                        "WIN NOW Free money & more \xC2\xA9 A");
    assert_int_equal(label, 1);
    /* multipart/mixed: base64 text part kept, the attachment skipped; Q-encoded subject. */
    assert_string_equal(beex_prep_get(p, 3, &label, &split), "Cheap pills Buy pills today.");
    beex_prep_free(p);
}

static void test_dedupe_conflict(void **state)
{
    (void)state;
    char err[256];
    beex_prep *p = binary_prep("ham", "spam", 1);
    assert_int_equal(
        beex_prep_add(p, "ham", "same text", 9, NULL, BEEX_PREP_BY_RULE, err, sizeof err), 0);
    assert_int_equal(
        beex_prep_add(p, "spam", "same  text\n", 11, NULL, BEEX_PREP_BY_RULE, err, sizeof err), 0);
    assert_int_equal(beex_prep_add(p, "ham", "other", 5, NULL, BEEX_PREP_BY_RULE, err, sizeof err),
                     0);
    assert_int_equal(beex_prep_add(p, "eggs", "x", 1, NULL, BEEX_PREP_BY_RULE, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "eggs"));
    int label, split;
    assert_int_equal(beex_prep_size(p), 2);
    beex_prep_get(p, 0, &label, &split);
    assert_int_equal(split, -1); /* the copies disagreed: dropped */
    beex_prep_get(p, 1, &label, &split);
    assert_true(split >= 0);
    beex_prep_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_rule),      cmocka_unit_test(test_clean_text),
        cmocka_unit_test(test_pattern_csv),     cmocka_unit_test(test_arff),
        cmocka_unit_test(test_brown),           cmocka_unit_test(test_spam_mails),
        cmocka_unit_test(test_dedupe_conflict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
