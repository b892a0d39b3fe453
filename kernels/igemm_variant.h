/* The contract between the igemm driver (kernels/igemm.c) and its variants
 * (variants/<isa>/igemm.c): the weight panel layout a variant asks for, how the driver lays
 * out the activations for it, the jobs a variant computes, and the write-back every variant
 * shares, so that W8A8 fp32 output is the reference's bits everywhere. */
#ifndef BEEX_KERNELS_IGEMM_VARIANT_H
#define BEEX_KERNELS_IGEMM_VARIANT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels/igemm.h"

typedef struct beex_igemm_ops beex_igemm_ops;

enum { BEEX_IGEMM_MAX_NR = 64 };

/* How the driver lays out the rows of A for a variant (per call, into its scratch). Every
 * packed row is k bytes (or int16 elements) zero padded to kpad; rows m..mpad are zero. */
enum {
    BEEX_IGEMM_A_INT8 = 0, /* int8 as given (signed x signed products) */
    BEEX_IGEMM_A_UINT8,    /* a + 128 as uint8 (a ^ 0x80): vpdpbusd multiplies unsigned bytes */
    BEEX_IGEMM_A_INT16,    /* sign-extended to int16 (vpmaddwd) */
    BEEX_IGEMM_A_PAIRS8    /* int8, each even row and the next interleaved in 8-byte groups:
                              [row 2q k0..7][row 2q+1 k0..7][row 2q k8..15]... (SMMLA's 2x8) */
};

/* A variant's layout for one weight matrix (it may depend on k and on the CPU: neon picks
 * SDOT or SMMLA here). Weights are cut into panels of nr rows (nr output columns); inside a
 * panel k runs in groups of kg bytes, each group holding kg consecutive k of one column:
 * panel[k / kg][column][k % kg]. kg = 4 is the VNNI / SDOT / AMX-B layout (one 32-bit lane
 * per column), 2 the vpmaddwd pairs, 8 SMMLA's 2x8 operand, 1 plain k-major. k is zero padded
 * to kpad, a multiple of kalign (itself a multiple of kg); columns past n are zero. */
typedef struct {
    unsigned mr;     /* micro-tile rows: the driver pads A to a multiple and starts blocks there */
    unsigned nr;     /* columns per panel, <= BEEX_IGEMM_MAX_NR */
    unsigned kg;     /* bytes of one column stored together */
    unsigned kalign; /* kpad is a multiple of this */
    unsigned a_mode; /* BEEX_IGEMM_A_* */
    unsigned comp;   /* 1: sums are of (a + 128) * w; the write-back subtracts 128 * sum_k w */
    unsigned path;   /* the variant's own choice made at repack (neon: 0 SDOT, 1 SMMLA) */
} beex_igemm_layout;

/* Weights in one variant's layout. comp[j] = 128 * sum_k w_jk per column (npanels * nr
 * entries, zero past n) when lay.comp, else NULL: with the unsigned-offset trick a sum is
 * dot + comp, at most 255 * 128 * 65536 < 2^31 in magnitude (BEEX_IGEMM_MAX_K). */
struct beex_imatrix {
    beex_isa isa;
    const beex_igemm_ops *ops;
    beex_igemm_layout lay;
    size_t n, k, kpad, npanels;
    int8_t *panels; /* npanels panels of nr * kpad bytes, 64-byte aligned */
    int32_t *comp;
};

static inline const int8_t *beex_igemm_panel(const beex_imatrix *w, size_t p)
{
    return w->panels + p * w->lay.nr * w->kpad;
}

/* One call's work: A packed by the driver (lay.a_mode) into rows of a_stride bytes, mpad rows
 * (a multiple of mr); row i starts at a + i * a_stride (for A_PAIRS8 an even row starts its
 * pair). Exactly one of dot / y is set. */
typedef struct {
    const beex_imatrix *w;
    size_t m;
    const uint8_t *a;
    size_t a_stride;
    int32_t *dot;
    size_t ldd;
    float *y;
    size_t ldy;
    const float *scale_a, *scale_w, *bias;
} beex_igemm_job;

struct beex_igemm_ops {
    /* The layout for k-byte rows (called once per weight matrix). */
    void (*layout)(size_t k, beex_igemm_layout *out);
    /* Output rows [i0, i1) (i0 a multiple of mr, i1 <= m) x panels [p0, p1). */
    void (*block)(const beex_igemm_job *job, size_t i0, size_t i1, size_t p0, size_t p1);
    /* Optional: NULL when the variant's int8 code runs on this CPU, else a sentence naming what
     * is missing beyond the variant's ISA (the family then lacks it, and picks its parent). */
    const char *(*missing)(void);
    /* Optional (NULL: the parent's): one row of beex_i8_quantize_rows, and max_k |x_k| with
     * NaN ignored (0 for a row of zeros and NaN). */
    void (*quantize_row)(const float *x, size_t k, float inv_scale, int8_t *q);
    float (*amax_row)(const float *x, size_t k);
};

/* One table entry per variant (variants/<isa>/igemm.c), declared from kernels/igemm_list.h. */
#define BEEX_IGEMM_VARIANT(E, ops) extern const beex_igemm_ops ops;
#include "kernels/igemm_list.h"
#undef BEEX_IGEMM_VARIANT

/* Writes the valid part (rows < m, columns < n) of an mr x nr tile of sums (acc[r * lda + c])
 * at output row i, column j: the integer dots (less comp), or y by igemm.h's write-back:
 * t = (float)dot * scale_w[j], t = t * scale_a[i] when given, y = t + bias[j] (+0.0f when
 * NULL, as the reference: -0.0 becomes +0.0). Each step is its own fp32 rounding: the project
 * compiles with -ffp-contract=off, so no multiply here is fused with the add. The column loops
 * are branch-free and vectorise under each variant's flags (cvtdq2ps rounds as the C
 * conversion does); the NULL tests are hoisted out of them. */
static inline void beex_igemm_store_tile(const beex_igemm_job *job, size_t i, size_t j, unsigned mr,
                                         unsigned nr, const int32_t *acc, size_t lda)
{
    const beex_imatrix *w = job->w;
    size_t mv = job->m - i < mr ? job->m - i : mr;
    size_t nv = w->n - j < nr ? w->n - j : nr;
    const int32_t *comp = w->comp != NULL ? w->comp + j : NULL;
    const float *sw = job->scale_w != NULL ? job->scale_w + j : NULL;
    const float *bias = job->bias != NULL ? job->bias + j : NULL;
    int32_t d[BEEX_IGEMM_MAX_NR];
    for (size_t r = 0; r < mv; r++) {
        const int32_t *s = acc + r * lda;
        if (comp != NULL)
            for (size_t c = 0; c < nv; c++)
                d[c] = s[c] - comp[c];
        else
            memcpy(d, s, nv * sizeof *d);
        if (job->dot != NULL) {
            memcpy(job->dot + (i + r) * job->ldd + j, d, nv * sizeof *d);
            continue;
        }
        float *out = job->y + (i + r) * job->ldy + j;
        if (job->scale_a != NULL) {
            float sa = job->scale_a[i + r];
            for (size_t c = 0; c < nv; c++) {
                float t = (float)d[c] * (sw != NULL ? sw[c] : 1.0f);
                t = t * sa;
                out[c] = t + (bias != NULL ? bias[c] : 0.0f);
            }
        } else {
            for (size_t c = 0; c < nv; c++) {
                float t = (float)d[c] * (sw != NULL ? sw[c] : 1.0f);
                out[c] = t + (bias != NULL ? bias[c] : 0.0f);
            }
        }
    }
}

/* max(amax, |x|) with NaN ignored: the scalar step of every variant's amax_row (and its tails). */
static inline float beex_i8_amax_one(float amax, float x)
{
    float ax = x < 0.0f ? -x : x;
    return ax > amax ? ax : amax; /* a NaN compares false: ignored */
}

#endif
