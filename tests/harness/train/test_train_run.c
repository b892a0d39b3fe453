/* Short training runs on the committed synthetic polarity set (tests/data/train/synth, see
 * make_synthetic.sh: real data sets may not be committed): the loss must fall and dev
 * accuracy must beat the majority class in fp32 and w1a1; the same seed and thread count
 * must give identical checkpoint bytes; an interrupted run resumed with --resume must end
 * in the same bytes as an uninterrupted one; the exit regimes (docs/model.md section 6) leave
 * what they promise: `last` the earlier heads at their initial weights, `last+heads` the
 * blocks of `last` with fitted heads, and every regime but weighted its name in the
 * checkpoint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <jansson.h>

#include "harness/model/model.h"
#include "harness/train/tparams.h"
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

/* Trains the two-block model for 3 epochs (1 fp32, 2 w1a1) in the regime; its last-epoch
 * checkpoint's parameters into p (freed by the caller) and its metadata checked. */
static void regime_run(beex_exit_regime r, beex_tparams *p)
{
    char out[256], last[300], err[512];
    snprintf(out, sizeof out, "%s/regime-%d.safetensors", tmp_dir, (int)r);
    beex_train_options o;
    small_options(&o, out, BEEX_PREC_W1A1, 3);
    o.fp32_epochs = 1;
    o.exit_regime = r;
    o.distill_alpha = 0.25;
    int rc = beex_train_run(&o, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", beex_exit_regime_name(r), err);
    assert_int_equal(rc, 0);
    assert_true(o.final_loss_out < o.first_loss_out);
    snprintf(last, sizeof last, "%s.last.safetensors", out);
    beex_model *m = NULL;
    assert_int_equal(beex_model_load(last, &m, err, sizeof err), 0);
    assert_int_equal(beex_tparams_init(p, &m->cfg, NULL), 0);
    assert_int_equal(beex_tparams_from_model(p, m), 0);
    json_t *meta = json_loads(m->metadata_json, 0, NULL);
    assert_non_null(meta);
    const char *name = json_string_value(json_object_get(meta, "exit_regime"));
    if (r == BEEX_REGIME_WEIGHTED)
        assert_null(json_object_get(meta, "exit_regime")); /* the default's bytes of before */
    else
        assert_string_equal(name, beex_exit_regime_name(r));
    assert_int_equal(json_object_get(meta, "distill_alpha") != NULL, r == BEEX_REGIME_DISTILL);
    if (r == BEEX_REGIME_DISTILL)
        assert_float_equal(json_real_value(json_object_get(meta, "distill_alpha")), 0.25, 0);
    const json_t *lw = json_object_get(meta, "loss_weights");
    double w0 = json_number_value(json_array_get(lw, 0)),
           w1 = json_number_value(json_array_get(lw, 1));
    int lastish = r == BEEX_REGIME_LAST || r == BEEX_REGIME_LAST_HEADS;
    int flat = r == BEEX_REGIME_EQUAL || r == BEEX_REGIME_GE;
    assert_float_equal(w0, lastish ? 0.0 : 1.0, 0);
    assert_float_equal(w1, lastish || flat ? 1.0 : 2.0, 0);
    json_decref(meta);
    beex_model_free(m);
}

static int same_range(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static void test_exit_regimes(void **state)
{
    (void)state;
    beex_tparams p[BEEX_REGIME_COUNT];
    for (int r = 0; r < BEEX_REGIME_COUNT; r++)
        regime_run((beex_exit_regime)r, &p[r]);
    /* Every regime trains another model. */
    for (int r = 1; r < BEEX_REGIME_COUNT; r++)
        assert_false(same_range(p[0].base, p[r].base, p[0].n));
    /* last: the first exit's head is the random initialisation's, bit for bit. */
    char err[512];
    beex_model *init = NULL;
    assert_int_equal(beex_model_alloc(&p[0].cfg, &init, err, sizeof err), 0);
    beex_model_init_random(init, 7);
    beex_tparams ip;
    assert_int_equal(beex_tparams_init(&ip, &init->cfg, NULL), 0);
    assert_int_equal(beex_tparams_from_model(&ip, init), 0);
    int C = p[0].cfg.classes, d = p[0].cfg.d;
    const beex_tparams *l = &p[BEEX_REGIME_LAST], *lh = &p[BEEX_REGIME_LAST_HEADS];
    assert_true(same_range(l->blk[0].ew, ip.blk[0].ew, (size_t)C * d));
    assert_true(same_range(l->blk[0].eb, ip.blk[0].eb, (size_t)C));
    assert_false(same_range(l->blk[1].ew, ip.blk[1].ew, (size_t)C * d));
    /* last+heads: everything but the first head is last's; that head was fit. */
    size_t head0 = (size_t)(l->blk[0].ew - l->base), after = head0 + (size_t)C * d + C;
    assert_true(same_range(l->base, lh->base, head0));
    assert_true(same_range(l->base + after, lh->base + after, l->n - after));
    assert_false(same_range(lh->blk[0].ew, ip.blk[0].ew, (size_t)C * d));
    beex_tparams_free(&ip);
    beex_model_free(init);
    for (int r = 0; r < BEEX_REGIME_COUNT; r++)
        beex_tparams_free(&p[r]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fp32_learns),   cmocka_unit_test(test_w1a1_learns),
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_resume),
        cmocka_unit_test(test_schedule),      cmocka_unit_test(test_resume_with_schedule),
        cmocka_unit_test(test_glove_words),   cmocka_unit_test(test_exit_regimes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
