/* AVX-VNNI binarized GEMMs: W1A1 on the int8 dot-product unit (VEX VPDPBUSD on ymm).
 *
 * With bit 1 = negative, a_k and w_k the activation and weight bits and s_wk = 1 - 2 w_k:
 *     popcount(A_i XOR W_j) = sum_k (a_k + w_k - 2 a_k w_k) = popcount(W_j) + sum_k a_k s_wk
 * so the kernel sums a_k (unsigned bytes 0/1) times s_wk (signed bytes +-1) with VPDPBUSD in
 * int32 lanes, adds each column's popcount(W_j) and hands these XOR popcounts to the shared
 * write-back (beex_w1a1_store_tile): the outputs are the scalar variant's bits. Every step is
 * exact: a lane's sum is at most k < 2^31 in magnitude (beex_bmatrix_create refuses larger k).
 *
 * Weights: the signs expanded once into int8 panels of 16 columns in the VNNI layout (igemm's
 * kg = 4: panel[k / 4][column][k % 4]), +-1 for k < K and 0 past it, so padding adds nothing
 * whatever its activation byte; k is padded to whole 64-bit words (kpad = 64 kwords). The
 * driver has no repack hook, so they are made on the first W1A1 call (kernels/bgemm_variant.h's
 * signs8). Activations: the driver's packed words expanded per call into 0/1 bytes (per 32 bits:
 * VPSHUFB spreads each byte over 8 lanes, an AND keeps one bit per lane, VPMINUB makes it 1),
 * one run of rows at a time into a per-thread buffer that stays in L2 while every panel of the
 * block passes over it. The tile is igemm avxvnni's 6 rows x 16 columns: 12 accumulators, 2
 * weight registers and the broadcast activation group (15 of the 16 ymm).
 * W1A32 is avx2's: it reads only the plain rows, which every layout keeps. */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/bgemm_variant.h"
#include "kernels/thread_scratch.h"

enum { MR = 6, NR = 16, CW = 1 };

/* Bytes of expanded activation rows per run (at least MR rows). */
#define RUN_BYTES (256 * 1024)

/* The int8 panels (layout above), from the plain rows: a group of 4 k at a time through a
 * table of the 16 nibbles' sign bytes (little-endian: byte t is k % 4 = t), the last partial
 * group bit by bit (0 past K). */
static int8_t *expand_signs(const beex_bmatrix *w)
{
    size_t kpad = w->kwords * 64, bytes = w->npanels * NR * kpad, full = w->k / 4;
    int8_t *s = aligned_alloc(64, bytes);
    if (s == NULL)
        return NULL;
    memset(s, 0, bytes);
    uint32_t nibble[16];
    for (unsigned v = 0; v < 16; v++) {
        nibble[v] = 0;
        for (unsigned t = 0; t < 4; t++)
            nibble[v] |= (v >> t & 1u ? 0xFFu : 0x01u) << (8 * t);
    }
    for (size_t j = 0; j < w->n; j++) {
        const uint64_t *row = w->rows + j * w->kwords;
        int8_t *col = s + j / NR * NR * kpad + j % NR * 4;
        for (size_t g = 0; g < full; g++)
            memcpy(col + g * NR * 4, &nibble[row[g / 16] >> (g % 16 * 4) & 15u], 4);
        for (size_t k = full * 4; k < w->k; k++)
            col[full * NR * 4 + k % 4] = (row[k / 64] >> (k % 64)) & 1u ? -1 : 1;
    }
    return s;
}

/* The matrix's int8 panels, made by the first caller; NULL without memory. Threads that race
 * each make a copy and the first to publish it wins. The matrix lives in heap memory: only
 * its interface is const. */
static const int8_t *weight_signs(const beex_bmatrix *w)
{
    int8_t **slot = (int8_t **)&w->signs8;
    int8_t *s = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (s != NULL)
        return s;
    int8_t *fresh = expand_signs(w);
    if (fresh == NULL)
        return NULL;
    if (__atomic_compare_exchange_n(slot, &s, fresh, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return fresh;
    free(fresh);
    return s;
}

/* The calling thread's activation bytes (kernels/thread_scratch.h). */
static uint8_t *scratch_bytes(size_t bytes)
{
    return beex_thread_scratch(BEEX_SCRATCH_BGEMM_I8_A, bytes);
}

/* Rows [r0, r1) of the driver's words into 0/1 bytes, kpad = 64 kwords per row. */
static void expand_rows(const beex_w1a1_job *job, size_t r0, size_t r1, size_t kwords, uint8_t *buf)
{
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2,
                                            2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i pick = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    const __m256i one = _mm256_set1_epi8(1);
    for (size_t r = r0; r < r1; r++) {
        const uint64_t *src = job->a + r * job->a_stride;
        uint8_t *dst = buf + (r - r0) * kwords * 64;
        for (size_t q = 0; q < kwords; q++) {
            for (unsigned h = 0; h < 2; h++) {
                __m256i v = _mm256_set1_epi32((int)(uint32_t)(src[q] >> (32 * h)));
                v = _mm256_and_si256(_mm256_shuffle_epi8(v, spread), pick);
                _mm256_store_si256((__m256i *)(dst + 64 * q + 32 * h), _mm256_min_epu8(v, one));
            }
        }
    }
}

/* popcount(W_j) of columns j .. j + NR - 1 (0 past n). */
static void column_pops(const beex_bmatrix *w, size_t j, int32_t pop[NR])
{
    for (size_t c = 0; c < NR; c++) {
        uint64_t t = 0;
        if (j + c < w->n)
            for (size_t q = 0; q < w->kwords; q++)
                t += (uint64_t)__builtin_popcountll(w->rows[(j + c) * w->kwords + q]);
        pop[c] = (int32_t)t;
    }
}

static inline __m256i bcast32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

#define ROW(r)                                                                                     \
    do {                                                                                           \
        __m256i x = bcast32(a + (r)*as + 4 * g);                                                   \
        c##r##0 = _mm256_dpbusd_avx_epi32(c##r##0, x, b0);                                         \
        c##r##1 = _mm256_dpbusd_avx_epi32(c##r##1, x, b1);                                         \
    } while (0)
#define STORE_ROW(r)                                                                               \
    do {                                                                                           \
        _mm256_storeu_si256((__m256i *)(acc + (r)*NR), c##r##0);                                   \
        _mm256_storeu_si256((__m256i *)(acc + (r)*NR + 8), c##r##1);                               \
    } while (0)

/* The 6 x 16 micro-kernel over `groups` groups of 4 k: acc[r * NR + c] = sum_k a_rk s_ck. */
static inline __attribute__((always_inline)) void tile(const uint8_t *a, size_t as, const int8_t *b,
                                                       size_t groups, int32_t acc[MR * NR])
{
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256i c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (size_t g = 0; g < groups; g++) {
        const int8_t *bg = b + g * 4 * NR;
        __m256i b0 = _mm256_load_si256((const __m256i *)bg);
        __m256i b1 = _mm256_load_si256((const __m256i *)(bg + 32));
        ROW(0);
        ROW(1);
        ROW(2);
        ROW(3);
        ROW(4);
        ROW(5);
    }
    STORE_ROW(0);
    STORE_ROW(1);
    STORE_ROW(2);
    STORE_ROW(3);
    STORE_ROW(4);
    STORE_ROW(5);
}

/* Without memory for the int8 copies: the XOR popcounts straight from the words (slow, exact).
 * Rows up to the tile's end exist: the driver pads A to a multiple of MR. */
static void w1a1_block_words(const beex_w1a1_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_bmatrix *w = job->w;
    for (size_t p = p0; p < p1; p++)
        for (size_t i = i0; i < i1; i += MR) {
            int64_t pop[MR * NR] = {0};
            for (size_t r = 0; r < MR; r++)
                for (size_t c = 0; c < NR && p * NR + c < w->n; c++) {
                    const uint64_t *x = job->a + (i + r) * job->a_stride;
                    const uint64_t *y = w->rows + (p * NR + c) * w->kwords;
                    for (size_t q = 0; q < w->kwords; q++)
                        pop[r * NR + c] += __builtin_popcountll(x[q] ^ y[q]);
                }
            beex_w1a1_store_tile(job, i, p * NR, MR, NR, pop, NR);
        }
}

static void w1a1_block(const beex_w1a1_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_bmatrix *w = job->w;
    size_t kpad = w->kwords * 64, groups = (w->k + 3) / 4;
    size_t run = RUN_BYTES / kpad / MR * MR, rows = (i1 - i0 + MR - 1) / MR * MR;
    if (run < MR)
        run = MR;
    if (run > rows)
        run = rows;
    const int8_t *signs = weight_signs(w);
    uint8_t *buf = signs != NULL ? scratch_bytes(run * kpad) : NULL;
    if (buf == NULL) {
        w1a1_block_words(job, i0, i1, p0, p1);
        return;
    }
    for (size_t s0 = i0; s0 < i1; s0 += run) {
        size_t s1 = i1 - s0 < run ? i1 : s0 + run;
        expand_rows(job, s0, s0 + (s1 - s0 + MR - 1) / MR * MR, w->kwords, buf);
        for (size_t p = p0; p < p1; p++) {
            int32_t popw[NR], acc[MR * NR];
            int64_t pop[MR * NR];
            column_pops(w, p * NR, popw);
            for (size_t i = s0; i < s1; i += MR) {
                tile(buf + (i - s0) * kpad, kpad, signs + p * NR * kpad, groups, acc);
                for (size_t r = 0; r < MR; r++)
                    for (size_t c = 0; c < NR; c++)
                        pop[r * NR + c] = (int64_t)popw[c] + acc[r * NR + c];
                beex_w1a1_store_tile(job, i, p * NR, MR, NR, pop, NR);
            }
        }
    }
}

static void w1a32_block(const beex_w1a32_job *job, size_t i0, size_t i1, size_t j0, size_t j1)
{
    beex_bgemm_ops_avx2.w1a32_block(job, i0, i1, j0, j1);
}

const beex_bgemm_ops beex_bgemm_ops_avxvnni = {MR, NR, CW, w1a1_block, w1a32_block, NULL};
