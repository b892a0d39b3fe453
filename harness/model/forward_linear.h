/* One linear layer BL (docs/model.md sections 3, 3b) prepared for one precision and kernel
 * variant, possibly several model layers sharing an input fused into one wider layer
 * (Q|K|V, BL_1|BL_3), and run on a block of token rows. Private to the forward pass. */
#ifndef BEEX_MODEL_FORWARD_LINEAR_H
#define BEEX_MODEL_FORWARD_LINEAR_H

#include <stddef.h>
#include <stdint.h>

#include "harness/model/model.h"
#include "kernels/bgemm.h"
#include "kernels/igemm.h"

typedef struct {
    int in, out;
    float c;          /* w1a1: the input is centred by c before packing */
    float *wt;        /* fp32: in x out, wt[k * out + j] = W[j][k] */
    beex_bmatrix *bm; /* w1a32 / w1a1: weight signs in the variant's layout */
    float *alpha;     /* out: mean |W_j.| */
    float *bias;      /* out; in w1a1 with c != 0 the constant c * alpha_j * sum_k s_jk folded in */
    beex_imatrix *im; /* w8a8: int8 weights in the variant's layout */
    float *scale_w;   /* w8a8, out: sw_j * sx, one fp32 multiply made here */
    float inv;        /* w8a8: 1.0f / sx, the input's quantizer */
} beex_fwd_linear;

/* Builds one layer from `nparts` model layers with the same input width, outputs stacked in
 * order. Binary signs and alpha come from the model's bits/alpha, or are derived from the
 * latent weights when bits are absent; int8 rows and scales likewise from q8/qscale, and in
 * w8a8 the parts must share one act_scale > 0. Returns 0, or -1 with err set. */
int beex_fwd_linear_init(beex_fwd_linear *l, const beex_linear *const *parts, int nparts,
                         beex_precision prec, int isa, float c, char *err, size_t errlen);
void beex_fwd_linear_free(beex_fwd_linear *l);

/* y (m x out, stride ldy) from fp32 x (m x in, stride ldx): fp32 and w1a32 only. */
int beex_fwd_linear_run(const beex_fwd_linear *l, beex_precision prec, size_t m, const float *x,
                        size_t ldx, float *y, size_t ldy, int threads);

/* w1a1: y from activations already packed (bits rows of stride ldb, beta per row). */
int beex_fwd_linear_run_packed(const beex_fwd_linear *l, size_t m, const uint8_t *bits, size_t ldb,
                               const float *beta, float *y, size_t ldy, int threads);

/* w1a1 input packing of m rows (centred by c, beta per row), rows split across threads. */
int beex_fwd_pack_rows(int isa, const float *x, size_t m, size_t cols, size_t ldx, float c,
                       uint8_t *bits, size_t ldb, float *beta, int threads);

/* w8a8: y from activations already quantized (q rows of stride ldq bytes, the layer's inv). */
int beex_fwd_linear_run_int8(const beex_fwd_linear *l, size_t m, const int8_t *q, size_t ldq,
                             float *y, size_t ldy, int threads);

/* w8a8 input quantizing of m rows with one inv_scale (per tensor), rows split across threads
 * in chunks as beex_fwd_pack_rows splits them. */
int beex_fwd_quantize_rows(const float *x, size_t m, size_t cols, size_t ldx, float inv_scale,
                           int8_t *q, size_t ldq, int threads);

#endif
