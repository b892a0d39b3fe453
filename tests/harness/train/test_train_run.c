/* Short training runs on the committed synthetic polarity set (tests/data/train/synth, see
 * make_synthetic.sh: real data sets may not be committed): the loss must fall and dev
 * accuracy must beat the majority class in fp32 and w1a1; the same seed and thread count
 * must give identical checkpoint bytes; an interrupted run resumed with --resume must end
 * in the same bytes as an uninterrupted one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/model/model.h"
#include "harness/train/trainer.h"

static char data_dir[4096], tmp_dir[64];

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("BEEX_TEST_DATA");
    snprintf(data_dir, sizeof data_dir, "%s/train/synth", base ? base : "tests/data");
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/beex_train_test_XXXXXX");
    return mkdtemp(tmp_dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void small_options(beex_train_options *o, const char *out, beex_precision prec, int epochs)
{
    beex_train_options_default(o);
    o->task = data_dir;
    o->out = out;
    o->cfg.d = 32;
    o->cfg.heads = 2;
    o->cfg.dff = 64;
    o->cfg.blocks = 2;
    o->cfg.max_len = 16;
    o->cfg.vocab = 100;
    o->cfg.precision = prec;
    o->batch = 16;
    o->epochs = epochs;
    o->threads = 2;
    o->seed = 7;
    o->quiet = 1;
}

static double majority_dev(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/dev.tsv", data_dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    int n = 0, neg = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        neg += strncmp(line, "neg\t", 4) == 0;
    }
    fclose(f);
    return (double)(neg > n - neg ? neg : n - neg) / n;
}

static void learns(beex_precision prec, int epochs)
{
    char out[256], err[512];
    snprintf(out, sizeof out, "%s/learn-%s.safetensors", tmp_dir, beex_precision_name(prec));
    beex_train_options o;
    small_options(&o, out, prec, epochs);
    int rc = beex_train_run(&o, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    double maj = majority_dev();
    fprintf(stderr, "%s: loss %.4f -> %.4f, best dev %.3f (majority %.3f)\n",
            beex_precision_name(prec), o.first_loss_out, o.final_loss_out, o.best_dev_out, maj);
    assert_true(o.final_loss_out < o.first_loss_out - 0.05);
    assert_true(o.best_dev_out > maj + 0.1);
    assert_int_equal(access(out, R_OK), 0);
}

static void test_fp32_learns(void **state)
{
    (void)state;
    learns(BEEX_PREC_FP32, 6);
}

static void test_w1a1_learns(void **state)
{
    (void)state;
    learns(BEEX_PREC_W1A1, 8);
}

static long read_all(const char *path, unsigned char **buf)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    rewind(f);
    *buf = malloc((size_t)n);
    assert_non_null(*buf);
    assert_int_equal(fread(*buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return n;
}

static void assert_same_file(const char *a, const char *b)
{
    unsigned char *x, *y;
    long nx = read_all(a, &x), ny = read_all(b, &y);
    assert_int_equal(nx, ny);
    assert_memory_equal(x, y, (size_t)nx);
    free(x);
    free(y);
}

static int files_equal(const char *a, const char *b)
{
    unsigned char *x, *y;
    long nx = read_all(a, &x), ny = read_all(b, &y);
    int same = nx == ny && memcmp(x, y, (size_t)nx) == 0;
    free(x);
    free(y);
    return same;
}

static void test_deterministic(void **state)
{
    (void)state;
    char a[256], b[256], err[512];
    snprintf(a, sizeof a, "%s/det-a.safetensors", tmp_dir);
    snprintf(b, sizeof b, "%s/det-b.safetensors", tmp_dir);
    beex_train_options o;
    small_options(&o, a, BEEX_PREC_W1A1, 1);
    assert_int_equal(beex_train_run(&o, err, sizeof err), 0);
    small_options(&o, b, BEEX_PREC_W1A1, 1);
    assert_int_equal(beex_train_run(&o, err, sizeof err), 0);
    char la[300], lb[300];
    snprintf(la, sizeof la, "%s.last.safetensors", a);
    snprintf(lb, sizeof lb, "%s.last.safetensors", b);
    assert_same_file(la, lb);
    /* a different seed must give a different model */
    char c[256], lc[300];
    snprintf(c, sizeof c, "%s/det-c.safetensors", tmp_dir);
    small_options(&o, c, BEEX_PREC_W1A1, 1);
    o.seed = 8;
    assert_int_equal(beex_train_run(&o, err, sizeof err), 0);
    snprintf(lc, sizeof lc, "%s.last.safetensors", c);
    assert_false(files_equal(la, lc));
}

/* The last-epoch checkpoints and optimiser states of runs a and b are identical (their best
 * checkpoints may differ in metadata: an interrupted leg was told of fewer epochs). */
static void assert_same_last_epoch(const char *a, const char *b)
{
    char la[300], lb[300];
    snprintf(la, sizeof la, "%s.last.safetensors", a);
    snprintf(lb, sizeof lb, "%s.last.safetensors", b);
    assert_same_file(la, lb);
    snprintf(la, sizeof la, "%s.state", a);
    snprintf(lb, sizeof lb, "%s.state", b);
    assert_same_file(la, lb);
}

/* Two-stage (1 fp32 epoch, then w1a1) run interrupted after epoch 2 of 3 and resumed. */
static void test_resume(void **state)
{
    (void)state;
    char a[256], b[256], err[512];
    snprintf(a, sizeof a, "%s/res-a.safetensors", tmp_dir);
    snprintf(b, sizeof b, "%s/res-b.safetensors", tmp_dir);
    beex_train_options o;
    small_options(&o, a, BEEX_PREC_W1A1, 3);
    o.fp32_epochs = 1;
    assert_int_equal(beex_train_run(&o, err, sizeof err), 0);
    small_options(&o, b, BEEX_PREC_W1A1, 2);
    o.fp32_epochs = 1;
    assert_int_equal(beex_train_run(&o, err, sizeof err), 0);
    small_options(&o, b, BEEX_PREC_W1A1, 3);
    o.fp32_epochs = 1;
    o.resume = 1;
    assert_int_equal(beex_train_run(&o, err, sizeof err), 0);
    assert_same_last_epoch(a, b);
}

/* Warm-up over a quarter of each stage, then linear decay; stage two restarts both. */
static void test_schedule(void **state)
{
    (void)state;
    beex_train_options o;
    beex_train_options_default(&o);
    o.lr = 1e-3;
    o.epochs = 4;
    assert_float_equal(beex_train_step_lr(&o, 3, 9, 10), 1e-3, 0); /* constant by default */
    o.warmup = 0.25;                                               /* 10 of 40 steps */
    o.lr_decay = 1;
    assert_float_equal(beex_train_step_lr(&o, 0, 0, 10), 1e-3 * 0.1 * 1.0, 1e-9);
    assert_float_equal(beex_train_step_lr(&o, 0, 4, 10), 1e-3 * 0.5 * (1 - 4 / 40.0), 1e-9);
    assert_float_equal(beex_train_step_lr(&o, 1, 0, 10), 1e-3 * (1 - 10 / 40.0), 1e-9);
    assert_float_equal(beex_train_step_lr(&o, 3, 9, 10), 1e-3 / 40.0, 1e-9);
    o.fp32_epochs = 2; /* stages of 20 steps: warm-up 5 steps each */
    assert_float_equal(beex_train_step_lr(&o, 1, 9, 10), 1e-3 / 20.0, 1e-9);
    assert_float_equal(beex_train_step_lr(&o, 2, 0, 10), 1e-3 * 0.2, 1e-9);
    assert_float_equal(beex_train_step_lr(&o, 2, 5, 10), 1e-3 * (1 - 5 / 20.0), 1e-9);
    o.fp32_epochs = 6; /* more fp32 epochs than epochs (fp32 training): one stage of 40 steps */
    assert_float_equal(beex_train_step_lr(&o, 3, 9, 10), 1e-3 / 40.0, 1e-9);
}

/* With warm-up and decay the learning rate depends on the whole schedule: a run interrupted
 * after one epoch of three (stop_after) and resumed must end in the uninterrupted bytes. */
static void test_resume_with_schedule(void **state)
{
    (void)state;
    char a[256], b[256], err[512];
    snprintf(a, sizeof a, "%s/sch-a.safetensors", tmp_dir);
    snprintf(b, sizeof b, "%s/sch-b.safetensors", tmp_dir);
    beex_train_options o;
    for (int leg = 0; leg < 2; leg++) {
        small_options(&o, leg == 0 ? a : b, BEEX_PREC_W1A32, 3);
        o.warmup = 0.3;
        o.lr_decay = 1;
        o.stop_after = leg; /* leg 1 stops after one epoch */
        assert_int_equal(beex_train_run(&o, err, sizeof err), 0);
    }
    /* the interrupted leg really stopped early (else the resume below would prove nothing) */
    char la[300], lb[300];
    snprintf(la, sizeof la, "%s.last.safetensors", a);
    snprintf(lb, sizeof lb, "%s.last.safetensors", b);
    assert_false(files_equal(la, lb));
    o.stop_after = 0;
    o.resume = 1;
    assert_int_equal(beex_train_run(&o, err, sizeof err), 0);
    assert_same_last_epoch(a, b);
}

/* --glove-words: GloVe's frequent words join the vocabulary after the training words, with
 * their vectors; a word training never sees keeps its vector; --freeze-embed keeps every
 * row. The fixture's word k (the, caf\u00e9, film) has vector[i] = k + 1 + i / 1000. */
static void test_glove_words(void **state)
{
    (void)state;
    char out[256], glove[4200], err[512];
    const char *base = getenv("BEEX_TEST_DATA");
    snprintf(glove, sizeof glove, "%s/text/glove-mini.json", base ? base : "tests/data");
    for (int freeze = 0; freeze <= 1; freeze++) {
        snprintf(out, sizeof out, "%s/glove-%d.safetensors", tmp_dir, freeze);
        beex_train_options o;
        small_options(&o, out, BEEX_PREC_FP32, 1);
        o.cfg.d = 100;
        o.cfg.blocks = 1;
        o.glove = glove;
        o.glove_words = 3;
        o.freeze_embed = freeze;
        assert_int_equal(beex_train_run(&o, err, sizeof err), 0);
        beex_model *m = NULL;
        assert_int_equal(beex_model_load(out, &m, err, sizeof err), 0);
        int the = -1, cafe = -1;
        for (int v = 0; v < m->cfg.vocab; v++) {
            if (strcmp(m->vocab[v], "the") == 0)
                the = v;
            if (strcmp(m->vocab[v], "caf\xC3\xA9") == 0)
                cafe = v;
        }
        /* "the" is a training word (id < 100), "cafe" only GloVe's: appended after them */
        assert_true(the >= 2 && the < 100);
        assert_int_equal(cafe, m->cfg.vocab - 1);
        for (int i = 0; i < 100; i++)
            assert_float_equal(m->tok_embed[(size_t)cafe * 100 + (size_t)i], 2.0f + (float)i / 1000,
                               1e-6);
        int moved = 0;
        for (int i = 0; i < 100; i++)
            moved |= m->tok_embed[(size_t)the * 100 + (size_t)i] != 1.0f + (float)i / 1000;
        assert_int_equal(moved, !freeze);
        beex_model_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fp32_learns),   cmocka_unit_test(test_w1a1_learns),
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_resume),
        cmocka_unit_test(test_schedule),      cmocka_unit_test(test_resume_with_schedule),
        cmocka_unit_test(test_glove_words),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
