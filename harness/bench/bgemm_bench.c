/* Timing of the binarized GEMMs on random operands. */
#include "harness/bench/bgemm_bench.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/bgemm.h"
#include "kernels/pack.h"

const char *beex_gemm_op_name(beex_gemm_op op)
{
    switch (op) {
    case BEEX_GEMM_OP_W1A1:
        return "w1a1";
    case BEEX_GEMM_OP_W1A32:
        return "w1a32";
    case BEEX_GEMM_OP_FP32:
        return "fp32";
    }
    return "unknown";
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

struct beex_gemm_operands {
    beex_gemm_op op;
    beex_isa isa;
    beex_gemm_shape s;
    size_t kb;
    uint8_t *a, *b;
    float *x, *sa, *sw, *bias, *y;
    beex_bmatrix *w;
};

void beex_gemm_operands_free(beex_gemm_operands *g)
{
    if (g == NULL)
        return;
    beex_bmatrix_free(g->w);
    free(g->a), free(g->b), free(g->x), free(g->sa), free(g->sw), free(g->bias), free(g->y);
    free(g);
}

beex_gemm_operands *beex_gemm_operands_new(beex_gemm_op op, beex_isa isa, beex_gemm_shape s,
                                           char *err, size_t errlen)
{
    beex_gemm_operands *g = calloc(1, sizeof *g);
    if (g == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->op = op, g->isa = isa, g->s = s;
    size_t kb = g->kb = beex_packed_row_bytes(s.k);
    g->a = malloc(s.m * kb), g->b = malloc(s.n * kb);
    g->x = op == BEEX_GEMM_OP_W1A32 ? malloc(s.m * s.k * sizeof *g->x) : NULL;
    g->sa = malloc(s.m * sizeof *g->sa), g->sw = malloc(s.n * sizeof *g->sw);
    g->bias = malloc(s.n * sizeof *g->bias), g->y = malloc(s.m * s.n * sizeof *g->y);
    if (g->a == NULL || g->b == NULL || g->sa == NULL || g->sw == NULL || g->bias == NULL ||
        g->y == NULL || (op == BEEX_GEMM_OP_W1A32 && g->x == NULL)) {
        snprintf(err, errlen, "out of memory for the %zux%zux%zu operands", s.m, s.n, s.k);
        beex_gemm_operands_free(g);
        return NULL;
    }
    for (size_t i = 0; i < s.m * kb; i++)
        g->a[i] = (uint8_t)mix(i + 1);
    for (size_t i = 0; i < s.n * kb; i++)
        g->b[i] = (uint8_t)mix(i + 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < s.m; i++)
        g->sa[i] = 0.5f + (float)(i % 7) / 8.0f;
    for (size_t j = 0; j < s.n; j++)
        g->sw[j] = 0.25f + (float)(j % 5) / 8.0f, g->bias[j] = (float)(j % 3) - 1.0f;
    if (g->x != NULL)
        for (size_t i = 0; i < s.m * s.k; i++)
            g->x[i] = (float)(mix(i) % 2001) / 1000.0f - 1.0f;
    int st = beex_bmatrix_create(g->b, s.n, s.k, kb, (int)isa, &g->w);
    if (st != BEEX_OK) {
        snprintf(err, errlen, "cannot prepare weights for variant %s: %s", beex_isa_name(isa),
                 st == BEEX_EUNSUPPORTED ? "not available on this machine" : "error");
        beex_gemm_operands_free(g);
        return NULL;
    }
    return g;
}

int beex_gemm_operands_call(beex_gemm_operands *g, int threads)
{
    const beex_gemm_shape s = g->s;
    return g->op == BEEX_GEMM_OP_W1A1
               ? beex_bgemm_w1a1(g->w, s.m, g->a, g->kb, g->sa, g->sw, g->bias, g->y, s.n, threads)
               : beex_gemm_w1a32(g->w, s.m, g->x, s.k, g->sw, g->bias, g->y, s.n, threads);
}

int beex_bench_binary(beex_gemm_op op, beex_isa isa, beex_gemm_shape s, int threads, int reps,
                      beex_stats *out, double *rep_seconds, char *err, size_t errlen)
{
    double *samples = malloc((size_t)reps * sizeof *samples);
    beex_gemm_operands *g =
        samples != NULL ? beex_gemm_operands_new(op, isa, s, err, errlen) : NULL;
    int rc = -1;
    if (samples == NULL)
        snprintf(err, errlen, "out of memory");
    if (g == NULL)
        goto done;
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
        double t0 = beex_now_seconds();
        int st = beex_gemm_operands_call(g, threads);
        double t = beex_now_seconds() - t0;
        if (st != BEEX_OK) {
            snprintf(err, errlen, "%s on %s failed with status %d", beex_gemm_op_name(op),
                     beex_isa_name(isa), st);
            goto done;
        }
        if (r >= 0)
            samples[r] = t;
    }
    if (!isfinite(g->y[0])) {
        snprintf(err, errlen, "%s on %s produced a non-finite output", beex_gemm_op_name(op),
                 beex_isa_name(isa));
        goto done;
    }
    if (rep_seconds != NULL) /* before beex_stats_of sorts them */
        memcpy(rep_seconds, samples, (size_t)reps * sizeof *samples);
    *out = beex_stats_of(samples, (size_t)reps);
    rc = 0;
done:
    beex_gemm_operands_free(g);
    free(samples);
    return rc;
}
