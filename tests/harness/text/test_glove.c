/* GloVe lookup on a three-word file in the wink layout: rows of found words filled, other
 * rows untouched, escaped keys decoded, short vectors and missing files rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/text/glove.h"

static void data_path(const char *name, char *out, size_t n)
{
    const char *base = getenv("BEEX_TEST_DATA");
    snprintf(out, n, "%s/text/%s", base != NULL ? base : "tests/data", name);
}

static void test_lookup(void **state)
{
    (void)state;
    char *toks[] = {"[PAD]", "[UNK]", "film", "zzz", "caf\xC3\xA9", "the"};
    beex_vocab *v = beex_vocab_from_tokens(toks, 6);
    float *rows = malloc(6 * BEEX_GLOVE_DIM * sizeof *rows);
    for (int i = 0; i < 6 * BEEX_GLOVE_DIM; i++)
        rows[i] = -9.0f;
    char path[4096], err[256];
    int found = -1;
    data_path("glove-mini.json", path, sizeof path);
    assert_int_equal(beex_glove_lookup(path, v, rows, &found, err, sizeof err), 0);
    assert_int_equal(found, 3);
    /* The fixture's word k has vector[i] = k + 1 + i / 1000. */
    assert_float_equal(rows[5 * BEEX_GLOVE_DIM + 0], 1.0f, 1e-6);
    assert_float_equal(rows[5 * BEEX_GLOVE_DIM + 99], 1.099f, 1e-6);
    assert_float_equal(rows[4 * BEEX_GLOVE_DIM + 7], 2.007f, 1e-6); /* "caf\u00e9" key */
    assert_float_equal(rows[2 * BEEX_GLOVE_DIM + 50], 3.05f, 1e-6);
    for (int i = 0; i < BEEX_GLOVE_DIM; i++) {
        assert_float_equal(rows[0 * BEEX_GLOVE_DIM + i], -9.0f, 0); /* [PAD] */
        assert_float_equal(rows[1 * BEEX_GLOVE_DIM + i], -9.0f, 0); /* [UNK] */
        assert_float_equal(rows[3 * BEEX_GLOVE_DIM + i], -9.0f, 0); /* not in GloVe */
    }
    data_path("glove-short.json", path, sizeof path);
    assert_int_equal(beex_glove_lookup(path, v, rows, &found, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad vector for 'the'"));
    data_path("no-such-glove.json", path, sizeof path);
    assert_int_equal(beex_glove_lookup(path, v, rows, &found, err, sizeof err), -1);
    assert_non_null(strstr(err, "glove.sh"));
    data_path("good/train.tsv", path, sizeof path);
    assert_int_equal(beex_glove_lookup(path, v, rows, &found, err, sizeof err), -1);
    assert_non_null(strstr(err, "vectors"));
    free(rows);
    beex_vocab_free(v);
}

/* The "words" list in file order (GloVe's frequency order), escapes decoded, cut at n. */
static void test_first_words(void **state)
{
    (void)state;
    char path[4096], err[256];
    int n = -1;
    data_path("glove-mini.json", path, sizeof path);
    char **w = beex_glove_first_words(path, 2, &n, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(n, 2);
    assert_string_equal(w[0], "the");
    assert_string_equal(w[1], "caf\xC3\xA9");
    for (int i = 0; i < n; i++)
        free(w[i]);
    free(w);
    w = beex_glove_first_words(path, 10, &n, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(n, 3);
    assert_string_equal(w[2], "film");
    for (int i = 0; i < n; i++)
        free(w[i]);
    free(w);
    data_path("good/train.tsv", path, sizeof path);
    assert_null(beex_glove_first_words(path, 2, &n, err, sizeof err));
    assert_non_null(strstr(err, "words"));
    data_path("no-such-glove.json", path, sizeof path);
    assert_null(beex_glove_first_words(path, 2, &n, err, sizeof err));
    assert_non_null(strstr(err, "glove.sh"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_lookup),
                                       cmocka_unit_test(test_first_words)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
