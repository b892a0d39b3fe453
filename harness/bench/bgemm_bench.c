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

int beex_bench_binary(beex_gemm_op op, beex_isa isa, beex_gemm_shape s, int threads, int reps,
                      beex_stats *out, double *rep_seconds, char *err, size_t errlen)
{
    size_t kb = beex_packed_row_bytes(s.k);
    uint8_t *a = malloc(s.m * kb), *b = malloc(s.n * kb);
    float *x = op == BEEX_GEMM_OP_W1A32 ? malloc(s.m * s.k * sizeof *x) : NULL;
    float *sa = malloc(s.m * sizeof *sa), *sw = malloc(s.n * sizeof *sw);
    float *bias = malloc(s.n * sizeof *bias), *y = malloc(s.m * s.n * sizeof *y);
    double *samples = malloc((size_t)reps * sizeof *samples);
    beex_bmatrix *w = NULL;
    int rc = -1;
    if (a == NULL || b == NULL || sa == NULL || sw == NULL || bias == NULL || y == NULL ||
        samples == NULL || (op == BEEX_GEMM_OP_W1A32 && x == NULL)) {
        snprintf(err, errlen, "out of memory for the %zux%zux%zu operands", s.m, s.n, s.k);
        goto done;
    }
    for (size_t i = 0; i < s.m * kb; i++)
        a[i] = (uint8_t)mix(i + 1);
    for (size_t i = 0; i < s.n * kb; i++)
        b[i] = (uint8_t)mix(i + 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < s.m; i++)
        sa[i] = 0.5f + (float)(i % 7) / 8.0f;
    for (size_t j = 0; j < s.n; j++)
        sw[j] = 0.25f + (float)(j % 5) / 8.0f, bias[j] = (float)(j % 3) - 1.0f;
    if (x != NULL)
        for (size_t i = 0; i < s.m * s.k; i++)
            x[i] = (float)(mix(i) % 2001) / 1000.0f - 1.0f;
    int st = beex_bmatrix_create(b, s.n, s.k, kb, (int)isa, &w);
    if (st != BEEX_OK) {
        snprintf(err, errlen, "cannot prepare weights for variant %s: %s", beex_isa_name(isa),
                 st == BEEX_EUNSUPPORTED ? "not available on this machine" : "error");
        goto done;
    }
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
        double t0 = beex_now_seconds();
        st = op == BEEX_GEMM_OP_W1A1 ? beex_bgemm_w1a1(w, s.m, a, kb, sa, sw, bias, y, s.n, threads)
                                     : beex_gemm_w1a32(w, s.m, x, s.k, sw, bias, y, s.n, threads);
        double t = beex_now_seconds() - t0;
        if (st != BEEX_OK) {
            snprintf(err, errlen, "%s on %s failed with status %d", beex_gemm_op_name(op),
                     beex_isa_name(isa), st);
            goto done;
        }
        if (r >= 0)
            samples[r] = t;
    }
    if (!isfinite(y[0])) {
        snprintf(err, errlen, "%s on %s produced a non-finite output", beex_gemm_op_name(op),
                 beex_isa_name(isa));
        goto done;
    }
    if (rep_seconds != NULL) /* before beex_stats_of sorts them */
        memcpy(rep_seconds, samples, (size_t)reps * sizeof *samples);
    *out = beex_stats_of(samples, (size_t)reps);
    rc = 0;
done:
    beex_bmatrix_free(w);
    free(a), free(b), free(x), free(sa), free(sw), free(bias), free(y), free(samples);
    return rc;
}
