/* The trainer's products in column-major form (a row-major R x C matrix is the column-major
 * C x R one), so that they map to the fp32 backend without copies (the weight gradient reads
 * dY as a transposed operand):
 *   forward        Y^T (out x M)  = Wt^T (out x in) * X^T (in x M)   A = wt, B = x
 *   backward data  dX^T (in x M)  = W^T (in x out) * dY^T (out x M)  A = w,  B = dy
 *   weight         dW^T (in x out) += X^T (in x M) * dY (M x out)    A = x,  B = dy ('T')
 * Each block goes to harness/model/forward_fp32.c's backend (the fgemm AVX-512 or NEON kernel,
 * libxsmm's AVX2 kernels, or the avx2 / scalar fgemm variant): one fmaf chain over k per
 * output whichever runs, the same bits as the engine's products. */
#include "harness/train/tgemm.h"

#include "harness/model/forward_fp32.h"

#include <stddef.h>
#include <string.h>

enum { TILE = 64, KCHUNK = 256 };

/* One output tile (m x n, column-major at c) with the reduction in KCHUNK pieces. */
static void tile(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                 int ldc, int beta_one, int trans_b)
{
    for (int k0 = 0; k0 < k; k0 += KCHUNK) {
        int kb = k - k0 < KCHUNK ? k - k0 : KCHUNK;
        const float *bk = trans_b ? b + (size_t)k0 * ldb : b + k0;
        beex_fp32_gemm_block(m, n, kb, a + (size_t)k0 * lda, lda, bk, ldb, trans_b, c, ldc,
                             beta_one || k0 > 0);
    }
}

/* The tile at (i0, j0) of C. */
static void tile_at(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                    int ldc, int beta_one, int trans_b, int i0, int j0)
{
    int mb = m - i0 < TILE ? m - i0 : TILE, nb = n - j0 < TILE ? n - j0 : TILE;
    const float *bj = trans_b ? b + j0 : b + (size_t)j0 * ldb;
    tile(mb, nb, k, a + i0, lda, bj, ldb, c + (size_t)j0 * ldc + i0, ldc, beta_one, trans_b);
}

void beex_tg_small(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                   int ldc, int beta_one)
{
    for (int j0 = 0; j0 < n; j0 += TILE)
        for (int i0 = 0; i0 < m; i0 += TILE)
            tile_at(m, n, k, a, lda, b, ldb, c, ldc, beta_one, 0, i0, j0);
}

void beex_tg_small_bt(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                      float *c, int ldc)
{
    for (int j0 = 0; j0 < n; j0 += TILE)
        for (int i0 = 0; i0 < m; i0 += TILE)
            tile_at(m, n, k, a, lda, b, ldb, c, ldc, 0, 1, i0, j0);
}

/* Column-major C (m x n) over the team: tiles of TILE x TILE. */
static void tiled(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                  int ldc, int beta_one, int trans_b)
{
    int mt = (m + TILE - 1) / TILE, nt = (n + TILE - 1) / TILE;
#pragma omp for schedule(static)
    for (int t = 0; t < mt * nt; t++)
        tile_at(m, n, k, a, lda, b, ldb, c, ldc, beta_one, trans_b, (t % mt) * TILE,
                (t / mt) * TILE);
}

void beex_tg_forward(int M, int in, int out, const float *x, const float *wt, const float *b,
                     float *y)
{
#pragma omp for schedule(static)
    for (int r = 0; r < M; r++) {
        float *yr = y + (size_t)r * out;
        if (b != NULL)
            memcpy(yr, b, (size_t)out * sizeof *yr);
        else
            memset(yr, 0, (size_t)out * sizeof *yr);
    }
    tiled(out, M, in, wt, out, x, in, y, out, 1, 0);
}

void beex_tg_backward_data(int M, int out, int in, const float *dy, const float *w, float *dx,
                           int accumulate)
{
    tiled(in, M, out, w, in, dy, out, dx, in, accumulate, 0);
}

void beex_tg_transpose(int rows, int cols, const float *in, int ldin, float *out, int ldout)
{
    /* 8 x 8 blocks: eight lines read and eight written per block, not one line per element */
    for (int r0 = 0; r0 < rows; r0 += 8)
        for (int c0 = 0; c0 < cols; c0 += 8) {
            int r1 = r0 + 8 < rows ? r0 + 8 : rows, c1 = c0 + 8 < cols ? c0 + 8 : cols;
            for (int c = c0; c < c1; c++)
                for (int r = r0; r < r1; r++)
                    out[(size_t)c * ldout + r] = in[(size_t)r * ldin + c];
        }
}

void beex_tg_backward_weight(int M, int out, int in, const float *dy, const float *x, float *dw,
                             float *db)
{
    /* Bias sums along the rows with the columns as independent lanes (they vectorise and
     * keep one order per column), then the product with dy read as a transposed operand. */
    int nb = (out + 15) / 16;
#pragma omp for schedule(static)
    for (int blk = 0; blk < nb; blk++) {
        int j0 = blk * 16, j1 = j0 + 16 < out ? j0 + 16 : out;
        float sum[16] = {0};
        for (int r = 0; r < M; r++)
            for (int j = j0; j < j1; j++)
                sum[j - j0] += dy[(size_t)r * out + j];
        if (db != NULL)
            for (int j = j0; j < j1; j++)
                db[j] += sum[j - j0];
    }
    tiled(in, out, M, x, in, dy, out, dw, in, 1, 1);
}
