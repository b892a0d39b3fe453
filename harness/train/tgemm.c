/* libxsmm computes column-major C = A * B. A row-major R x C matrix is the column-major C x R
 * one, so the row-major products map to libxsmm without copies, except dy^T in the weight
 * gradient, which is transposed once into scratch:
 *   forward        Y^T (out x M)  = Wt^T (out x in) * X^T (in x M)   A = wt, B = x
 *   backward data  dX^T (in x M)  = W^T (in x out) * dY^T (out x M)  A = w,  B = dy
 *   weight         dW^T (in x out) += X^T (in x M) * dY (M x out)    A = x,  B = dyt */
#include "harness/train/tgemm.h"

#include <libxsmm.h>
#include <stddef.h>
#include <string.h>

enum { TILE = 64, KCHUNK = 256 };

/* Plain loops for a shape libxsmm refuses (and as the reference of the tile order). */
static void plain(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                  int ldc, int beta_one)
{
    for (int j = 0; j < n; j++) {
        float *cj = c + (size_t)j * ldc;
        if (!beta_one)
            memset(cj, 0, (size_t)m * sizeof *cj);
        for (int p = 0; p < k; p++) {
            float bv = b[(size_t)j * ldb + p];
            const float *ap = a + (size_t)p * lda;
            for (int i = 0; i < m; i++)
                cj[i] += ap[i] * bv;
        }
    }
}

/* One block (m, n <= TILE, k <= KCHUNK) through libxsmm, or the plain loops. */
static void kernel(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                   int ldc, int beta_one)
{
    const libxsmm_blasint M = m, N = n, K = k, LA = lda, LB = ldb, LC = ldc;
    const float alpha = 1.0f, beta = beta_one ? 1.0f : 0.0f;
    libxsmm_smmfunction f = libxsmm_smmdispatch(M, N, K, &LA, &LB, &LC, &alpha, &beta, NULL, NULL);
    if (f != NULL)
        f(a, b, c);
    else
        plain(m, n, k, a, lda, b, ldb, c, ldc, beta_one);
}

/* One output tile (m x n, column-major at c) with the reduction in KCHUNK pieces. */
static void tile(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                 int ldc, int beta_one)
{
    for (int k0 = 0; k0 < k; k0 += KCHUNK) {
        int kb = k - k0 < KCHUNK ? k - k0 : KCHUNK;
        kernel(m, n, kb, a + (size_t)k0 * lda, lda, b + k0, ldb, c, ldc, beta_one || k0 > 0);
    }
}

void beex_tg_small(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                   int ldc, int beta_one)
{
    for (int j0 = 0; j0 < n; j0 += TILE)
        for (int i0 = 0; i0 < m; i0 += TILE) {
            int mb = m - i0 < TILE ? m - i0 : TILE, nb = n - j0 < TILE ? n - j0 : TILE;
            tile(mb, nb, k, a + i0, lda, b + (size_t)j0 * ldb, ldb, c + (size_t)j0 * ldc + i0, ldc,
                 beta_one);
        }
}

/* Column-major C (m x n) over the team: tiles of TILE x TILE. */
static void tiled(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                  int ldc, int beta_one)
{
    int mt = (m + TILE - 1) / TILE, nt = (n + TILE - 1) / TILE;
#pragma omp for schedule(static)
    for (int t = 0; t < mt * nt; t++) {
        int i0 = (t % mt) * TILE, j0 = (t / mt) * TILE;
        int mb = m - i0 < TILE ? m - i0 : TILE, nb = n - j0 < TILE ? n - j0 : TILE;
        tile(mb, nb, k, a + i0, lda, b + (size_t)j0 * ldb, ldb, c + (size_t)j0 * ldc + i0, ldc,
             beta_one);
    }
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
    tiled(out, M, in, wt, out, x, in, y, out, 1);
}

void beex_tg_backward_data(int M, int out, int in, const float *dy, const float *w, float *dx,
                           int accumulate)
{
    tiled(in, M, out, w, in, dy, out, dx, in, accumulate);
}

void beex_tg_transpose(int rows, int cols, const float *in, int ldin, float *out, int ldout)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            out[(size_t)c * ldout + r] = in[(size_t)r * ldin + c];
}

void beex_tg_backward_weight(int M, int out, int in, const float *dy, const float *x, float *dw,
                             float *db, float *dyt)
{
    /* dyt = dy^T in blocks of 16 output columns x 8 rows (8 contiguous stores per column);
     * the bias sums run along the rows with the columns as independent lanes, so they
     * vectorise and keep one order per column. */
    int nb = (out + 15) / 16;
#pragma omp for schedule(static)
    for (int blk = 0; blk < nb; blk++) {
        int j0 = blk * 16, j1 = j0 + 16 < out ? j0 + 16 : out;
        float sum[16] = {0};
        for (int r0 = 0; r0 < M; r0 += 8) {
            int r1 = r0 + 8 < M ? r0 + 8 : M;
            for (int j = j0; j < j1; j++)
                for (int r = r0; r < r1; r++)
                    dyt[(size_t)j * M + r] = dy[(size_t)r * out + j];
            for (int r = r0; r < r1; r++)
                for (int j = j0; j < j1; j++)
                    sum[j - j0] += dy[(size_t)r * out + j];
        }
        if (db != NULL)
            for (int j = j0; j < j1; j++)
                db[j] += sum[j - j0];
    } /* implicit barrier: dyt complete */
    tiled(in, out, M, x, in, dyt, M, dw, in, 1);
}
