/* The int8 benchmark's pieces (bench/igemm_bench.h) on tiny shapes, in milliseconds: the check
 * every case passes before it is timed catches a planted difference in an integer sum or an
 * fp32 output and lets a last-bit difference through only under the tolerance; a peer whose
 * result differs from beex's is a mismatch, never timed; a peer not built in is absent with
 * its reason; a variant that does not run here is absent with its reason; and one shape's
 * rounds give every timed row its repetitions and ratios. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/bench/igemm_bench.h"
#include "kernels/igemm.h"

static const beex_gemm_shape tiny = {13, 70, 68}; /* tails everywhere; K a multiple of 4 */

static beex_idata *tiny_data(beex_gemm_shape s)
{
    char err[256];
    beex_idata *d = beex_idata_new(s, 1, err, sizeof err);
    if (d == NULL)
        fail_msg("beex_idata_new: %s", err);
    return d;
}

static float next_float_up(float x)
{
    return nextafterf(x, INFINITY);
}

static void test_check_catches_planted_differences(void **state)
{
    (void)state;
    beex_idata *d = tiny_data(tiny);
    const size_t mn = tiny.m * tiny.n;
    int32_t *dot = malloc(mn * sizeof *dot);
    float *y = malloc(mn * sizeof *y);
    assert_non_null(dot);
    assert_non_null(y);
    char msg[512];
    memcpy(dot, d->ref_dot, mn * sizeof *dot);
    memcpy(y, d->ref_y, mn * sizeof *y);
    assert_int_equal(beex_idata_check(d, dot, y, 1, msg, sizeof msg), 0);

    dot[5 * tiny.n + 7] += 1; /* one integer sum off by one */
    assert_int_equal(beex_idata_check(d, dot, NULL, 1, msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "1 of 910 integer sums differ, the first at row 5 column 7"));
    dot[5 * tiny.n + 7] -= 1;

    /* The last bit of one output: a mismatch bit for bit, within the f32 tolerance. */
    y[3] = next_float_up(y[3]);
    assert_int_equal(beex_idata_check(d, NULL, y, 1, msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "fp32 outputs differ (bit for bit)"));
    assert_int_equal(beex_idata_check(d, NULL, y, 0, msg, sizeof msg), 0);
    /* One unit of an integer sum through the scale is far past the tolerance. */
    memcpy(y, d->ref_y, mn * sizeof *y);
    size_t e = 2 * tiny.n + 9;
    y[e] = (float)(d->ref_dot[e] + 1) * d->scale_w[9] + d->bias[9];
    assert_int_equal(beex_idata_check(d, NULL, y, 0, msg, sizeof msg), 1);
    y[e] = NAN;
    assert_int_equal(beex_idata_check(d, NULL, y, 0, msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "row 2 column 9"));
    free(dot), free(y);
    beex_idata_free(d);
}

/* The reference itself is the model's product: the plain reference gives the same bits. */
static void test_reference_is_the_plain_product(void **state)
{
    (void)state;
    beex_idata *d = tiny_data(tiny);
    const size_t mn = tiny.m * tiny.n;
    int32_t *dot = malloc(mn * sizeof *dot);
    float *y = malloc(mn * sizeof *y);
    assert_int_equal(
        beex_igemm_dot_ref(tiny.m, tiny.n, tiny.k, d->a, tiny.k, d->w, tiny.k, dot, tiny.n),
        BEEX_OK);
    assert_int_equal(beex_igemm_w8a8_ref(tiny.m, tiny.n, tiny.k, d->a, tiny.k, d->w, tiny.k, NULL,
                                         d->scale_w, d->bias, y, tiny.n),
                     BEEX_OK);
    char msg[512];
    assert_int_equal(beex_idata_check(d, dot, y, 1, msg, sizeof msg), 0);
    free(dot), free(y);
    beex_idata_free(d);
}

static void test_variant_cases(void **state)
{
    (void)state;
    beex_idata *d = tiny_data(tiny);
    beex_icase *c = NULL;
    char why[320];
    assert_int_equal(beex_icase_variant(d, BEEX_ISA_SCALAR, 1, &c, why, sizeof why), BEEX_ICASE_OK);
    assert_int_equal(beex_icase_run(c, 1), 0);
    assert_non_null(strstr(beex_icase_impl(c), "scalar"));
    beex_icase_free(c);
    /* A variant this machine lacks (NEON on x86, AVX2 on aarch64) is absent, with why. */
    beex_isa missing = BEEX_ISA_COUNT;
    for (int v = 0; v < BEEX_ISA_COUNT; v++)
        if (!beex_isa_available((beex_isa)v, NULL))
            missing = (beex_isa)v;
    if (missing != BEEX_ISA_COUNT) {
        why[0] = '\0';
        assert_int_equal(beex_icase_variant(d, missing, 1, &c, why, sizeof why), BEEX_ICASE_ABSENT);
        assert_null(c);
        assert_true(strlen(why) > 0);
    }
    beex_idata_free(d);
}

typedef int (*make_fn)(const beex_idata *, int, beex_icase **, char *, size_t);

/* A peer built in agrees with beex and runs; one that is not is absent with its reason. A
 * planted difference in the reference (the integer sums, then the fp32 outputs) makes the
 * same peer a mismatch that is not handed out for timing. */
static void peer_contract(make_fn make, int built, const char *library)
{
    beex_idata *d = tiny_data(tiny);
    beex_icase *c = NULL;
    char why[320] = "";
    int st = make(d, 2, &c, why, sizeof why);
    if (!built) {
        assert_int_equal(st, BEEX_ICASE_ABSENT);
        assert_null(c);
        assert_non_null(strstr(why, "built without"));
        beex_idata_free(d);
        return;
    }
    if (st == BEEX_ICASE_ABSENT && strstr(why, "built without") == NULL && strlen(why) > 0) {
        /* built in, but nothing for this CPU (libxsmm JITs int8 for AVX-512 VNNI only) */
        print_message("%s absent here: %s\n", library, why);
        beex_idata_free(d);
        return;
    }
    if (st != BEEX_ICASE_OK)
        fail_msg("%s: status %d: %s", library, st, why);
    assert_non_null(strstr(beex_icase_impl(c), library));
    assert_int_equal(beex_icase_run(c, 1), 0);
    assert_int_equal(beex_icase_run(c, 2), 0);
    beex_icase_free(c);

    d->ref_dot[4 * tiny.n + 1] += 1;
    assert_int_equal(make(d, 1, &c, why, sizeof why), BEEX_ICASE_MISMATCH);
    assert_null(c);
    assert_non_null(strstr(why, "integer sums differ, the first at row 4 column 1"));
    d->ref_dot[4 * tiny.n + 1] -= 1;
    d->ref_y[6 * tiny.n + 2] += 0.5f;
    assert_int_equal(make(d, 1, &c, why, sizeof why), BEEX_ICASE_MISMATCH);
    assert_null(c);
    assert_non_null(strstr(why, "row 6 column 2"));
    beex_idata_free(d);
}

static void test_onednn_peer(void **state)
{
    (void)state;
    peer_contract(beex_icase_dnnl, BEEX_HAVE_DNNL, "oneDNN");
}

static void test_libxsmm_peer(void **state)
{
    (void)state;
    peer_contract(beex_icase_libxsmm, BEEX_HAVE_LIBXSMM, "libxsmm");
    if (!BEEX_HAVE_LIBXSMM)
        return;
    /* K must come in VNNI groups of 4: otherwise absent, and why. */
    beex_gemm_shape odd = {4, 16, 30};
    beex_idata *d = tiny_data(odd);
    beex_icase *c = NULL;
    char why[320];
    assert_int_equal(beex_icase_libxsmm(d, 1, &c, why, sizeof why), BEEX_ICASE_ABSENT);
    assert_non_null(strstr(why, "not a multiple of 4"));
    beex_idata_free(d);
}

/* One shape, every case asked for: the rows in order, repetitions for the timed ones, a
 * reason for the others, and ratios where both sides were timed. */
static void test_one_shape_interleaved(void **state)
{
    (void)state;
    int use[BEEX_ISA_COUNT] = {0};
    for (int v = 0; v < BEEX_ISA_COUNT; v++)
        use[v] = 1; /* the unavailable ones too: rows with their reasons */
    beex_ibench_plan p = {.s = tiny,
                          .threads = 1,
                          .reps = 5,
                          .use = use,
                          .dnnl = 1,
                          .libxsmm = 1,
                          .bound_seconds = 1e-4,
                          .seed = 7};
    beex_irow rows[BEEX_IBENCH_MAX_CASES];
    int n = 0;
    char err[512];
    if (beex_ibench_shape(&p, rows, &n, err, sizeof err) != 0)
        fail_msg("beex_ibench_shape: %s", err);
    assert_int_equal(n, BEEX_ISA_COUNT + 2);
    assert_string_equal(rows[n - 2].name, "onednn");
    assert_string_equal(rows[n - 1].name, "libxsmm");
    int scalar = -1;
    for (int i = 0; i < n; i++) {
        const beex_irow *r = &rows[i];
        assert_int_equal(r->peer, i >= BEEX_ISA_COUNT);
        if (r->status != BEEX_ICASE_OK) {
            assert_int_not_equal(r->status, BEEX_ICASE_MISMATCH);
            assert_true(strlen(r->why) > 0);
            continue;
        }
        for (int k = 0; k < p.reps; k++)
            assert_true(r->rep_seconds[k] > 0.0);
        assert_true(r->macs_per_s > 0.0);
        assert_true(r->seconds.min <= r->seconds.median && r->seconds.median <= r->seconds.max);
        if (!r->peer && isfinite(r->bound))
            assert_true(r->bound_ratio > 0.0);
        if (r->peer == 0 && r->isa == BEEX_ISA_SCALAR)
            scalar = i;
    }
    assert_true(scalar >= 0);
    assert_int_equal(rows[n - 2].status, BEEX_HAVE_DNNL ? BEEX_ICASE_OK : BEEX_ICASE_ABSENT);
    beex_ratio_ci vs[BEEX_IVS_COUNT];
    beex_irow_ratios(rows, n, scalar, p.reps, p.seed, vs);
    assert_int_equal(vs[BEEX_IVS_SCALAR].n, p.reps);
    assert_true(fabs(vs[BEEX_IVS_SCALAR].median - 1.0) < 1e-12);
    for (int k = BEEX_IVS_ONEDNN; k <= BEEX_IVS_LIBXSMM; k++) {
        const beex_irow *peer = &rows[n - 2 + (k - BEEX_IVS_ONEDNN)];
        assert_int_equal(vs[k].n, peer->status == BEEX_ICASE_OK ? p.reps : 0);
        if (peer->status == BEEX_ICASE_OK)
            assert_true(vs[k].median > 0.0);
    }
    beex_irows_free(rows, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_catches_planted_differences),
        cmocka_unit_test(test_reference_is_the_plain_product),
        cmocka_unit_test(test_variant_cases),
        cmocka_unit_test(test_onednn_peer),
        cmocka_unit_test(test_libxsmm_peer),
        cmocka_unit_test(test_one_shape_interleaved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
