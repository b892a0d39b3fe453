/* Every igemm variant against the reference over a grid of shapes: M from 1 past every
 * micro-tile (scalar 2, avx2 4, avx512 / avxvnni 6, neon 4 / 8, amx 16 and 32), N past every
 * panel (4, 8, 16, 64), K below, at and above every k-group and padding (1, 2, 4, 8, 16, 64)
 * up to model sizes; any int8 value, -128 included; odd strides whose padding must stay
 * untouched. Integer dots must equal the reference's; fused W8A8 output must be its bytes
 * (memcmp) with and without each of scale_a, scale_w and bias; 1, 2, 3 and 7 threads and a
 * caller's team give the same bytes. Operands at the extremes (all -128, all 127, alternating)
 * up to K = BEEX_IGEMM_MAX_K reach the largest sums the unsigned-offset trick of the VNNI
 * variants can meet. The quantizers are checked value by value against beex_i8_quantize_one
 * on NaN (quiet and signalling), infinities, huge, tiny and halfway values, and the dynamic
 * one's scales bit for bit. neon runs everything on both of its paths (SMMLA where the CPU has
 * I8MM, and SDOT: BEEX_NEON_NO_I8MM=1). The bound loops return their MAC counts. A variant
 * this CPU lacks is skipped with its reason (variant_suite.h), as is one whose int8 code needs
 * more than its ISA (beex_igemm_missing). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/ibound.h"
#include "kernels/igemm.h"
#include "kernels/igemm_variant.h"
#include "kernels/team.h"
#include "variant_suite.h"

static const size_t grid_m[] = {1, 2, 3, 5, 6, 7, 8, 13, 16, 17, 33, 70};
static const size_t grid_n[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100};
static const size_t grid_k[] = {1, 3, 4, 5, 8, 15, 16, 17, 63, 64, 65, 127, 128, 129};
/* Model sizes (BERT-base's d and 4d), on fewer shapes. */
static const size_t big_k[] = {768, 3072};
static const size_t big_m[] = {1, 7, 17, 70};
static const size_t big_n[] = {1, 17, 65, 100};

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Scales and biases in [-1, 1] with exact zeros mixed in (a negative scale times a zero dot
 * gives -0.0, which a NULL bias's +0.0 must turn into +0.0). */
static float rndf(void)
{
    return rnd() % 16 == 0 ? 0.0f : (float)(rnd() % 20001) / 10000.0f - 1.0f;
}

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes == 0 ? 1 : bytes);
    assert_non_null(p);
    return p;
}

static int8_t *random_i8(size_t n)
{
    int8_t *p = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        p[i] = (int8_t)(uint8_t)rnd();
    return p;
}

static float *random_floats(size_t n)
{
    float *p = xmalloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = rndf();
    return p;
}

/* neon's paths: the run with BEEX_NEON_NO_I8MM unset (SMMLA where the CPU has I8MM), then the
 * SDOT run. Other variants have one. */
static int npaths(int isa)
{
    return isa == BEEX_ISA_NEON ? 2 : 1;
}

static void set_path(int isa, int path)
{
    if (isa != BEEX_ISA_NEON)
        return;
    if (path == 0)
        unsetenv("BEEX_NEON_NO_I8MM");
    else
        setenv("BEEX_NEON_NO_I8MM", "1", 1);
}

static beex_imatrix *make(const int8_t *w, size_t n, size_t k, size_t ldw, int isa)
{
    beex_imatrix *m = NULL;
    assert_int_equal(beex_imatrix_create(w, n, k, ldw, isa, &m), BEEX_OK);
    assert_int_equal((int)beex_imatrix_isa(m), isa);
    assert_int_equal(beex_imatrix_rows(m), n);
    assert_int_equal(beex_imatrix_cols(m), k);
    return m;
}

/* The fused outputs to compare: bit i of `with` passes scale_a, scale_w, bias. */
static void check_fused(const beex_imatrix *wm, int isa, size_t m, size_t n, size_t k,
                        const int8_t *a, size_t lda, const int8_t *w, size_t ldw, const float *sa,
                        const float *sw, const float *bias, int with, int threads)
{
    size_t ldy = n + 3;
    float *y = xmalloc(m * ldy * sizeof *y), *y_ref = xmalloc(m * ldy * sizeof *y);
    memset(y, 0x7f, m * ldy * sizeof *y); /* the padding columns must keep these bytes */
    memcpy(y_ref, y, m * ldy * sizeof *y);
    const float *s1 = with & 1 ? sa : NULL, *s2 = with & 2 ? sw : NULL,
                *bb = with & 4 ? bias : NULL;
    assert_int_equal(beex_igemm_w8a8_ref(m, n, k, a, lda, w, ldw, s1, s2, bb, y_ref, ldy), BEEX_OK);
    assert_int_equal(beex_igemm_w8a8(wm, m, a, lda, s1, s2, bb, y, ldy, threads), BEEX_OK);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < ldy; j++)
            if (memcmp(&y[i * ldy + j], &y_ref[i * ldy + j], sizeof(float)) != 0)
                fail_msg("%s w8a8 (with %d) m=%zu n=%zu k=%zu t=%d at (%zu,%zu): %.9g != %.9g",
                         beex_isa_name((beex_isa)isa), with, m, n, k, threads, i, j,
                         (double)y[i * ldy + j], (double)y_ref[i * ldy + j]);
    free(y), free(y_ref);
}

/* One shape on one variant: dots equal, the padding of the output rows untouched, and the
 * fused output's bytes for the given combinations of scale_a, scale_w and bias. */
static void check_ops(int isa, size_t m, size_t n, size_t k, const int8_t *a, size_t lda,
                      const int8_t *w, size_t ldw, int threads, const int *withs, int nwith)
{
    size_t ldd = n + 1;
    float *sa = random_floats(m), *sw = random_floats(n), *bias = random_floats(n);
    int32_t *dot = xmalloc(m * ldd * sizeof *dot), *dot_ref = xmalloc(m * ldd * sizeof *dot);
    memset(dot, 0x5a, m * ldd * sizeof *dot);
    memcpy(dot_ref, dot, m * ldd * sizeof *dot);
    beex_imatrix *wm = make(w, n, k, ldw, isa);
    assert_int_equal(beex_igemm_dot_ref(m, n, k, a, lda, w, ldw, dot_ref, ldd), BEEX_OK);
    assert_int_equal(beex_igemm_dot(wm, m, a, lda, dot, ldd, threads), BEEX_OK);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < ldd; j++)
            if (dot[i * ldd + j] != dot_ref[i * ldd + j])
                fail_msg("%s dot m=%zu n=%zu k=%zu t=%d at (%zu,%zu): %d != %d",
                         beex_isa_name((beex_isa)isa), m, n, k, threads, i, j, dot[i * ldd + j],
                         dot_ref[i * ldd + j]);
    for (int c = 0; c < nwith; c++)
        check_fused(wm, isa, m, n, k, a, lda, w, ldw, sa, sw, bias, withs[c], threads);
    beex_imatrix_free(wm);
    free(sa), free(sw), free(bias), free(dot), free(dot_ref);
}

/* Random operands, every byte of the strides (the columns past k) garbage on purpose. */
static void check_shape(int isa, size_t m, size_t n, size_t k, int threads, const int *withs,
                        int nwith)
{
    size_t lda = k + 3, ldw = k + 5;
    int8_t *a = random_i8(m * lda), *w = random_i8(n * ldw);
    check_ops(isa, m, n, k, a, lda, w, ldw, threads, withs, nwith);
    free(a), free(w);
}

static void test_grid(void **state)
{
    int isa = beex_test_variant(state);
    static const int two[] = {0, 7}, all[] = {0, 1, 2, 3, 4, 5, 6, 7};
    for (int path = 0; path < npaths(isa); path++) {
        set_path(isa, path);
        for (size_t ki = 0; ki < sizeof grid_k / sizeof grid_k[0]; ki++)
            for (size_t mi = 0; mi < sizeof grid_m / sizeof grid_m[0]; mi++)
                for (size_t ni = 0; ni < sizeof grid_n / sizeof grid_n[0]; ni++) {
                    /* every combination of the optional inputs on a fifth of the shapes, two
                     * threads on a quarter (keeps qemu and ASan runs short) */
                    int full = (ki + mi + ni) % 5 == 0;
                    check_shape(isa, grid_m[mi], grid_n[ni], grid_k[ki], (mi + ni) % 4 == 0 ? 2 : 1,
                                full ? all : two, full ? 8 : 2);
                }
        for (size_t ki = 0; ki < sizeof big_k / sizeof big_k[0]; ki++)
            for (size_t mi = 0; mi < sizeof big_m / sizeof big_m[0]; mi++)
                for (size_t ni = 0; ni < sizeof big_n / sizeof big_n[0]; ni++)
                    check_shape(isa, big_m[mi], big_n[ni], big_k[ki], 1, two, 2);
    }
    set_path(isa, 0);
}

/* Odd shapes on 1, 2, 3 and 7 threads: chunks are taken dynamically, and whichever thread
 * computes a tile, every output must be the reference's (the larger shapes cut into many row
 * blocks and panels per thread). */
static void test_threads(void **state)
{
    int isa = beex_test_variant(state);
    static const size_t shapes[][3] = {{257, 333, 513}, {130, 70, 3072}, {600, 20, 768},
                                       {13, 33, 65},    {1, 100, 768},   {70, 1, 129}};
    static const int threads[] = {1, 2, 3, 7}, withs[] = {7};
    for (int path = 0; path < npaths(isa); path++) {
        set_path(isa, path);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++)
                check_shape(isa, shapes[s][0], shapes[s][1], shapes[s][2], threads[t], withs, 1);
    }
    set_path(isa, 0);
}

/* Inside a caller's team of t threads sharing among `share` of them (kernels/team.h): the
 * dots and the fused output byte for byte those of one thread, twice in a row (the second
 * call reuses the team's buffer). */
static void check_team(int isa, size_t m, size_t n, size_t k, int t, int share)
{
    int8_t *a = random_i8(m * k), *w = random_i8(n * k);
    float *sw = random_floats(n), *bias = random_floats(n);
    float *y1 = xmalloc(m * n * sizeof *y1), *yt = xmalloc(m * n * sizeof *yt);
    int32_t *d1 = xmalloc(m * n * sizeof *d1), *dt = xmalloc(m * n * sizeof *dt);
    beex_imatrix *wm = make(w, n, k, k, isa);
    assert_int_equal(beex_igemm_w8a8(wm, m, a, k, NULL, sw, bias, y1, n, 1), BEEX_OK);
    assert_int_equal(beex_igemm_dot(wm, m, a, k, d1, n, 1), BEEX_OK);
    int bad = 0;
#pragma omp parallel num_threads(t) reduction(+ : bad)
    {
        bad += beex_igemm_w8a8(wm, m, a, k, NULL, sw, bias, yt, n, beex_in_team(share)) != BEEX_OK;
        bad += beex_igemm_dot(wm, m, a, k, dt, n, beex_in_team(share)) != BEEX_OK;
    }
    assert_int_equal(bad, 0);
    if (memcmp(y1, yt, m * n * sizeof *y1) != 0 || memcmp(d1, dt, m * n * sizeof *d1) != 0)
        fail_msg("%s in a team of %d sharing %d, %zux%zux%zu: differs from one thread",
                 beex_isa_name((beex_isa)isa), t, share, m, n, k);
    beex_imatrix_free(wm);
    free(a), free(w), free(sw), free(bias), free(y1), free(yt), free(d1), free(dt);
}

static void test_in_team(void **state)
{
    int isa = beex_test_variant(state);
    static const int teams[][2] = {{2, 2}, {3, 3}, {3, 2}, {7, 7}, {7, 1}};
    for (size_t i = 0; i < sizeof teams / sizeof teams[0]; i++) {
        check_team(isa, 257, 333, 513, teams[i][0], teams[i][1]);
        check_team(isa, 5, 31, 100, teams[i][0], teams[i][1]);
    }
}

/* Operand patterns at the extremes: 0 all -128, 1 all 127, 2 alternating -128 / 127 along k,
 * 3 alternating 127 / -128. Pattern 0 against 0 gives the largest dot, 16384 k = 2^30 at the
 * largest k; 1 against 0 gives the largest (a + 128) * w sum of the VNNI variants, 255 * -128 *
 * k, within 2^31 at BEEX_IGEMM_MAX_K (kernels/igemm.h). Expected dots by hand, and the
 * reference's. */
static int8_t pattern(int p, size_t kk)
{
    switch (p) {
    case 0:
        return -128;
    case 1:
        return 127;
    case 2:
        return kk % 2 == 0 ? -128 : 127;
    default:
        return kk % 2 == 0 ? 127 : -128;
    }
}

static int64_t pattern_dot(int pa, int pw, size_t k)
{
    int64_t s = 0;
    for (size_t kk = 0; kk < 2 && kk < k; kk++) /* the patterns have period 2 */
        s += (int64_t)pattern(pa, kk) * pattern(pw, kk) * (int64_t)((k - kk + 1) / 2);
    return s;
}

static void check_extreme(int isa, size_t k, int threads)
{
    const size_t m = 8, n = 20; /* rows and columns cycle through the four patterns */
    int8_t *a = xmalloc(m * k), *w = xmalloc(n * k);
    for (size_t i = 0; i < m; i++)
        for (size_t kk = 0; kk < k; kk++)
            a[i * k + kk] = pattern((int)(i % 4), kk);
    for (size_t j = 0; j < n; j++)
        for (size_t kk = 0; kk < k; kk++)
            w[j * k + kk] = pattern((int)(j % 4), kk);
    int32_t *dot = xmalloc(m * n * sizeof *dot);
    beex_imatrix *wm = make(w, n, k, k, isa);
    assert_int_equal(beex_igemm_dot(wm, m, a, k, dot, n, threads), BEEX_OK);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            int64_t want = pattern_dot((int)(i % 4), (int)(j % 4), k);
            if (dot[i * n + j] != want)
                fail_msg("%s extreme k=%zu at (%zu,%zu): %d, want %lld",
                         beex_isa_name((beex_isa)isa), k, i, j, dot[i * n + j], (long long)want);
        }
    beex_imatrix_free(wm);
    static const int withs[] = {0, 7};
    check_ops(isa, m, n, k, a, k, w, k, threads, withs, 2);
    free(a), free(w), free(dot);
}

static void test_extreme_operands(void **state)
{
    int isa = beex_test_variant(state);
    static const size_t ks[] = {
        1, 2, 63, 64, 65, 4096, 4097, BEEX_IGEMM_MAX_K - 1, BEEX_IGEMM_MAX_K};
    for (int path = 0; path < npaths(isa); path++) {
        set_path(isa, path);
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
            check_extreme(isa, ks[ki], ki % 2 == 0 ? 1 : 2);
    }
    set_path(isa, 0);
}

/* Values every quantizer must get right: NaN (quiet, signalling, negative), infinities, huge
 * and tiny (subnormal) values, signed zeros, and products exactly halfway between integers
 * (with inv = 1 and inv = 0.5), near the clamp too. */
static float special(size_t i)
{
    static const uint32_t nans[] = {0x7fc00000u, 0x7fa00000u, 0xffc00001u};
    float f;
    switch (i % 12) {
    case 0:
        memcpy(&f, &nans[(i / 12) % 3], sizeof f);
        return f;
    case 1:
        return (i / 12) % 2 ? -INFINITY : INFINITY;
    case 2:
        return (i / 12) % 2 ? -3.0e38f : 1.0e30f;
    case 3:
        return (i / 12) % 2 ? -1.0e-40f : 1.4e-45f;
    case 4:
        return (i / 12) % 2 ? -0.0f : 0.0f;
    case 5: /* halfway: -127.5 .. 127.5 */
        return (float)((int)(rnd() % 256) - 128) + 0.5f;
    case 6: /* with inv 0.5: odd integers land halfway */
        return (float)(2 * ((int)(rnd() % 256) - 128) + 1);
    case 7:
        return (i / 12) % 2 ? 126.5f : -126.5f;
    case 8:
        return nextafterf(126.5f, (i / 12) % 2 ? 127.0f : 126.0f);
    default:
        return (float)((int)(rnd() % 400001) - 200000) / 1000.0f;
    }
}

static void test_quantize(void **state)
{
    int isa = beex_test_variant(state);
    static const float invs[] = {1.0f, 0.5f, 0.37f, 1.0e-3f, 3.0f, 0.0f, 1.0e30f};
    for (size_t k = 1; k <= 67; k += (k < 40 ? 1 : 9))
        for (size_t v = 0; v < sizeof invs / sizeof invs[0]; v++) {
            const size_t m = 3, ldx = k + 2, ldq = k + 5;
            float *x = xmalloc(m * ldx * sizeof *x);
            int8_t *q = xmalloc(m * ldq), *want = xmalloc(m * ldq);
            for (size_t i = 0; i < m * ldx; i++)
                x[i] = special(i + k);
            memset(q, 0x55, m * ldq);
            memcpy(want, q, m * ldq);
            for (size_t i = 0; i < m; i++)
                for (size_t kk = 0; kk < k; kk++)
                    want[i * ldq + kk] = beex_i8_quantize_one(x[i * ldx + kk], invs[v]);
            assert_int_equal(beex_i8_quantize_rows_isa(isa, x, m, k, ldx, invs[v], q, ldq),
                             BEEX_OK);
            for (size_t i = 0; i < m * ldq; i++)
                if (q[i] != want[i])
                    fail_msg("%s quantize k=%zu inv=%g at row %zu col %zu (x=%.9g): %d, want %d",
                             beex_isa_name((beex_isa)isa), k, (double)invs[v], i / ldq, i % ldq,
                             i % ldq < k ? (double)x[i / ldq * ldx + i % ldq] : 0.0, q[i], want[i]);
            free(x), free(q), free(want);
        }
}

/* Per-token scales: amax with NaN ignored, scale = amax / 127, q with inv = 1 / scale (0 for a
 * zero scale). Rows: random, random with the specials, all zero, all NaN, one infinity, and
 * the maximum first with NaN every 8th value after it (in lane 0 of every vector width: a
 * running maximum that let a NaN through would lose it). */
static void test_quantize_dynamic(void **state)
{
    int isa = beex_test_variant(state);
    for (size_t k = 1; k <= 100; k += (k < 20 ? 1 : 27)) {
        const size_t m = 6, ldx = k + 1, ldq = k + 2;
        float *x = xmalloc(m * ldx * sizeof *x), scale[6], want_scale[6];
        int8_t *q = xmalloc(m * ldq), *want = xmalloc(m * ldq);
        for (size_t i = 0; i < m; i++)
            for (size_t kk = 0; kk < ldx; kk++) {
                float *p = &x[i * ldx + kk];
                *p = i == 0 ? rndf() * 50.0f : i == 1 ? special(kk) : i == 2 ? 0.0f : NAN;
                if (i == 4)
                    *p = kk == k / 2 ? -INFINITY : rndf();
                if (i == 5)
                    *p = kk == 0 ? -50.0f : kk % 8 == 0 ? NAN : rndf();
            }
        memset(q, 0x55, m * ldq);
        memcpy(want, q, m * ldq);
        for (size_t i = 0; i < m; i++) {
            float amax = 0.0f;
            for (size_t kk = 0; kk < k; kk++) {
                float v = fabsf(x[i * ldx + kk]);
                if (v > amax)
                    amax = v;
            }
            want_scale[i] = amax / 127.0f;
            float inv = want_scale[i] != 0.0f ? 1.0f / want_scale[i] : 0.0f;
            for (size_t kk = 0; kk < k; kk++)
                want[i * ldq + kk] = beex_i8_quantize_one(x[i * ldx + kk], inv);
        }
        assert_int_equal(beex_i8_quantize_rows_dynamic_isa(isa, x, m, k, ldx, q, ldq, scale),
                         BEEX_OK);
        if (memcmp(scale, want_scale, sizeof scale) != 0 || memcmp(q, want, m * ldq) != 0)
            fail_msg("%s dynamic quantize k=%zu differs (scales %g %g %g %g %g %g)",
                     beex_isa_name((beex_isa)isa), k, (double)scale[0], (double)scale[1],
                     (double)scale[2], (double)scale[3], (double)scale[4], (double)scale[5]);
        assert_true(scale[2] == 0.0f && scale[3] == 0.0f); /* all zero, all NaN */
        free(x), free(q), free(want);
    }
}

/* The int8 bound loop of the variant (kernels/ibound.h) returns iters times its MACs per
 * iteration, and runs (its tile configuration, its target attributes) here. */
typedef uint64_t (*ibound_fn)(uint64_t iters, uint64_t *sink);
static const ibound_fn ibound_table[BEEX_ISA_COUNT] = {
#define BEEX_IBOUND_VARIANT(E, loop, macs, mix) BEEX_IF_BUILT(E, [BEEX_ISA_##E] = loop, )
#include "kernels/ibound_list.h"
#undef BEEX_IBOUND_VARIANT
};
static const uint64_t ibound_macs[BEEX_ISA_COUNT] = {
#define BEEX_IBOUND_VARIANT(E, loop, macs, mix) [BEEX_ISA_##E] = (macs),
#include "kernels/ibound_list.h"
#undef BEEX_IBOUND_VARIANT
};

static void test_ibound(void **state)
{
    int isa = beex_test_variant(state);
    assert_non_null(ibound_table[isa]);
    assert_null(beex_igemm_missing((beex_isa)isa));
    static const uint64_t iters[] = {0, 1, 3, 1000};
    for (size_t i = 0; i < sizeof iters / sizeof iters[0]; i++) {
        uint64_t sink = 0;
        assert_int_equal(ibound_table[isa](iters[i], &sink), iters[i] * ibound_macs[isa]);
    }
    /* the per-iteration counts are the tiles the list describes */
    static const uint64_t tile_macs[] = {
        [BEEX_ISA_SCALAR] = 2 * 4,      [BEEX_ISA_AVX2] = 4 * 16 * 2,
        [BEEX_ISA_AVX512] = 6 * 64 * 4, [BEEX_ISA_AVXVNNI] = 6 * 16 * 4,
        [BEEX_ISA_AMX] = 32 * 32 * 64,  [BEEX_ISA_NEON] = 4 * 16 * 4};
    assert_int_equal(ibound_macs[isa], tile_macs[isa]);
}

/* The neon paths really differ where the CPU has I8MM (qemu's default CPU has): the layout
 * the environment variable asks for is the one made. */
static void test_paths(void **state)
{
    int isa = beex_test_variant(state);
    int8_t w[4 * 20] = {0};
    for (int path = 0; path < npaths(isa); path++) {
        set_path(isa, path);
        beex_imatrix *wm = make(w, 4, 20, 20, isa);
        print_message("%s path %d: %s, tile %ux%u, kg %u\n", beex_isa_name((beex_isa)isa), path,
                      isa != BEEX_ISA_NEON ? "the variant's only one"
                      : wm->lay.path == 1  ? "SMMLA"
                                           : "SDOT",
                      wm->lay.mr, wm->lay.nr, wm->lay.kg);
        if (path == 1)
            assert_int_equal(wm->lay.path, 0); /* BEEX_NEON_NO_I8MM=1: SDOT */
        beex_imatrix_free(wm);
    }
    set_path(isa, 0);
}

/* The references by hand. A = [[1, -2, 3, 0, -128], [127, 0, -1, 2, 5]], W = [[2, 1, 0, -1,
 * 1], [-128, -128, 1, 1, 0], [0, 0, 0, 0, 0]]: dots [[2 - 2 + 0 + 0 - 128, -128 + 256 + 3 + 0
 * + 0, 0], [254 + 0 + 0 - 2 + 5, -16256 + 0 - 1 + 2 + 0, 0]] = [[-128, 131, 0], [257, -16255,
 * 0]]. With scale_w = (0.5, -1, -2), scale_a = (2, 0.25), bias = (1, 0, 0): y = t + b with
 * t = dot * sw * sa; the zero dot times -2 is -0.0, and + 0.0 (a zero or a NULL bias) makes it
 * +0.0. */
static void test_reference_by_hand(void **state)
{
    (void)state;
    const int8_t a[2][5] = {{1, -2, 3, 0, -128}, {127, 0, -1, 2, 5}};
    const int8_t w[3][5] = {{2, 1, 0, -1, 1}, {-128, -128, 1, 1, 0}, {0, 0, 0, 0, 0}};
    int32_t dot[2][3];
    assert_int_equal(beex_igemm_dot_ref(2, 3, 5, &a[0][0], 5, &w[0][0], 5, &dot[0][0], 3), BEEX_OK);
    const int32_t want_dot[2][3] = {{-128, 131, 0}, {257, -16255, 0}};
    assert_memory_equal(dot, want_dot, sizeof dot);

    const float sw[3] = {0.5f, -1.0f, -2.0f}, sa[2] = {2.0f, 0.25f}, bias[3] = {1.0f, 0.0f, 0.0f};
    float y[2][3];
    assert_int_equal(
        beex_igemm_w8a8_ref(2, 3, 5, &a[0][0], 5, &w[0][0], 5, sa, sw, bias, &y[0][0], 3), BEEX_OK);
    const float want_y[2][3] = {{-127.0f, -262.0f, 0.0f}, {33.125f, 4063.75f, 0.0f}};
    assert_memory_equal(y, want_y, sizeof y);
    assert_int_equal(
        beex_igemm_w8a8_ref(2, 3, 5, &a[0][0], 5, &w[0][0], 5, NULL, sw, NULL, &y[0][0], 3),
        BEEX_OK);
    const float want_y2[2][3] = {{-64.0f, -131.0f, 0.0f}, {128.5f, 16255.0f, 0.0f}};
    assert_memory_equal(y, want_y2, sizeof y); /* +0.0f, not the product's -0.0f */

    /* quantize_one: round half to even, clamp, NaN -> 0 */
    assert_int_equal(beex_i8_quantize_one(2.5f, 1.0f), 2);
    assert_int_equal(beex_i8_quantize_one(3.5f, 1.0f), 4);
    assert_int_equal(beex_i8_quantize_one(-2.5f, 1.0f), -2);
    assert_int_equal(beex_i8_quantize_one(-3.5f, 1.0f), -4);
    assert_int_equal(beex_i8_quantize_one(5.0f, 0.5f), 2); /* 2.5 -> 2 */
    assert_int_equal(beex_i8_quantize_one(7.0f, 0.5f), 4); /* 3.5 -> 4 */
    assert_int_equal(beex_i8_quantize_one(2.4999998f, 1.0f), 2);
    assert_int_equal(beex_i8_quantize_one(2.5000002f, 1.0f), 3);
    assert_int_equal(beex_i8_quantize_one(126.5f, 1.0f), 126);
    assert_int_equal(beex_i8_quantize_one(126.50001f, 1.0f), 127);
    assert_int_equal(beex_i8_quantize_one(1000.0f, 1.0f), 127);
    assert_int_equal(beex_i8_quantize_one(-1000.0f, 1.0f), -127);
    assert_int_equal(beex_i8_quantize_one(-127.5f, 1.0f), -127);
    assert_int_equal(beex_i8_quantize_one(INFINITY, 1.0f), 127);
    assert_int_equal(beex_i8_quantize_one(-INFINITY, 1.0f), -127);
    assert_int_equal(beex_i8_quantize_one(NAN, 1.0f), 0);
    assert_int_equal(beex_i8_quantize_one(INFINITY, 0.0f), 0); /* inf * 0 is NaN */
    assert_int_equal(beex_i8_quantize_one(1.0e-40f, 1.0f), 0);
    assert_int_equal(beex_i8_quantize_one(-0.4f, 1.0f), 0);
    assert_int_equal(beex_i8_quantize_one(0.3f, 10.0f), 3);
}

/* The write-back's rounding order on a counter-example: dot = 3, scale_w = 0.7f, scale_a =
 * 0.1f. (3 * 0.7f) * 0.1f rounds to 0.209999993; 3 * (0.7f * 0.1f) and (3 * 0.1f) * 0.7f both
 * to 0.210000008. The reference and every variant that runs here give the first. */
static void test_writeback_order(void **state)
{
    (void)state;
    const int8_t a[1] = {3}, w[1] = {1};
    const float sw[1] = {0.7f}, sa[1] = {0.1f};
    float y;
    assert_int_equal(beex_igemm_w8a8_ref(1, 1, 1, a, 1, w, 1, sa, sw, NULL, &y, 1), BEEX_OK);
    assert_true(y == 0.209999993f);
    assert_true(y != 0.210000008f);
    for (int isa = 0; isa < BEEX_ISA_COUNT; isa++) {
        if (beex_igemm_missing((beex_isa)isa) != NULL)
            continue;
        beex_imatrix *wm = make(w, 1, 1, 1, isa);
        float yv;
        assert_int_equal(beex_igemm_w8a8(wm, 1, a, 1, sa, sw, NULL, &yv, 1, 1), BEEX_OK);
        assert_memory_equal(&yv, &y, sizeof y);
        beex_imatrix_free(wm);
    }
}

/* Variant choice: an isa this CPU lacks is refused; one the family lacks here (avx512 without
 * AVX512-VNNI, neon without SDOT) falls back to the nearest ancestor the family has; forcing a
 * variant moves the family onto it (or that ancestor). */
static int expected_variant(int isa)
{
    while (isa >= 0 && beex_igemm_missing((beex_isa)isa) != NULL)
        isa = beex_isa_parent((beex_isa)isa);
    return isa;
}

static void test_variant_choice(void **state)
{
    (void)state;
    const int8_t w[2 * 8] = {1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, -8};
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, scale;
    int8_t q[8];
    for (int isa = 0; isa < BEEX_ISA_COUNT; isa++) {
        const char *why = NULL, *miss = beex_igemm_missing((beex_isa)isa);
        beex_imatrix *wm = NULL;
        if (!beex_isa_available((beex_isa)isa, &why)) {
            assert_non_null(miss);
            print_message("igemm: %s unavailable (%s): refused\n", beex_isa_name((beex_isa)isa),
                          why);
            assert_int_equal(beex_imatrix_create(w, 2, 8, 8, isa, &wm), BEEX_EUNSUPPORTED);
            assert_null(wm);
            assert_int_equal(beex_i8_quantize_rows_isa(isa, x, 1, 8, 8, 1.0f, q, 8),
                             BEEX_EUNSUPPORTED);
            assert_int_equal(beex_i8_quantize_rows_dynamic_isa(isa, x, 1, 8, 8, q, 8, &scale),
                             BEEX_EUNSUPPORTED);
            assert_int_equal(beex_isa_force(isa), BEEX_EUNSUPPORTED);
            continue;
        }
        int want = expected_variant(isa);
        assert_true(want >= 0);
        if (want != isa)
            print_message("igemm: %s runs here but its int8 code does not (%s): %s instead\n",
                          beex_isa_name((beex_isa)isa), miss, beex_isa_name((beex_isa)want));
        assert_int_equal(beex_imatrix_create(w, 2, 8, 8, isa, &wm), BEEX_OK);
        assert_int_equal((int)beex_imatrix_isa(wm), want);
        beex_imatrix_free(wm);
        assert_int_equal(beex_i8_quantize_rows_isa(isa, x, 1, 8, 8, 1.0f, q, 8), BEEX_OK);
        assert_int_equal(beex_isa_force(isa), BEEX_OK);
        assert_string_equal(beex_igemm_variant(), beex_isa_name((beex_isa)want));
        assert_int_equal(beex_imatrix_create(w, 2, 8, 8, -1, &wm), BEEX_OK);
        assert_int_equal((int)beex_imatrix_isa(wm), want);
        beex_imatrix_free(wm);
        assert_int_equal(beex_isa_force(-1), BEEX_OK);
    }
    /* automatic: the first variant in pick order whose int8 code runs here */
    beex_isa order[BEEX_ISA_COUNT];
    int n = beex_isa_preference(order, BEEX_ISA_COUNT), best = -1;
    for (int i = 0; i < n && best < 0; i++)
        if (beex_igemm_missing(order[i]) == NULL)
            best = (int)order[i];
    assert_true(best >= 0);
    assert_string_equal(beex_igemm_variant(), beex_isa_name((beex_isa)best));
}

static void test_bad_arguments(void **state)
{
    (void)state;
    int8_t w[4 * 16] = {0}, a[4 * 16] = {0}, q[16];
    float x[16] = {0}, y[16], s[4];
    int32_t dot[16];
    beex_imatrix *wm = NULL;
    assert_int_equal(beex_imatrix_create(NULL, 2, 8, 8, -1, &wm), BEEX_EINVAL);
    assert_int_equal(beex_imatrix_create(w, 0, 8, 8, -1, &wm), BEEX_EINVAL);
    assert_int_equal(beex_imatrix_create(w, 2, 0, 8, -1, &wm), BEEX_EINVAL);
    assert_int_equal(beex_imatrix_create(w, 2, 9, 8, -1, &wm), BEEX_EINVAL);
    assert_int_equal(beex_imatrix_create(w, 2, 8, 8, BEEX_ISA_COUNT, &wm), BEEX_EINVAL);
    assert_int_equal(beex_imatrix_create(w, 2, 8, 8, -2, &wm), BEEX_EINVAL);
    assert_int_equal(beex_imatrix_create(w, 2, 8, 8, -1, NULL), BEEX_EINVAL);
    /* K past BEEX_IGEMM_MAX_K could overflow the int32 sums: refused before any reading */
    assert_int_equal(beex_imatrix_create(w, 1, BEEX_IGEMM_MAX_K + 1, BEEX_IGEMM_MAX_K + 1, -1, &wm),
                     BEEX_EINVAL);
    assert_int_equal(beex_igemm_dot_ref(1, 1, BEEX_IGEMM_MAX_K + 1, a, BEEX_IGEMM_MAX_K + 1, w,
                                        BEEX_IGEMM_MAX_K + 1, dot, 1),
                     BEEX_EINVAL);
    assert_null(wm);
    assert_int_equal(beex_imatrix_create(w, 2, 8, 8, -1, &wm), BEEX_OK);

    assert_int_equal(beex_igemm_dot(NULL, 1, a, 8, dot, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_dot(wm, 1, NULL, 8, dot, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_dot(wm, 1, a, 8, NULL, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_dot(wm, 0, a, 8, dot, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_dot(wm, 1, a, 7, dot, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_dot(wm, 1, a, 8, dot, 1, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_w8a8(NULL, 1, a, 8, NULL, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_w8a8(wm, 1, NULL, 8, NULL, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_w8a8(wm, 1, a, 8, NULL, NULL, NULL, NULL, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_w8a8(wm, 0, a, 8, NULL, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_w8a8(wm, 1, a, 7, NULL, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_w8a8(wm, 1, a, 8, NULL, NULL, NULL, y, 1, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_w8a8(wm, 1, a, 8, NULL, NULL, NULL, y, 2, 1), BEEX_OK);
    assert_int_equal(beex_igemm_dot(wm, 2, a, 8, dot, 2, 2), BEEX_OK);
    assert_int_equal(dot[0], 0);
    beex_imatrix_free(wm);
    beex_imatrix_free(NULL);
    assert_int_equal(beex_imatrix_rows(NULL), 0);
    assert_int_equal(beex_imatrix_cols(NULL), 0);

    assert_int_equal(beex_igemm_dot_ref(1, 1, 8, NULL, 8, w, 8, dot, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_dot_ref(1, 1, 0, a, 8, w, 8, dot, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_dot_ref(1, 1, 8, a, 8, w, 7, dot, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_dot_ref(1, 2, 8, a, 8, w, 8, dot, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_w8a8_ref(1, 2, 8, a, 8, w, 8, NULL, NULL, NULL, y, 1), BEEX_EINVAL);
    assert_int_equal(beex_igemm_w8a8_ref(1, 2, 8, a, 8, w, 8, NULL, NULL, NULL, NULL, 2),
                     BEEX_EINVAL);

    assert_int_equal(beex_i8_quantize_rows(NULL, 1, 8, 8, 1.0f, q, 8), BEEX_EINVAL);
    assert_int_equal(beex_i8_quantize_rows(x, 1, 8, 8, 1.0f, NULL, 8), BEEX_EINVAL);
    assert_int_equal(beex_i8_quantize_rows(x, 0, 8, 8, 1.0f, q, 8), BEEX_EINVAL);
    assert_int_equal(beex_i8_quantize_rows(x, 1, 0, 8, 1.0f, q, 8), BEEX_EINVAL);
    assert_int_equal(beex_i8_quantize_rows(x, 2, 8, 7, 1.0f, q, 8), BEEX_EINVAL);
    assert_int_equal(beex_i8_quantize_rows(x, 2, 8, 8, 1.0f, q, 7), BEEX_EINVAL);
    assert_int_equal(beex_i8_quantize_rows(x, 2, 8, 8, 1.0f, q, 8), BEEX_OK);
    assert_int_equal(beex_i8_quantize_rows_isa(BEEX_ISA_COUNT, x, 1, 8, 8, 1.0f, q, 8),
                     BEEX_EINVAL);
    assert_int_equal(beex_i8_quantize_rows_dynamic(x, 1, 8, 8, q, 8, NULL), BEEX_EINVAL);
    assert_int_equal(beex_i8_quantize_rows_dynamic(NULL, 1, 8, 8, q, 8, s), BEEX_EINVAL);
    assert_int_equal(beex_i8_quantize_rows_dynamic(x, 1, 8, 4, q, 8, s), BEEX_EINVAL);
    assert_int_equal(beex_i8_quantize_rows_dynamic(x, 2, 8, 8, q, 8, s), BEEX_OK);
    assert_true(s[0] == 0.0f && s[1] == 0.0f);
    assert_int_equal(beex_i8_quantize_rows_dynamic_isa(-2, x, 1, 8, 8, q, 8, s), BEEX_EINVAL);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        BEEX_PER_VARIANT("paths", test_paths),
        BEEX_PER_VARIANT("grid", test_grid),
        BEEX_PER_VARIANT("threads", test_threads),
        BEEX_PER_VARIANT("in_team", test_in_team),
        BEEX_PER_VARIANT("extreme_operands", test_extreme_operands),
        BEEX_PER_VARIANT("quantize", test_quantize),
        BEEX_PER_VARIANT("quantize_dynamic", test_quantize_dynamic),
        BEEX_PER_VARIANT("ibound", test_ibound),
        cmocka_unit_test(test_reference_by_hand),
        cmocka_unit_test(test_writeback_order),
        cmocka_unit_test(test_variant_choice),
        cmocka_unit_test(test_bad_arguments),
    };
    /* A variant that runs here but whose int8 code needs more (avx512 without AVX512-VNNI,
     * neon without SDOT): skipped with that reason, not the suite's "no line in the list". */
    int sel = argc == 2 ? beex_isa_parse(argv[1]) : -1;
    const char *miss = sel >= 0 ? beex_igemm_missing((beex_isa)sel) : NULL;
    if (miss != NULL && beex_isa_available((beex_isa)sel, NULL)) {
        printf("igemm variants vs reference: variant %s skipped: %s\n", argv[1], miss);
        return BEEX_TEST_SKIPPED;
    }
    return beex_run_variant_suite("igemm variants vs reference", &beex_family_igemm, tests,
                                  sizeof tests / sizeof tests[0], NULL, NULL, argc, argv);
}
