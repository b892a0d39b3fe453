/* Adam (Kingma & Ba) with bias correction, and the optimiser state file that makes an
 * interrupted training resumable bit for bit. */
#include "harness/train/adam.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/atomic_file.h"
#include "harness/base/canon_math.h"
#include "harness/base/input_file.h"
#include "harness/base/threads.h"
#include "harness/train/tkernels.h"

#define STATE_MAGIC "BEEXTRS1"

int beex_adam_init(beex_adam *a, size_t n, double lr)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->m = calloc(n, sizeof(float));
    a->v = calloc(n, sizeof(float));
    a->lr = lr;
    a->beta1 = 0.9;
    a->beta2 = 0.999;
    a->eps = 1e-8;
    if (a->m == NULL || a->v == NULL) {
        beex_adam_free(a);
        return -1;
    }
    return 0;
}

void beex_adam_free(beex_adam *a)
{
    free(a->m);
    free(a->v);
    a->m = a->v = NULL;
}

void beex_adam_reset(beex_adam *a)
{
    memset(a->m, 0, a->n * sizeof(float));
    memset(a->v, 0, a->n * sizeof(float));
    a->step = 0;
}

/* Elementwise over [lo, hi): vectorised in the clones (sqrt and divide per element). */
BEEX_TK_CLONES
static void adam_range(long lo, long hi, float *theta, const float *grad, float *m, float *v,
                       float b1, float b2, float c1, float c2, float lr, float eps)
{
    BEEX_TK_SIMD
    for (long i = lo; i < hi; i++) {
        float g = grad[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        theta[i] -= lr * (m[i] / c1) / (sqrtf(v[i] / c2) + eps);
    }
}

void beex_adam_step(beex_adam *a, float *theta, const float *grad)
{
    a->step++;
    float b1 = (float)a->beta1, b2 = (float)a->beta2;
    float c1 = (float)(1.0 - beex_canon_powi(a->beta1, a->step));
    float c2 = (float)(1.0 - beex_canon_powi(a->beta2, a->step));
    float lr = (float)a->lr, eps = (float)a->eps;
    long n = (long)a->n;
#pragma omp parallel if (n >= BEEX_PAR_MIN_WORK)
    {
        long nt = omp_get_num_threads(), t = omp_get_thread_num();
        adam_range(n * t / nt, n * (t + 1) / nt, theta, grad, a->m, a->v, b1, b2, c1, c2, lr, eps);
    }
}

uint64_t beex_params_fingerprint(const float *theta, size_t n)
{
    const unsigned char *p = (const unsigned char *)theta;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n * sizeof(float); i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

int beex_train_state_save(const char *path, const beex_adam *a, const beex_train_state *s,
                          char *err, size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    uint64_t n = a->n, step = a->step;
    /* Write errors are collected by beex_atomic_commit's check of the stream. */
    fwrite(STATE_MAGIC, 1, 8, af.f);
    fwrite(&n, sizeof n, 1, af.f);
    fwrite(&step, sizeof step, 1, af.f);
    fwrite(s, sizeof *s, 1, af.f);
    fwrite(a->m, sizeof(float), a->n, af.f);
    fwrite(a->v, sizeof(float), a->n, af.f);
    return beex_atomic_commit(&af, err, errlen);
}

int beex_train_state_load(const char *path, beex_adam *a, beex_train_state *s, char *err,
                          size_t errlen)
{
    FILE *f = beex_input_fopen(path, 0, err, errlen);
    if (f == NULL)
        return -1;
    char magic[8];
    uint64_t n = 0, step = 0;
    int ok = fread(magic, 1, 8, f) == 8 && memcmp(magic, STATE_MAGIC, 8) == 0 &&
             fread(&n, sizeof n, 1, f) == 1 && fread(&step, sizeof step, 1, f) == 1;
    if (!ok || n != a->n) {
        fclose(f);
        snprintf(err, errlen,
                 "%s: not a training state for this model (%llu parameters, expected %zu)", path,
                 (unsigned long long)n, a->n);
        return -1;
    }
    ok = fread(s, sizeof *s, 1, f) == 1 && fread(a->m, sizeof(float), a->n, f) == a->n &&
         fread(a->v, sizeof(float), a->n, f) == a->n;
    fclose(f);
    if (!ok) {
        snprintf(err, errlen, "%s: truncated training state", path);
        return -1;
    }
    a->step = step;
    return 0;
}
