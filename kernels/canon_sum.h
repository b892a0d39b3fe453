/* The one order in which every kernel sums a row of floats, so that every variant (scalar,
 * AVX2, AVX-512, NEON) and every CPU gives the same bytes (docs/determinism.md).
 *
 * Sixteen lanes: term k of the row goes to lane k % 16, each lane adds its terms in
 * increasing k, starting from +0.0 (a lane can then never hold -0.0, so a vector variant may
 * pad a short tail with +0.0 without changing a bit). The lanes fold in halves,
 * l[i] += l[i + w] for w = 8, 4, 2, 1, and the sum is l[0]. Sixteen is the widest vector any
 * variant has (one zmm, two ymm, four NEON q registers); narrower ones hold the sixteen lanes
 * in several registers, so no variant needs a second order. */
#ifndef BEEX_KERNELS_CANON_SUM_H
#define BEEX_KERNELS_CANON_SUM_H

#include <stddef.h>

#define BEEX_SUM_LANES 16

/* The fold of sixteen lane sums, in the canonical order. */
static inline float beex_sum16_fold(const float l[BEEX_SUM_LANES])
{
    float h8[8], h4[4];
    for (int i = 0; i < 8; i++)
        h8[i] = l[i] + l[i + 8];
    for (int i = 0; i < 4; i++)
        h4[i] = h8[i] + h8[i + 4];
    float a = h4[0] + h4[2], b = h4[1] + h4[3];
    return a + b;
}

/* Adds the terms x[k0..n) to the lanes (lane k % 16; k0 a multiple of 16 where the vector
 * part of a variant stopped). Variants finish their tails with it. */
static inline void beex_sum16_tail(float l[BEEX_SUM_LANES], const float *x, size_t k0, size_t n)
{
    for (size_t k = k0; k < n; k++)
        l[k % BEEX_SUM_LANES] += x[k];
}

/* The canonical sum of x[0..n): the definition every variant reproduces. Whole chunks of
 * sixteen in a loop the compiler can vectorise (lanes are independent), then the tail. */
static inline float beex_sum16(const float *x, size_t n)
{
    float l[BEEX_SUM_LANES] = {0};
    size_t k = 0;
    for (; k + BEEX_SUM_LANES <= n; k += BEEX_SUM_LANES)
        for (size_t i = 0; i < BEEX_SUM_LANES; i++)
            l[i] += x[k + i];
    beex_sum16_tail(l, x, k, n);
    return beex_sum16_fold(l);
}

#endif
