/* NEON binarized GEMMs. W1A1: EOR + CNT + ADD per 128 bits on a 4 x 4 tile of byte
 * accumulators (16 + 4 A rows + 1 B row of the 32 vector registers), widened with UADDLV
 * into 64-bit totals every 31 chunks, before a byte could overflow (31 * 8 < 256). */
#include <arm_neon.h>

#include "kernels/bgemm_variant.h"
#include "kernels/canon_sum.h"

enum { MR = 4, NR = 4, CW = 2, FLUSH = 31 };

#define XPA(acc, a, b) acc = vaddq_u8(acc, vcntq_u8(veorq_u8(a, b)))
#define COLUMN(j)                                                                                  \
    do {                                                                                           \
        uint8x16_t bj = vld1q_u8((const uint8_t *)(bp + (j)*CW));                                  \
        XPA(c0##j, a0, bj);                                                                        \
        XPA(c1##j, a1, bj);                                                                        \
        XPA(c2##j, a2, bj);                                                                        \
        XPA(c3##j, a3, bj);                                                                        \
    } while (0)
#define FLUSH_ROW(r)                                                                               \
    do {                                                                                           \
        pop[(r)*NR + 0] += vaddlvq_u8(c##r##0);                                                    \
        pop[(r)*NR + 1] += vaddlvq_u8(c##r##1);                                                    \
        pop[(r)*NR + 2] += vaddlvq_u8(c##r##2);                                                    \
        pop[(r)*NR + 3] += vaddlvq_u8(c##r##3);                                                    \
    } while (0)

static void w1a1_tile(const uint64_t *a, size_t as, const uint64_t *b, size_t chunks,
                      int64_t pop[MR * NR])
{
    for (int t = 0; t < MR * NR; t++)
        pop[t] = 0;
    for (size_t c0 = 0; c0 < chunks; c0 += FLUSH) {
        size_t c1 = chunks - c0 < FLUSH ? chunks : c0 + FLUSH;
        uint8x16_t c00 = vdupq_n_u8(0), c01 = c00, c02 = c00, c03 = c00;
        uint8x16_t c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        uint8x16_t c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        uint8x16_t c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        const uint64_t *bp = b + c0 * NR * CW;
        for (size_t c = c0; c < c1; c++, bp += NR * CW) {
            uint8x16_t a0 = vld1q_u8((const uint8_t *)(a + c * CW));
            uint8x16_t a1 = vld1q_u8((const uint8_t *)(a + as + c * CW));
            uint8x16_t a2 = vld1q_u8((const uint8_t *)(a + 2 * as + c * CW));
            uint8x16_t a3 = vld1q_u8((const uint8_t *)(a + 3 * as + c * CW));
            COLUMN(0);
            COLUMN(1);
            COLUMN(2);
            COLUMN(3);
        }
        FLUSH_ROW(0);
        FLUSH_ROW(1);
        FLUSH_ROW(2);
        FLUSH_ROW(3);
    }
}

static void w1a1_block(const beex_w1a1_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_bmatrix *w = job->w;
    size_t panel_words = w->chunks * NR * CW;
    for (size_t p = p0; p < p1; p++) {
        const uint64_t *b = w->panels + p * panel_words;
        for (size_t i = i0; i < i1; i += MR) {
            int64_t pop[MR * NR];
            w1a1_tile(job->a + i * job->a_stride, job->a_stride, b, w->chunks, pop);
            beex_w1a1_store_tile(job, i, p * NR, MR, NR, pop, NR);
        }
    }
}

/* Sign bits of 4 consecutive weights -> the sign-bit mask of 4 lanes. */
static inline uint32x4_t sign_mask4(unsigned bits)
{
    const uint32_t lane_bit[4] = {1, 2, 4, 8};
    uint32x4_t set = vtstq_u32(vdupq_n_u32(bits), vld1q_u32(lane_bit));
    return vandq_u32(set, vdupq_n_u32(0x80000000u));
}

/* W1A32: one row x 4 columns, each column's sum in kernels/canon_sum.h's sixteen lanes (four
 * registers), sign applied by EOR; the last (K mod 16) elements go to their lanes in scalar.
 * The same bits as the reference and every variant. */
static void w1a32_block(const beex_w1a32_job *job, size_t i0, size_t i1, size_t j0, size_t j1)
{
    const beex_bmatrix *w = job->w;
    size_t k = w->k, kw = w->kwords, k16 = k / 16 * 16;
    for (size_t i = i0; i < i1; i++) {
        const float *x = job->x + i * job->ldx;
        for (size_t j = j0; j < j1; j += 4) {
            size_t cols = j1 - j < 4 ? j1 - j : 4;
            const uint64_t *r[4];
            for (size_t c = 0; c < 4; c++) /* missing columns repeat the first; never stored */
                r[c] = w->rows + (j + (c < cols ? c : 0)) * kw;
            float32x4_t s[4][4];
            for (int c = 0; c < 4; c++)
                for (int q = 0; q < 4; q++)
                    s[c][q] = vdupq_n_f32(0.0f);
            for (size_t kk = 0; kk < k16; kk += 16)
                for (int q = 0; q < 4; q++) {
                    size_t at = kk + 4 * (size_t)q;
                    uint32x4_t xv = vreinterpretq_u32_f32(vld1q_f32(x + at));
                    for (int c = 0; c < 4; c++) {
                        unsigned bits = (unsigned)(r[c][at / 64] >> (at % 64)) & 0xFu;
                        s[c][q] = vaddq_f32(s[c][q],
                                            vreinterpretq_f32_u32(veorq_u32(xv, sign_mask4(bits))));
                    }
                }
            for (size_t c = 0; c < cols; c++) {
                float l[BEEX_SUM_LANES];
                for (int q = 0; q < 4; q++)
                    vst1q_f32(l + 4 * q, s[c][q]);
                for (size_t kk = k16; kk < k; kk++)
                    l[kk - k16] += ((r[c][kk / 64] >> (kk % 64)) & 1u) ? -x[kk] : x[kk];
                job->y[i * job->ldy + j + c] =
                    beex_mul_then_add(job->alpha ? job->alpha[j + c] : 1.0f, beex_sum16_fold(l),
                                      job->bias ? job->bias[j + c] : 0.0f);
            }
        }
    }
}

const beex_bgemm_ops beex_bgemm_ops_neon = {MR, NR, CW, w1a1_block, w1a32_block, NULL};
