/* The label mapping of the evaluation path (labels.h): task labels onto model classes by name
 * only, never by position, and which class a binary task's F1 is reported for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "harness/eval/labels.h"

/* A small model (the label code reads only cfg.classes and labels) with the given class
 * names; freed with beex_model_free, which frees the names too. */
static beex_model *model_with(const char *const *names, int classes)
{
    beex_config cfg = beex_config_default();
    cfg.vocab = 16;
    cfg.d = 8;
    cfg.heads = 2;
    cfg.dff = 16;
    cfg.blocks = 2;
    cfg.max_len = 8;
    cfg.classes = classes;
    beex_model *m = NULL;
    char err[256] = "";
    assert_int_equal(beex_model_alloc(&cfg, &m, err, sizeof err), 0);
    assert_non_null(m);
    for (int c = 0; c < classes; c++) {
        m->labels[c] = strdup(names[c]);
        assert_non_null(m->labels[c]);
    }
    return m;
}

/* A data set with only its label names set, as beex_label_map reads it. */
static beex_dataset dataset_with(const char **names, int n)
{
    beex_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.labels = (char **)names;
    ds.n_labels = n;
    return ds;
}

static void map_by_name(void **state)
{
    (void)state;
    const char *model_names[] = {"neg", "pos"};
    beex_model *m = model_with(model_names, 2);
    char err[256] = "";
    int map[3] = {-7, -7, -7};

    /* The same names in another order: mapped by name, not by position. */
    const char *swapped[] = {"pos", "neg"};
    beex_dataset ds = dataset_with(swapped, 2);
    assert_int_equal(beex_label_map(&ds, m, map, err, sizeof err), 0);
    assert_int_equal(map[0], 1);
    assert_int_equal(map[1], 0);

    /* The same order maps to itself. */
    ds = dataset_with(model_names, 2);
    assert_int_equal(beex_label_map(&ds, m, map, err, sizeof err), 0);
    assert_int_equal(map[0], 0);
    assert_int_equal(map[1], 1);
    beex_model_free(m);

    /* Three classes, rotated; a task using only some of the classes is fine. */
    const char *abc[] = {"a", "b", "c"};
    m = model_with(abc, 3);
    const char *cab[] = {"c", "a", "b"};
    ds = dataset_with(cab, 3);
    assert_int_equal(beex_label_map(&ds, m, map, err, sizeof err), 0);
    assert_int_equal(map[0], 2);
    assert_int_equal(map[1], 0);
    assert_int_equal(map[2], 1);
    const char *just_b[] = {"b"};
    ds = dataset_with(just_b, 1);
    assert_int_equal(beex_label_map(&ds, m, map, err, sizeof err), 0);
    assert_int_equal(map[0], 1);
    beex_model_free(m);
}

static void unknown_label(void **state)
{
    (void)state;
    const char *model_names[] = {"neg", "pos"};
    beex_model *m = model_with(model_names, 2);
    char err[512] = "";
    int map[2];

    /* Another task's labels: nothing in common, so matching by position would have scored
     * silently. The message must name the label and what the model has. */
    const char *other[] = {"ham", "spam"};
    beex_dataset ds = dataset_with(other, 2);
    assert_int_equal(beex_label_map(&ds, m, map, err, sizeof err), -1);
    assert_non_null(strstr(err, "ham"));
    assert_non_null(strstr(err, "neg"));
    assert_non_null(strstr(err, "pos"));

    /* One known label and one unknown: still an error, naming the unknown one. */
    const char *half[] = {"pos", "maybe"};
    ds = dataset_with(half, 2);
    err[0] = '\0';
    assert_int_equal(beex_label_map(&ds, m, map, err, sizeof err), -1);
    assert_non_null(strstr(err, "maybe"));
    assert_non_null(strstr(err, "neg"));

    /* Names are compared exactly: case matters. */
    const char *upper[] = {"NEG", "POS"};
    ds = dataset_with(upper, 2);
    err[0] = '\0';
    assert_int_equal(beex_label_map(&ds, m, map, err, sizeof err), -1);
    assert_non_null(strstr(err, "NEG"));
    beex_model_free(m);
}

/* Positive class of a model with these class names, no --positive. */
static int positive_of(const char *a, const char *b)
{
    const char *names[] = {a, b};
    beex_model *m = model_with(names, 2);
    char err[256] = "";
    int c = beex_positive_class(m, NULL, err, sizeof err);
    beex_model_free(m);
    return c;
}

static void positive_class(void **state)
{
    (void)state;
    /* Usual names find the positive class wherever it sits. */
    assert_int_equal(positive_of("neg", "pos"), 1);
    assert_int_equal(positive_of("pos", "neg"), 0);
    /* Numeric labels sort by value, {-1, 1}: "1" is positive; it is found by name, so the
     * other order gives 0. */
    assert_int_equal(positive_of("-1", "1"), 1);
    assert_int_equal(positive_of("1", "-1"), 0);
    assert_int_equal(positive_of("0", "1"), 1);
    assert_int_equal(positive_of("ham", "spam"), 1);
    assert_int_equal(positive_of("spam", "ham"), 0);
    assert_int_equal(positive_of("yes", "no"), 0);
    /* No usual name: class 1. */
    assert_int_equal(positive_of("a", "b"), 1);

    char err[256] = "";
    /* Three classes: macro F1, even when a usual name is among them. */
    const char *three[] = {"neg", "neutral", "pos"};
    beex_model *m = model_with(three, 3);
    assert_int_equal(beex_positive_class(m, NULL, err, sizeof err), -1);
    /* ... and naming one is an error, not a silent macro F1. */
    err[0] = '\0';
    assert_int_equal(beex_positive_class(m, "pos", err, sizeof err), -2);
    assert_non_null(strstr(err, "two classes"));
    beex_model_free(m);

    /* --positive names the class. */
    const char *ab[] = {"a", "b"};
    m = model_with(ab, 2);
    assert_int_equal(beex_positive_class(m, "a", err, sizeof err), 0);
    assert_int_equal(beex_positive_class(m, "b", err, sizeof err), 1);
    /* A name that is not a class is an error naming it. */
    err[0] = '\0';
    assert_int_equal(beex_positive_class(m, "zebra", err, sizeof err), -2);
    assert_non_null(strstr(err, "zebra"));
    beex_model_free(m);

    /* --positive overrides the usual names. */
    const char *np[] = {"neg", "pos"};
    m = model_with(np, 2);
    assert_int_equal(beex_positive_class(m, "neg", err, sizeof err), 0);
    beex_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_by_name),
        cmocka_unit_test(unknown_label),
        cmocka_unit_test(positive_class),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
