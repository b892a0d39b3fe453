/* AMX-INT8 binarized GEMMs: W1A1 on TDPBSSD tiles (Sapphire Rapids and later).
 *
 * The arithmetic is avxvnni's (variants/avxvnni/bgemm.c): with bit 1 = negative and
 * s_wk = 1 - 2 w_k,
 *     popcount(A_i XOR W_j) = popcount(W_j) + sum_k a_k s_wk,
 * the sum taken by TDPBSSD over activation bytes a_k in {0, 1} and weight bytes s_wk in
 * {+1, -1} (both signed int8 to the instruction) into int32 tiles, exact (|sum| <= k < 2^31).
 * The XOR popcounts then go through the shared write-back (beex_w1a1_store_tile), so the
 * outputs are the scalar variant's bits.
 *
 * Weights: the same int8 panels as avxvnni's (16 columns, panel[k / 4][column][k % 4], 0 past
 * K, kpad = 64 kwords), made on the first W1A1 call: a B tile is 16 groups of 4 k of a panel,
 * rows of 64 bytes, exactly that layout. Activations: the driver's words expanded per call into
 * 0/1 bytes (one masked byte move per 64 bits), a run of rows at a time, rows of kpad bytes:
 * an A tile is 16 of them, 64 k wide. Tiles as in variants/amx/igemm.c: every tile 16 rows x
 * 64 bytes (palette 1), up to 2 x 2 C tiles (32 rows x 32 columns) in tmm0-3, A in tmm4-5, B
 * in tmm6-7; k pads to whole 64-byte blocks with zero weights, rows to 16 (the driver pads A
 * to lay.mr = 16), columns to 16 (the panels): every tile is full. Tiles are released at the
 * end of each call.
 *
 * GCC 12's _tile_loadd has no memory operand: the A tiles read the run buffer this function
 * has just written, so a compiler barrier after each expansion keeps those stores before the
 * loads; the panels are written only before their pointer is published (an atomic).
 * W1A32 is avx512's: it reads only the plain rows, which every layout keeps. */
#include <immintrin.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/bgemm_variant.h"
#include "kernels/thread_scratch.h"

enum { MR = 16, NR = 16, CW = 1, KB = 64 };

/* Bytes of expanded activation rows per run (at least 2 MR rows). */
#define RUN_BYTES (512 * 1024)

/* The 64-byte LDTILECFG operand: palette 1, tiles 0-7 all 16 rows x 64 bytes. */
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;
_Static_assert(sizeof(tile_config) == 64 && offsetof(tile_config, colsb) == 16 &&
                   offsetof(tile_config, rows) == 48,
               "LDTILECFG's 64-byte layout");

static const _Alignas(64) tile_config config = {
    .palette = 1,
    .colsb = {64, 64, 64, 64, 64, 64, 64, 64},
    .rows = {16, 16, 16, 16, 16, 16, 16, 16},
};

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
    const __m512i one = _mm512_set1_epi8(1);
    for (size_t r = r0; r < r1; r++) {
        const uint64_t *src = job->a + r * job->a_stride;
        uint8_t *dst = buf + (r - r0) * kwords * 64;
        for (size_t q = 0; q < kwords; q++)
            _mm512_store_si512(dst + 64 * q, _mm512_maskz_mov_epi8((__mmask64)src[q], one));
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

/* A rows a.. (nm row tiles of 16, row stride as) x panels b0, b1 (np of 16 columns) over
 * kblocks blocks of 64 k; c[t] receives C tile t (16 x 16 int32): t = 2 * row tile + panel. */
static void tiles(const uint8_t *a, size_t as, const int8_t *b0, const int8_t *b1, size_t kblocks,
                  int nm, int np, int32_t c[4][16 * 16])
{
    const uint8_t *a1 = a + 16 * as;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (size_t kb = 0; kb < kblocks; kb++) {
        _tile_loadd(4, a + kb * KB, as);
        _tile_loadd(6, b0 + kb * 16 * 64, 64);
        _tile_dpbssd(0, 4, 6);
        if (np > 1) {
            _tile_loadd(7, b1 + kb * 16 * 64, 64);
            _tile_dpbssd(1, 4, 7);
        }
        if (nm > 1) {
            _tile_loadd(5, a1 + kb * KB, as);
            _tile_dpbssd(2, 5, 6);
            if (np > 1)
                _tile_dpbssd(3, 5, 7);
        }
    }
    _tile_stored(0, c[0], 64);
    if (np > 1)
        _tile_stored(1, c[1], 64);
    if (nm > 1)
        _tile_stored(2, c[2], 64);
    if (nm > 1 && np > 1)
        _tile_stored(3, c[3], 64);
}

/* Without memory for the int8 copies: the XOR popcounts straight from the words (slow, exact).
 * Rows up to the tile's end exist: the driver pads A to a multiple of MR. */
static void w1a1_block_words(const beex_w1a1_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_bmatrix *w = job->w;
    int64_t pop[MR * NR];
    for (size_t p = p0; p < p1; p++)
        for (size_t i = i0; i < i1; i += MR) {
            memset(pop, 0, sizeof pop);
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
    size_t kpad = w->kwords * 64, kblocks = w->kwords;
    size_t run = RUN_BYTES / kpad / (2 * MR) * (2 * MR), rows = (i1 - i0 + MR - 1) / MR * MR;
    if (run < 2 * MR)
        run = 2 * MR;
    if (run > rows)
        run = rows;
    const int8_t *signs = weight_signs(w);
    uint8_t *buf = signs != NULL ? scratch_bytes(run * kpad) : NULL;
    if (buf == NULL) {
        w1a1_block_words(job, i0, i1, p0, p1);
        return;
    }
    _Alignas(64) int32_t c[4][16 * 16];
    int32_t popw[2][NR];
    int64_t pop[MR * NR];
    _tile_loadconfig(&config);
    for (size_t s0 = i0; s0 < i1; s0 += run) {
        /* Rows s0 .. s1, expanded up to a multiple of MR: a second row tile is taken only
         * when a row of it is below s1, so every row a tile loads is expanded. */
        size_t s1 = i1 - s0 < run ? i1 : s0 + run;
        expand_rows(job, s0, s0 + (s1 - s0 + MR - 1) / MR * MR, w->kwords, buf);
        __asm__ volatile("" ::: "memory"); /* the tile loads below read buf */
        for (size_t p = p0; p < p1; p += 2) {
            int np = p1 - p >= 2 ? 2 : 1;
            const int8_t *b0 = signs + p * NR * kpad, *b1 = np > 1 ? b0 + NR * kpad : b0;
            column_pops(w, p * NR, popw[0]);
            if (np > 1)
                column_pops(w, (p + 1) * NR, popw[1]);
            for (size_t i = s0; i < s1; i += 2 * MR) {
                int nm = s1 - i > MR ? 2 : 1;
                tiles(buf + (i - s0) * kpad, kpad, b0, b1, kblocks, nm, np, c);
                for (int t = 0; t < 4; t++) {
                    if (t / 2 >= nm || t % 2 >= np)
                        continue;
                    for (size_t r = 0; r < MR; r++)
                        for (size_t cc = 0; cc < NR; cc++)
                            pop[r * NR + cc] = (int64_t)popw[t % 2][cc] + c[t][r * 16 + cc];
                    beex_w1a1_store_tile(job, i + (size_t)(t / 2) * MR, (p + (size_t)(t % 2)) * NR,
                                         MR, NR, pop, NR);
                }
            }
        }
    }
    _tile_release();
}

static void w1a32_block(const beex_w1a32_job *job, size_t i0, size_t i1, size_t j0, size_t j1)
{
    beex_bgemm_ops_avx512.w1a32_block(job, i0, i1, j0, j1);
}

const beex_bgemm_ops beex_bgemm_ops_amx = {MR, NR, CW, w1a1_block, w1a32_block, NULL};
