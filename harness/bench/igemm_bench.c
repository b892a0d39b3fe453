/* The int8 benchmark's operands, the check every case passes before it is timed, and the
 * cases that run beex's own variants (igemm_bench.h). */
#include "harness/bench/igemm_bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/igemm.h"

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

void beex_idata_free(beex_idata *d)
{
    if (d == NULL)
        return;
    free(d->a), free(d->w), free(d->scale_w), free(d->bias), free(d->ref_dot), free(d->ref_y);
    free(d);
}

/* The reference: beex_igemm_dot and beex_igemm_w8a8 on the variant the family picks. */
static int reference(beex_idata *d, int threads, char *err, size_t errlen)
{
    const beex_gemm_shape s = d->s;
    beex_imatrix *im = NULL;
    int st = beex_imatrix_create(d->w, s.n, s.k, s.k, -1, &im);
    if (st == BEEX_OK) {
        snprintf(d->ref_variant, sizeof d->ref_variant, "%s", beex_isa_name(beex_imatrix_isa(im)));
        st = beex_igemm_dot(im, s.m, d->a, s.k, d->ref_dot, s.n, threads);
    }
    if (st == BEEX_OK)
        st = beex_igemm_w8a8(im, s.m, d->a, s.k, NULL, d->scale_w, d->bias, d->ref_y, s.n, threads);
    beex_imatrix_free(im);
    if (st != BEEX_OK)
        snprintf(err, errlen, "w8a8 reference for %zux%zux%zu failed with status %d", s.m, s.n, s.k,
                 st);
    return st == BEEX_OK ? 0 : -1;
}

beex_idata *beex_idata_new(beex_gemm_shape s, int threads, char *err, size_t errlen)
{
    beex_idata *d = calloc(1, sizeof *d);
    float *x = malloc(s.m * s.k * sizeof *x);
    if (d != NULL) {
        d->s = s;
        d->a = malloc(s.m * s.k), d->w = malloc(s.n * s.k);
        d->scale_w = malloc(s.n * sizeof *d->scale_w), d->bias = malloc(s.n * sizeof *d->bias);
        d->ref_dot = malloc(s.m * s.n * sizeof *d->ref_dot);
        d->ref_y = malloc(s.m * s.n * sizeof *d->ref_y);
    }
    if (d == NULL || x == NULL || d->a == NULL || d->w == NULL || d->scale_w == NULL ||
        d->bias == NULL || d->ref_dot == NULL || d->ref_y == NULL) {
        snprintf(err, errlen, "out of memory for the %zux%zux%zu int8 operands", s.m, s.n, s.k);
        free(x);
        beex_idata_free(d);
        return NULL;
    }
    /* Activations in [-1, 1) with one per-tensor scale, quantized as the model does before a
     * product (forward_linear.c): that scale is folded into scale_w, so scale_a stays NULL. */
    for (size_t i = 0; i < s.m * s.k; i++)
        x[i] = (float)(mix(i + 1) % 2001) / 1000.0f - 1.0f;
    const float act_scale = 1.0f / 127.0f;
    int st = beex_i8_quantize_rows(x, s.m, s.k, s.k, 1.0f / act_scale, d->a, s.k);
    free(x);
    for (size_t i = 0; i < s.n * s.k; i++)
        d->w[i] = (int8_t)((int)(mix(i + 0x9e3779b97f4a7c15ULL) % 255) - 127);
    for (size_t j = 0; j < s.n; j++) {
        d->scale_w[j] = act_scale * (0.25f + (float)(j % 5) / 8.0f) / 127.0f;
        d->bias[j] = (float)(j % 3) - 1.0f;
    }
    if (st != BEEX_OK) {
        snprintf(err, errlen, "quantizing the %zux%zu activations failed with status %d", s.m, s.k,
                 st);
        beex_idata_free(d);
        return NULL;
    }
    if (reference(d, threads, err, errlen) != 0) {
        beex_idata_free(d);
        return NULL;
    }
    return d;
}

int beex_idata_check(const beex_idata *d, const int32_t *dot, const float *y, int exact, char *msg,
                     size_t msglen)
{
    const size_t m = d->s.m, n = d->s.n;
    size_t bad_dot = 0, bad_y = 0, first_dot = 0, first_y = 0;
    for (size_t e = 0; dot != NULL && e < m * n; e++)
        if (dot[e] != d->ref_dot[e] && bad_dot++ == 0)
            first_dot = e;
    for (size_t e = 0; y != NULL && e < m * n; e++) {
        size_t j = e % n;
        double ref = d->ref_y[e], got = y[e];
        double t = fabs((double)d->ref_dot[e] * (double)d->scale_w[j]);
        int ok = exact ? memcmp(&y[e], &d->ref_y[e], sizeof y[e]) == 0
                       : fabs(got - ref) <= BEEX_IGEMM_F32_TOL * (t + fabs((double)d->bias[j]));
        if (!ok && bad_y++ == 0) /* a NaN fails both tests */
            first_y = e;
    }
    if (bad_dot == 0 && bad_y == 0)
        return 0;
    int len = 0;
    if (bad_dot > 0)
        len = snprintf(msg, msglen,
                       "%zu of %zu integer sums differ, the first at row %zu column %zu: %ld, "
                       "beex (%s) %ld",
                       bad_dot, m * n, first_dot / n, first_dot % n, (long)dot[first_dot],
                       d->ref_variant, (long)d->ref_dot[first_dot]);
    if (bad_y > 0 && (len < 0 || (size_t)len < msglen))
        snprintf(msg + (len > 0 ? len : 0), msglen - (size_t)(len > 0 ? len : 0),
                 "%s%zu of %zu fp32 outputs differ (%s), the first at row %zu column %zu: %.9g, "
                 "beex (%s) %.9g",
                 len > 0 ? "; " : "", bad_y, m * n,
                 exact ? "bit for bit" : "tolerance 8 fp32 roundings", first_y / n, first_y % n,
                 (double)y[first_y], d->ref_variant, (double)d->ref_y[first_y]);
    return 1;
}

int beex_icase_run(beex_icase *c, int threads)
{
    return c->run(c->ctx, threads);
}

const char *beex_icase_impl(const beex_icase *c)
{
    return c->impl;
}

void beex_icase_free(beex_icase *c)
{
    if (c == NULL)
        return;
    if (c->done != NULL)
        c->done(c->ctx);
    free(c);
}

/* --- beex's own variants --- */

typedef struct {
    const beex_idata *d;
    beex_imatrix *im;
    float *y;
} variant_ctx;

static int variant_run(void *ctx, int threads)
{
    variant_ctx *v = ctx;
    const beex_gemm_shape s = v->d->s;
    return beex_igemm_w8a8(v->im, s.m, v->d->a, s.k, NULL, v->d->scale_w, v->d->bias, v->y, s.n,
                           threads) == BEEX_OK
               ? 0
               : -1;
}

static void variant_done(void *ctx)
{
    variant_ctx *v = ctx;
    if (v == NULL)
        return;
    beex_imatrix_free(v->im);
    free(v->y);
    free(v);
}

int beex_icase_variant(const beex_idata *d, beex_isa isa, int threads, beex_icase **out, char *why,
                       size_t whylen)
{
    *out = NULL;
    const char *missing = beex_igemm_missing(isa);
    if (missing != NULL) {
        snprintf(why, whylen, "%s", missing);
        return BEEX_ICASE_ABSENT;
    }
    beex_icase *c = calloc(1, sizeof *c);
    variant_ctx *v = calloc(1, sizeof *v);
    if (c == NULL || v == NULL || (v->y = malloc(d->s.m * d->s.n * sizeof *v->y)) == NULL) {
        free(c), free(v);
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    v->d = d;
    c->run = variant_run, c->done = variant_done, c->ctx = v;
    snprintf(c->impl, sizeof c->impl, "beex_igemm_w8a8 %s", beex_isa_name(isa));
    int st = beex_imatrix_create(d->w, d->s.n, d->s.k, d->s.k, (int)isa, &v->im);
    if (st == BEEX_OK && beex_imatrix_isa(v->im) != isa) {
        /* the family lacks isa and fell back: this row would time another variant */
        snprintf(why, whylen, "igemm has no %s variant (it runs %s instead)", beex_isa_name(isa),
                 beex_isa_name(beex_imatrix_isa(v->im)));
        beex_icase_free(c);
        return BEEX_ICASE_ABSENT;
    }
    if (st != BEEX_OK || variant_run(v, threads) != 0) {
        snprintf(why, whylen, "w8a8 on %s failed (status %d)", beex_isa_name(isa), st);
        beex_icase_free(c);
        return -1;
    }
    char msg[256];
    if (beex_idata_check(d, NULL, v->y, 1, msg, sizeof msg) != 0) {
        snprintf(why, whylen, "w8a8 on %s disagrees with %s: %s", beex_isa_name(isa),
                 d->ref_variant, msg);
        beex_icase_free(c);
        return BEEX_ICASE_MISMATCH;
    }
    *out = c;
    return BEEX_ICASE_OK;
}
