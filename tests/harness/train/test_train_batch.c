/* The batched trainer: its products against double-precision sums at shapes that cross the
 * 64 x 64 tiles and the 256-long reduction chunks; a batch's gradient against the sum of its
 * examples' gradients one at a time; and bit-identical gradients whatever the thread count
 * (1, 2, 3 threads; dropout on; fp32 and w1a1), which is what lets the main job train on both
 * cores and still reproduce the committed model. */
#include <math.h>
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/train/tgemm.h"
#include "harness/train/tnet.h"
#include "harness/train/tparams.h"

static uint64_t rng_state = 777;
static double urand(void) /* [-1, 1) */
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static float *rand_floats(size_t n)
{
    float *v = malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)urand();
    return v;
}

static void check_products(int M, int in, int out, int threads)
{
    float *x = rand_floats((size_t)M * in), *w = rand_floats((size_t)out * in);
    float *b = rand_floats((size_t)out), *dy = rand_floats((size_t)M * out);
    float *wt = malloc((size_t)in * out * sizeof *wt), *y = malloc((size_t)M * out * sizeof *y);
    float *dx = rand_floats((size_t)M * in), *dx0 = malloc((size_t)M * in * sizeof *dx0);
    float *dw = calloc((size_t)out * in, sizeof *dw), *db = calloc((size_t)out, sizeof *db);
    assert_true(wt && y && dx0 && dw && db);
    memcpy(dx0, dx, (size_t)M * in * sizeof *dx);
    for (int j = 0; j < out; j++)
        for (int k = 0; k < in; k++)
            wt[(size_t)k * out + j] = w[(size_t)j * in + k];
#pragma omp parallel num_threads(threads)
    {
        beex_tg_forward(M, in, out, x, wt, b, y);
        beex_tg_backward_data(M, out, in, dy, w, dx, 1);
        beex_tg_backward_weight(M, out, in, dy, x, dw, db);
    }
    int bad = 0;
    for (int t = 0; t < M && bad < 3; t++)
        for (int j = 0; j < out; j++) {
            double s = b[j];
            for (int k = 0; k < in; k++)
                s += (double)x[(size_t)t * in + k] * w[(size_t)j * in + k];
            bad += fabs(y[(size_t)t * out + j] - s) > 1e-4 * (1 + fabs(s));
        }
    for (int t = 0; t < M && bad < 3; t++)
        for (int k = 0; k < in; k++) {
            double s = dx0[(size_t)t * in + k];
            for (int j = 0; j < out; j++)
                s += (double)dy[(size_t)t * out + j] * w[(size_t)j * in + k];
            bad += fabs(dx[(size_t)t * in + k] - s) > 1e-4 * (1 + fabs(s));
        }
    for (int j = 0; j < out && bad < 3; j++) {
        double sb = 0;
        for (int t = 0; t < M; t++)
            sb += dy[(size_t)t * out + j];
        bad += fabs(db[j] - sb) > 1e-4 * (1 + fabs(sb));
        for (int k = 0; k < in; k++) {
            double s = 0;
            for (int t = 0; t < M; t++)
                s += (double)dy[(size_t)t * out + j] * x[(size_t)t * in + k];
            bad += fabs(dw[(size_t)j * in + k] - s) > 1e-4 * (1 + fabs(s));
        }
    }
    if (bad)
        fprintf(stderr, "products %dx%dx%d on %d threads: wrong\n", M, in, out, threads);
    assert_int_equal(bad, 0);
    free(x), free(w), free(b), free(dy), free(wt), free(y), free(dx), free(dx0), free(dw);
    free(db);
}

static void test_products(void **state)
{
    (void)state;
    check_products(7, 13, 11, 1);
    check_products(300, 70, 130, 1);  /* 5 x 3 tiles, ragged edges */
    check_products(600, 300, 100, 2); /* reductions over 2 and 3 chunks of 256 */
}

static beex_config small_config(void)
{
    beex_config c = {.vocab = 40,
                     .d = 24,
                     .heads = 3,
                     .dff = 40,
                     .blocks = 3,
                     .max_len = 30,
                     .classes = 3,
                     .precision = BEEX_PREC_FP32,
                     .ln_eps = 1e-6f};
    return c;
}

enum { N = 9 };

typedef struct {
    beex_config cfg;
    beex_tparams p;
    beex_teff e;
    int32_t ids[N][30];
    const int32_t *rows[N];
    int len[N], y[N];
    uint64_t seeds[N];
    float lw[3];
} batch_fixture;

static void setup_batch(batch_fixture *f, beex_precision prec)
{
    memset(f, 0, sizeof *f);
    f->cfg = small_config();
    assert_int_equal(beex_tparams_init(&f->p, &f->cfg, NULL), 0);
    assert_int_equal(beex_teff_init(&f->e, &f->cfg), 0);
    for (size_t i = 0; i < f->p.n; i++)
        f->p.base[i] = (float)(0.5 * urand());
    beex_teff_update(&f->e, &f->p, prec, 0);
    for (int i = 0; i < N; i++) {
        f->len[i] = 1 + (int)((urand() + 1.0) * 14.5); /* 1..30 */
        for (int t = 0; t < f->len[i]; t++)
            f->ids[i][t] = 2 + (int32_t)((urand() + 1.0) * 18.9);
        f->rows[i] = f->ids[i];
        f->y[i] = i % 3;
        f->seeds[i] = 1000 + (uint64_t)i;
    }
    for (int b = 0; b < 3; b++)
        f->lw[b] = (float)(b + 1);
}

/* Gradient of the whole batch (scale 1/N) on a workspace of `threads` threads. */
static void batch_grad(batch_fixture *f, beex_precision prec, float dropout, int threads,
                       beex_tparams *g, double *loss)
{
    beex_tws *w = beex_tws_new(&f->cfg, threads);
    assert_non_null(w);
    assert_int_equal(beex_tnet_forward_batch(w, &f->p, &f->e, prec, N, f->rows, f->len, dropout,
                                             f->seeds, 0, NULL),
                     0);
    beex_tnet_backward_batch(w, &f->p, &f->e, f->y, f->lw, 1.0f / N, g, loss);
    beex_tws_free(w);
}

static void check_batch_equals_examples(beex_precision prec)
{
    batch_fixture f;
    setup_batch(&f, prec);
    beex_tparams gb, ge;
    assert_int_equal(beex_tparams_init(&gb, &f.cfg, NULL), 0);
    assert_int_equal(beex_tparams_init(&ge, &f.cfg, NULL), 0);
    double loss[N];
    batch_grad(&f, prec, 0.2f, 1, &gb, loss);
    beex_tws *w = beex_tws_new(&f.cfg, 1);
    for (int i = 0; i < N; i++) {
        beex_tnet_forward(w, &f.p, &f.e, prec, f.ids[i], f.len[i], 0.2f, f.seeds[i], 0, NULL);
        double L = beex_tnet_backward(w, &f.p, &f.e, f.y[i], f.lw, &ge);
        assert_true(fabs(L - loss[i]) <= 1e-6 * (1 + fabs(L)));
    }
    int bad = 0;
    double worst = 0;
    for (size_t i = 0; i < ge.n; i++) {
        double want = ge.base[i] / N, diff = fabs(gb.base[i] - want);
        double tol = 1e-5 + 1e-3 * fabs(want);
        worst = diff > worst ? diff : worst;
        bad += diff > tol;
    }
    fprintf(stderr, "%s: batch vs per-example gradients, worst abs diff %.2e, %d of %zu off\n",
            beex_precision_name(prec), worst, bad, ge.n);
    assert_int_equal(bad, 0);
    beex_tws_free(w);
    beex_tparams_free(&gb);
    beex_tparams_free(&ge);
    beex_tparams_free(&f.p);
    beex_teff_free(&f.e);
}

static void test_batch_fp32(void **state)
{
    (void)state;
    check_batch_equals_examples(BEEX_PREC_FP32);
}

static void test_batch_w1a1(void **state)
{
    (void)state;
    check_batch_equals_examples(BEEX_PREC_W1A1);
}

static void test_thread_count_invariance(void **state)
{
    (void)state;
    beex_precision precs[2] = {BEEX_PREC_FP32, BEEX_PREC_W1A1};
    for (int pi = 0; pi < 2; pi++) {
        batch_fixture f;
        setup_batch(&f, precs[pi]);
        beex_tparams g[3];
        double loss[3][N];
        for (int t = 0; t < 3; t++) {
            assert_int_equal(beex_tparams_init(&g[t], &f.cfg, NULL), 0);
            batch_grad(&f, precs[pi], 0.2f, t + 1, &g[t], loss[t]);
        }
        for (int t = 1; t < 3; t++) {
            assert_memory_equal(g[0].base, g[t].base, g[0].n * sizeof(float));
            assert_memory_equal(loss[0], loss[t], sizeof loss[0]);
        }
        for (int t = 0; t < 3; t++)
            beex_tparams_free(&g[t]);
        beex_tparams_free(&f.p);
        beex_teff_free(&f.e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_products),
        cmocka_unit_test(test_batch_fp32),
        cmocka_unit_test(test_batch_w1a1),
        cmocka_unit_test(test_thread_count_invariance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
