/* Scalar binarized GEMMs: 64-bit XOR + popcount on a 2 x 4 register tile (eight accumulators
 * fit the sixteen x86-64 / thirty-one AArch64 general registers with room for pointers). */
#include <string.h>

#include "kernels/bgemm_variant.h"
#include "kernels/canon_sum.h"

enum { MR = 2, NR = 4, CW = 1 };

static void w1a1_tile(const uint64_t *a0, const uint64_t *a1, const uint64_t *b, size_t chunks,
                      int64_t pop[MR * NR])
{
    uint64_t c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    for (size_t c = 0; c < chunks; c++, b += NR) {
        uint64_t x0 = a0[c], x1 = a1[c];
        uint64_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
        c00 += (uint64_t)__builtin_popcountll(x0 ^ b0);
        c01 += (uint64_t)__builtin_popcountll(x0 ^ b1);
        c02 += (uint64_t)__builtin_popcountll(x0 ^ b2);
        c03 += (uint64_t)__builtin_popcountll(x0 ^ b3);
        c10 += (uint64_t)__builtin_popcountll(x1 ^ b0);
        c11 += (uint64_t)__builtin_popcountll(x1 ^ b1);
        c12 += (uint64_t)__builtin_popcountll(x1 ^ b2);
        c13 += (uint64_t)__builtin_popcountll(x1 ^ b3);
    }
    pop[0] = (int64_t)c00, pop[1] = (int64_t)c01, pop[2] = (int64_t)c02, pop[3] = (int64_t)c03;
    pop[4] = (int64_t)c10, pop[5] = (int64_t)c11, pop[6] = (int64_t)c12, pop[7] = (int64_t)c13;
}

static void w1a1_block(const beex_w1a1_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_bmatrix *w = job->w;
    size_t panel_words = w->chunks * NR * CW;
    for (size_t p = p0; p < p1; p++) {
        const uint64_t *b = w->panels + p * panel_words;
        for (size_t i = i0; i < i1; i += MR) {
            const uint64_t *a0 = job->a + i * job->a_stride;
            int64_t pop[MR * NR];
            w1a1_tile(a0, a0 + job->a_stride, b, w->chunks, pop);
            beex_w1a1_store_tile(job, i, p * NR, MR, NR, pop, NR);
        }
    }
}

/* -x as the reference writes it: flips the sign bit when the weight bit is 1. */
static inline float apply_sign(float x, uint64_t word, unsigned bit)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    u ^= (uint32_t)((word >> bit) & 1u) << 31;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Four output columns share each activation load; each column sums in kernels/canon_sum.h's
 * sixteen lanes, as the reference does, so every variant's W1A32 result is the same bits. */
static void w1a32_block(const beex_w1a32_job *job, size_t i0, size_t i1, size_t j0, size_t j1)
{
    const beex_bmatrix *w = job->w;
    size_t k = w->k, kw = w->kwords;
    for (size_t i = i0; i < i1; i++) {
        const float *x = job->x + i * job->ldx;
        float *y = job->y + i * job->ldy;
        for (size_t j = j0; j < j1; j += 4) {
            size_t cols = j1 - j < 4 ? j1 - j : 4;
            const uint64_t *r[4];
            for (size_t c = 0; c < 4; c++) /* missing columns repeat the first; never stored */
                r[c] = w->rows + (j + (c < cols ? c : 0)) * kw;
            float l[4][BEEX_SUM_LANES] = {{0}};
            for (size_t kk = 0; kk < k; kk++) {
                size_t wd = kk / 64, lane = kk % BEEX_SUM_LANES;
                unsigned bit = (unsigned)(kk % 64);
                for (size_t c = 0; c < 4; c++)
                    l[c][lane] += apply_sign(x[kk], r[c][wd], bit);
            }
            for (size_t c = 0; c < cols; c++)
                y[j + c] =
                    beex_mul_then_add(job->alpha ? job->alpha[j + c] : 1.0f, beex_sum16_fold(l[c]),
                                      job->bias ? job->bias[j + c] : 0.0f);
        }
    }
}

const beex_bgemm_ops beex_bgemm_ops_scalar = {MR, NR, CW, w1a1_block, w1a32_block, NULL};
