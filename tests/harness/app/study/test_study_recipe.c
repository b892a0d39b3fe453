/* A study's training settings per task x precision (app/study/study_recipe.h): matching recipe
 * lines apply in file order so later ones win, lines for other tasks or precisions do not apply,
 * the command line's entries come last and win, a bad line fails before any work with its
 * FILE:LINE, and binarized units get the two-stage default unless a line sets fp32-epochs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/app/study/study_recipe.h"

static char path[64];

static int write_recipe(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/beex-recipe-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    const char *text = "# comment line, then blank\n"
                       "\n"
                       "*      *     --epochs 4 --lr 0.002\n"
                       "mr     *     --epochs 6 --warmup 0.1\n"
                       "mr     w1a1  --fp32-epochs 3 --epochs 9\n"
                       "spam   fp32  --epochs 2\n"
                       "*      w1a32 --batch 16\n";
    ssize_t len = (ssize_t)strlen(text);
    int ok = write(fd, text, (size_t)len) == len;
    close(fd);
    return ok ? 0 : -1;
}

static int remove_recipe(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static void later_lines_win_and_others_do_not_apply(void **state)
{
    (void)state;
    beex_study_recipe r = {0};
    char err[256];
    assert_int_equal(beex_recipe_read_file(&r, path, err, sizeof err), 0);
    beex_train_options o;
    assert_int_equal(beex_recipe_resolve(&r, "mr", BEEX_PREC_W1A1, &o, err, sizeof err), 0);
    assert_int_equal(o.epochs, 9);
    assert_int_equal(o.fp32_epochs, 3);
    assert_true(o.lr > 0.0019 && o.lr < 0.0021);
    assert_true(o.warmup > 0.099 && o.warmup < 0.101);
    assert_int_equal(beex_recipe_resolve(&r, "mr", BEEX_PREC_FP32, &o, err, sizeof err), 0);
    assert_int_equal(o.epochs, 6);
    assert_int_equal(o.fp32_epochs, 0);
    /* A task only the wildcard matches; the spam line is fp32's alone. */
    assert_int_equal(beex_recipe_resolve(&r, "spam", BEEX_PREC_W1A32, &o, err, sizeof err), 0);
    assert_int_equal(o.epochs, 4);
    assert_int_equal(o.batch, 16);
    assert_true(o.warmup < 0.001);
    /* No line set fp32-epochs: the trainer's measured two-stage default (2 fp32 epochs). */
    assert_int_equal(o.fp32_epochs, 2);
    assert_int_equal(beex_recipe_resolve(&r, "spam", BEEX_PREC_FP32, &o, err, sizeof err), 0);
    assert_int_equal(o.epochs, 2);
    beex_recipe_free(&r);
}

static void command_line_wins(void **state)
{
    (void)state;
    beex_study_recipe file = {0}, cli = {0};
    char err[256];
    assert_int_equal(beex_recipe_read_file(&file, path, err, sizeof err), 0);
    assert_int_equal(
        beex_recipe_add(&cli, "*", -1, "epochs", "12", "command line", err, sizeof err), 0);
    assert_int_equal(beex_recipe_append(&file, &cli, err, sizeof err), 0);
    beex_train_options o;
    assert_int_equal(beex_recipe_resolve(&file, "mr", BEEX_PREC_W1A1, &o, err, sizeof err), 0);
    assert_int_equal(o.epochs, 12);
    assert_int_equal(o.fp32_epochs, 3); /* the file's, which the command line left alone */
    beex_recipe_free(&file);
    beex_recipe_free(&cli);
}

static void bad_lines_name_their_place(void **state)
{
    (void)state;
    char bad[64];
    snprintf(bad, sizeof bad, "/tmp/beex-recipe-bad-XXXXXX");
    int fd = mkstemp(bad);
    assert_true(fd >= 0);
    const char *text = "* * --epochs 2\nmr w1a1 --epoch 3\n"; /* a misspelt option */
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    beex_study_recipe r = {0};
    char err[256] = "";
    assert_int_equal(beex_recipe_read_file(&r, bad, err, sizeof err), -1);
    char place[80];
    snprintf(place, sizeof place, "%s:2", bad);
    assert_non_null(strstr(err, place));
    beex_recipe_free(&r);
    unlink(bad);
    /* A value out of range is refused when added, with what it needs. */
    beex_study_recipe c = {0};
    assert_int_equal(
        beex_recipe_add(&c, "*", -1, "epochs", "zero", "command line", err, sizeof err), -1);
    assert_non_null(strstr(err, "--epochs"));
    assert_int_equal(beex_recipe_key_arity("freeze-embed"), 0);
    assert_int_equal(beex_recipe_key_arity("epochs"), 1);
    assert_int_equal(beex_recipe_key_arity("threads"), -1);
    beex_recipe_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(later_lines_win_and_others_do_not_apply),
        cmocka_unit_test(command_line_wins),
        cmocka_unit_test(bad_lines_name_their_place),
    };
    return cmocka_run_group_tests(tests, write_recipe, remove_recipe);
}
