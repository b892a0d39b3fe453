/* The trainer's matrix products over a whole mini-batch (all tokens of all examples as the
 * rows of one matrix), through the engine's fp32 backend (harness/model/forward_fp32.c: the
 * fgemm kernels or libxsmm pinned to AVX2, one fmaf chain per output on every CPU) in 64 x 64
 * output tiles with the reduction in fixed chunks of 256. Each output tile is computed by one
 * thread in the same order whatever the thread count, so results are bit-identical across
 * thread counts. The three products use orphaned `omp for` loops: called inside a parallel
 * region the team shares the tiles, outside one they run on the calling thread. Row-major
 * throughout. */
#ifndef BEEX_TRAIN_TGEMM_H
#define BEEX_TRAIN_TGEMM_H

/* y[M x out] = x[M x in] * wt[in x out] + b (b may be NULL). */
void beex_tg_forward(int M, int in, int out, const float *x, const float *wt, const float *b,
                     float *y);

/* dx[M x in] = (accumulate ? dx : 0) + dy[M x out] * w[out x in]. */
void beex_tg_backward_data(int M, int out, int in, const float *dy, const float *w, float *dx,
                           int accumulate);

/* dw[out x in] += dy^T x and db[out] += column sums of dy (db may be NULL). */
void beex_tg_backward_weight(int M, int out, int in, const float *dy, const float *x, float *dw,
                             float *db);

/* Column-major C (m x n, ldc) = beta * C + A (m x k, lda) * B (k x n, ldb), beta 0 or 1, on
 * the calling thread (attention's per-head products). */
void beex_tg_small(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                   int ldc, int beta_one);

/* Column-major C (m x n, ldc) = A (m x k, lda) * B^T with B stored n x k (ldb), on the
 * calling thread. */
void beex_tg_small_bt(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                      float *c, int ldc);

/* out[cols x rows] = in[rows x cols] transposed, on the calling thread. */
void beex_tg_transpose(int rows, int cols, const float *in, int ldin, float *out, int ldout);

#endif
