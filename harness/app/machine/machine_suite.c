/* The measurement set of suite version BEEX_MACHINE_SUITE_VERSION: which shapes, batches and
 * query counts, and the names steps go by. Bundles of different suite versions are never
 * compared in one column. */
#include <math.h>
#include <stdio.h>

#include "harness/app/machine/machine_internal.h"

/* BERT-base's projections at 128 tokens (Q/K/V/O, FFN up, FFN down) and the small model's at
 * 64 tokens: N x K = output x input features, M = tokens. */
const beex_machine_shape beex_machine_shapes[BEEX_MACHINE_NSHAPES] = {
    {"bert-base", "attention projection", {128, 768, 768}},
    {"bert-base", "FFN up", {128, 3072, 768}},
    {"bert-base", "FFN down", {128, 768, 3072}},
    {"small", "attention projection", {64, 128, 128}},
    {"small", "FFN up", {64, 256, 128}},
    {"small", "FFN down", {64, 128, 256}},
};

const beex_precision beex_machine_precisions[BEEX_MACHINE_NPRECISIONS] = {
    BEEX_PREC_FP32, BEEX_PREC_W8A8, BEEX_PREC_W1A32, BEEX_PREC_W1A1};

/* The offline scenario's batches: its throughput is the best of them. */
const int beex_machine_batches[BEEX_MACHINE_NBATCHES] = {1, 8, 32};

int beex_machine_min_queries(int quick)
{
    return quick ? 100 : 1000;
}

void beex_machine_kernel_step(char *buf, size_t len, const char *op, const char *variant,
                              const beex_gemm_shape *s, int threads)
{
    snprintf(buf, len, "kernel %s %s %zux%zux%zu t%d", op, variant, s->m, s->n, s->k, threads);
}

void beex_machine_model_step(char *buf, size_t len, const char *scenario, beex_precision p, int isa,
                             const char *depth, int threads, int batch)
{
    snprintf(buf, len, "model %s %s %s %s t%d b%d", scenario, beex_precision_name(p),
             beex_isa_name((beex_isa)isa), depth, threads, batch);
}

int beex_machine_gb_chunks(const double *samples, int n, double *out, double *iterations)
{
    int chunk = (n + BEEX_MACHINE_GB_REPS - 1) / BEEX_MACHINE_GB_REPS; /* k <= the cap */
    chunk = chunk < 1 ? 1 : chunk;
    int k = n / chunk; /* the last partial chunk, if any, is left out of these rows */
    for (int i = 0; i < k; i++) {
        out[i] = 0.0;
        for (int j = 0; j < chunk; j++)
            out[i] += samples[i * chunk + j];
    }
    *iterations = chunk;
    return k;
}

double beex_machine_chunk_cv(const double *samples, int n)
{
    double c[BEEX_MACHINE_GB_REPS], iters, mean = 0.0, var = 0.0;
    int k = beex_machine_gb_chunks(samples, n, c, &iters);
    if (k < 2)
        return 0.0;
    for (int i = 0; i < k; i++)
        mean += c[i] / k;
    for (int i = 0; i < k; i++)
        var += (c[i] - mean) * (c[i] - mean) / (k - 1);
    return mean > 0.0 ? sqrt(var) / mean : 0.0;
}
