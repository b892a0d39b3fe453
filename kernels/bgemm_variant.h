/* The contract between the bgemm driver (kernels/bgemm.c) and its variants
 * (variants/<isa>/bgemm.c): the packed panel layout, the jobs a variant computes, and the
 * fused write-back every variant shares, so that W1A1 fp32 output is bit-exact everywhere. */
#ifndef BEEX_KERNELS_BGEMM_VARIANT_H
#define BEEX_KERNELS_BGEMM_VARIANT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/bgemm.h"

typedef struct beex_bgemm_ops beex_bgemm_ops;

enum { BEEX_BGEMM_MAX_NR = 32 };

/* A variant's layout for one weight matrix (it may depend on k): micro-tile rows mr, panel
 * rows nr, words per row per chunk cw, and where panel row r is stored inside a
 * chunk (slot[r] in 0..nr-1). A variant whose write-back combines its registers' lanes in a
 * permuted order stores the rows permuted, so the sums come out in column order for free. */
typedef struct {
    unsigned mr, nr, cw;
    unsigned char slot[BEEX_BGEMM_MAX_NR];
} beex_bgemm_layout;

/* Weights in one variant's layout (lay). K is split into chunks of cw 64-bit words (one vector
 * register, or a part of one); bits past k are zero, so padding never counts in XOR-popcount.
 * Rows are grouped in panels of nr rows stored chunk-major: panels[p][chunk][slot[r]][word],
 * so the micro-kernel streams one panel linearly. Rows past n in the last panel are zero. */
struct beex_bmatrix {
    beex_isa isa;
    const beex_bgemm_ops *ops;
    beex_bgemm_layout lay;
    size_t n, k;
    size_t kwords;  /* ceil(k / 64): words of one plain row */
    size_t chunks;  /* ceil(kwords / cw) */
    size_t npanels; /* ceil(n / nr) */
    uint64_t *panels;
    uint64_t *rows; /* plain rows [n][kwords] (W1A32 reads these) */
    /* The signs as int8 +-1 for the variants whose W1A1 runs on int8 units (avxvnni, amx:
     * their layout is in their file), or NULL. Such a variant makes it from rows on its first
     * W1A1 call and publishes it with an atomic compare-and-swap (the driver has no repack
     * hook); it is freed with the matrix. */
    int8_t *signs8;
};

/* W1A1 job: activations repacked by the driver into rows of a_stride = chunks * cw words,
 * zero padded, with zero rows up to a multiple of mr. Exactly one of dot / y is set. */
typedef struct {
    const beex_bmatrix *w;
    size_t m;
    const uint64_t *a;
    size_t a_stride;
    int32_t *dot;
    size_t ldd;
    float *y;
    size_t ldy;
    const float *scale_a, *scale_w, *bias;
} beex_w1a1_job;

/* W1A32 job: fp32 activations read in place. */
typedef struct {
    const beex_bmatrix *w;
    size_t m;
    const float *x;
    size_t ldx;
    const float *alpha, *bias;
    float *y;
    size_t ldy;
} beex_w1a32_job;

struct beex_bgemm_ops {
    unsigned mr, nr, cw; /* default layout: micro-tile rows x panel rows, words per chunk */
    /* Output rows [i0, i1) (i0 a multiple of mr) x panels [p0, p1). */
    void (*w1a1_block)(const beex_w1a1_job *job, size_t i0, size_t i1, size_t p0, size_t p1);
    /* Output rows [i0, i1) x columns [j0, j1). */
    void (*w1a32_block)(const beex_w1a32_job *job, size_t i0, size_t i1, size_t j0, size_t j1);
    /* Optional: the layout for k-bit rows (NULL: mr, nr, cw above, rows in order). */
    void (*layout)(size_t k, beex_bgemm_layout *out);
};

/* One table entry per variant (variants/<isa>/bgemm.c), declared from kernels/bgemm_list.h. */
#define BEEX_BGEMM_VARIANT(E, ops) extern const beex_bgemm_ops ops;
#include "kernels/bgemm_list.h"
#undef BEEX_BGEMM_VARIANT

/* a * b + c with the product rounded to fp32 first: the empty asm hides the product from the
 * optimiser, which would otherwise contract it into an FMA (GCC's default in GNU C mode) and
 * break bit-exactness between variants compiled with and without -mfma. */
static inline float beex_mul_then_add(float a, float b, float c)
{
    float p = a * b;
#if defined(__GNUC__) && defined(__x86_64__)
    __asm__("" : "+x"(p));
#elif defined(__GNUC__) && defined(__aarch64__)
    __asm__("" : "+w"(p));
#else
    volatile float barrier = p;
    p = barrier;
#endif
    return p + c;
}

/* Writes the valid part (rows < m, columns < n) of an mr x nr tile of XOR popcounts
 * (pop[r * ldp + c]) at output row i, column j: either the integer dots or the fused
 * y = (scale_a * scale_w) * dot + bias, in the reference's rounding order. */
static inline void beex_w1a1_store_tile(const beex_w1a1_job *job, size_t i, size_t j, unsigned mr,
                                        unsigned nr, const int64_t *pop, unsigned ldp)
{
    size_t mv = job->m - i < mr ? job->m - i : mr;
    size_t nv = job->w->n - j < nr ? job->w->n - j : nr;
    int32_t k = (int32_t)job->w->k;
    if (job->dot != NULL) {
        for (size_t r = 0; r < mv; r++)
            for (size_t c = 0; c < nv; c++)
                job->dot[(i + r) * job->ldd + j + c] = k - 2 * (int32_t)pop[r * ldp + c];
        return;
    }
    for (size_t r = 0; r < mv; r++) {
        float sa = job->scale_a ? job->scale_a[i + r] : 1.0f;
        float *out = job->y + (i + r) * job->ldy + j;
        for (size_t c = 0; c < nv; c++) {
            float s = sa * (job->scale_w ? job->scale_w[j + c] : 1.0f);
            float dot = (float)(k - 2 * (int32_t)pop[r * ldp + c]);
            out[c] = beex_mul_then_add(s, dot, job->bias ? job->bias[j + c] : 0.0f);
        }
    }
}

#endif
