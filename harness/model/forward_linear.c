/* Preparing and running one (possibly fused) BL layer in fp32, w1a32, w1a1 or w8a8. */
#include "harness/model/forward_linear.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/forward_fp32.h"
#include "kernels/chunks.h"
#include "kernels/pack.h"
#include "kernels/team.h"

/* sign bits and alpha of one layer from its latent weights (docs/model.md section 3). */
static void derive_bits(const beex_linear *p, uint8_t *bits, size_t ldb, float *alpha)
{
    for (int j = 0; j < p->rows; j++) {
        const float *w = p->weight + (size_t)j * p->cols;
        uint8_t *row = bits + (size_t)j * ldb;
        memset(row, 0, ldb);
        double s = 0.0;
        for (int k = 0; k < p->cols; k++) {
            if (w[k] < 0.0f)
                row[k / 8] |= (uint8_t)(1u << (k % 8));
            s += fabs((double)w[k]);
        }
        alpha[j] = (float)(s / (double)p->cols);
    }
}

/* w8a8 (docs/model.md section 3b): the parts' int8 rows stacked and repacked for the variant,
 * scale_w_j = sw_j * sx, inv = 1 / sx; the bias is already in place. */
static int init_int8(beex_fwd_linear *l, const beex_linear *const *parts, int nparts, int isa,
                     char *err, size_t errlen)
{
    int in = l->in, out = l->out;
    float sx = parts[0]->act_scale;
    for (int p = 0; p < nparts; p++)
        if (!(parts[p]->act_scale > 0.0f) || parts[p]->act_scale != sx) {
            snprintf(err, errlen, "%s",
                     sx > 0.0f ? "fused w8a8 layers disagree on their input's activation scale"
                               : BEEX_W8A8_UNCALIBRATED);
            return -1;
        }
    int8_t *q = malloc((size_t)out * (size_t)in);
    l->scale_w = malloc((size_t)out * sizeof *l->scale_w);
    if (q == NULL || l->scale_w == NULL) {
        free(q);
        snprintf(err, errlen, "out of memory preparing a %d x %d layer", out, in);
        return -1;
    }
    int j0 = 0;
    for (int p = 0; p < nparts; p++) {
        const beex_linear *s = parts[p];
        size_t n = (size_t)s->rows * (size_t)in;
        if (s->q8 != NULL && s->qscale != NULL) {
            memcpy(q + (size_t)j0 * in, s->q8, n);
            memcpy(l->scale_w + j0, s->qscale, (size_t)s->rows * sizeof *l->scale_w);
        } else if (s->weight != NULL) {
            beex_int8_rows(s->weight, (size_t)s->rows, (size_t)in, q + (size_t)j0 * in,
                           l->scale_w + j0);
        } else {
            snprintf(err, errlen, "a w8a8 layer has neither q8 + qscale nor weights");
            free(q);
            return -1;
        }
        j0 += s->rows;
    }
    for (int j = 0; j < out; j++)
        l->scale_w[j] = l->scale_w[j] * sx;
    l->inv = 1.0f / sx;
    int rc = beex_imatrix_create(q, (size_t)out, (size_t)in, (size_t)in, isa, &l->im);
    free(q);
    if (rc != BEEX_OK) {
        snprintf(err, errlen, "cannot repack int8 weights for variant %s (code %d)",
                 beex_isa_name((beex_isa)isa), rc);
        return -1;
    }
    return 0;
}

int beex_fwd_linear_init(beex_fwd_linear *l, const beex_linear *const *parts, int nparts,
                         beex_precision prec, int isa, float c, char *err, size_t errlen)
{
    memset(l, 0, sizeof *l);
    int in = parts[0]->cols, out = 0;
    for (int p = 0; p < nparts; p++) {
        if (parts[p]->cols != in) {
            snprintf(err, errlen, "fused layers disagree on the input width");
            return -1;
        }
        out += parts[p]->rows;
    }
    l->in = in;
    l->out = out;
    l->c = c;
    l->bias = calloc((size_t)out, sizeof *l->bias);
    l->alpha = calloc((size_t)out, sizeof *l->alpha);
    if (l->bias == NULL || l->alpha == NULL)
        goto nomem;
    int j0 = 0;
    for (int p = 0; p < nparts; p++) {
        if (parts[p]->bias != NULL)
            memcpy(l->bias + j0, parts[p]->bias, (size_t)parts[p]->rows * sizeof *l->bias);
        j0 += parts[p]->rows;
    }

    if (prec == BEEX_PREC_FP32) {
        l->wt = malloc((size_t)in * (size_t)out * sizeof *l->wt);
        if (l->wt == NULL)
            goto nomem;
        j0 = 0;
        for (int p = 0; p < nparts; p++) {
            if (parts[p]->weight == NULL) {
                snprintf(err, errlen,
                         "the fp32 twin needs latent weights; this is a deployment model");
                beex_fwd_linear_free(l);
                return -1;
            }
            for (int j = 0; j < parts[p]->rows; j++)
                for (int k = 0; k < in; k++)
                    l->wt[(size_t)k * out + j0 + j] = parts[p]->weight[(size_t)j * in + k];
            j0 += parts[p]->rows;
        }
        return 0;
    }
    if (prec == BEEX_PREC_W8A8) {
        if (init_int8(l, parts, nparts, isa, err, errlen) != 0) {
            beex_fwd_linear_free(l);
            return -1;
        }
        return 0;
    }

    size_t ldb = beex_packed_row_bytes((size_t)in);
    uint8_t *bits = malloc((size_t)out * ldb);
    if (bits == NULL)
        goto nomem;
    j0 = 0;
    for (int p = 0; p < nparts; p++) {
        const beex_linear *q = parts[p];
        if (q->bits != NULL && q->alpha != NULL) {
            memcpy(bits + (size_t)j0 * ldb, q->bits, (size_t)q->rows * ldb);
            memcpy(l->alpha + j0, q->alpha, (size_t)q->rows * sizeof *l->alpha);
        } else if (q->weight != NULL) {
            derive_bits(q, bits + (size_t)j0 * ldb, ldb, l->alpha + j0);
        } else {
            snprintf(err, errlen, "a binarized layer has neither bits + alpha nor weights");
            free(bits);
            beex_fwd_linear_free(l);
            return -1;
        }
        j0 += q->rows;
    }
    if (prec == BEEX_PREC_W1A1 && c != 0.0f) {
        /* y_j gains c * alpha_j * sum_k s_jk (docs/model.md section 3), a constant per row. */
        for (int j = 0; j < out; j++) {
            int neg = 0;
            for (int k = 0; k < in; k++)
                neg += (bits[(size_t)j * ldb + (size_t)k / 8] >> (k % 8)) & 1;
            l->bias[j] += c * l->alpha[j] * (float)(in - 2 * neg);
        }
    }
    int rc = beex_bmatrix_create(bits, (size_t)out, (size_t)in, ldb, isa, &l->bm);
    free(bits);
    if (rc != BEEX_OK) {
        snprintf(err, errlen, "cannot repack weights for variant %s (code %d)",
                 beex_isa_name((beex_isa)isa), rc);
        beex_fwd_linear_free(l);
        return -1;
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory preparing a %d x %d layer", out, in);
    beex_fwd_linear_free(l);
    return -1;
}

void beex_fwd_linear_free(beex_fwd_linear *l)
{
    if (l == NULL)
        return;
    free(l->wt);
    free(l->alpha);
    free(l->bias);
    free(l->scale_w);
    beex_bmatrix_free(l->bm);
    beex_imatrix_free(l->im);
    memset(l, 0, sizeof *l);
}

int beex_fwd_linear_run(const beex_fwd_linear *l, beex_precision prec, size_t m, const float *x,
                        size_t ldx, float *y, size_t ldy, int threads)
{
    if (m == 0)
        return BEEX_OK;
    if (prec == BEEX_PREC_FP32) {
        beex_fp32_gemm_xwt(m, (size_t)l->out, (size_t)l->in, x, ldx, l->wt, (size_t)l->out, l->bias,
                           y, ldy, threads);
        return BEEX_OK;
    }
    if (prec == BEEX_PREC_W1A32)
        return beex_gemm_w1a32(l->bm, m, x, ldx, l->alpha, l->bias, y, ldy, threads);
    return BEEX_EINVAL;
}

int beex_fwd_linear_run_packed(const beex_fwd_linear *l, size_t m, const uint8_t *bits, size_t ldb,
                               const float *beta, float *y, size_t ldy, int threads)
{
    if (m == 0)
        return BEEX_OK;
    return beex_bgemm_w1a1(l->bm, m, bits, ldb, beta, l->alpha, l->bias, y, ldy, threads);
}

int beex_fwd_linear_run_int8(const beex_fwd_linear *l, size_t m, const int8_t *q, size_t ldq,
                             float *y, size_t ldy, int threads)
{
    if (m == 0)
        return BEEX_OK;
    /* Per-tensor activation scale: already in scale_w, so no per-row scale_a. */
    return beex_igemm_w8a8(l->im, m, q, ldq, NULL, l->scale_w, l->bias, y, ldy, threads);
}

typedef struct {
    int isa;
    const float *x;
    size_t cols, ldx, ldb;
    float c;
    uint8_t *bits;
    float *beta;
} pack_job;

static int pack_chunk(void *p, size_t r0, size_t r1)
{
    const pack_job *j = p;
    return beex_pack_signs_rows_isa(j->isa, j->x + r0 * j->ldx, r1 - r0, j->cols, j->ldx, j->c,
                                    j->bits + r0 * j->ldb, j->ldb, j->beta + r0);
}

/* Rows are taken in chunks from a shared counter (kernels/chunks.h), about four per thread and
 * none under PACK_MIN_ELEMENTS floats, so that a faster core packs more of them: equal static
 * shares waited for the slower core. Packing a float costs about a nanosecond at most, so a
 * chunk is a few microseconds, against the tenth of one its scheduling costs. */
#define PACK_CHUNKS_PER_THREAD 4
#define PACK_MIN_ELEMENTS 4096

int beex_fwd_pack_rows(int isa, const float *x, size_t m, size_t cols, size_t ldx, float c,
                       uint8_t *bits, size_t ldb, float *beta, int threads)
{
    if (m == 0)
        return BEEX_OK;
    pack_job job = {isa, x, cols, ldx, ldb, c, bits, beta};
    size_t min_rows = cols > 0 ? (PACK_MIN_ELEMENTS + cols - 1) / cols : m;
    beex_chunks ch =
        beex_chunks_plan(m, beex_team_threads(threads), PACK_CHUNKS_PER_THREAD, min_rows);
    /* In a caller's team every thread returns the same code (beex_for_chunks). */
    return beex_for_chunks(&ch, threads, pack_chunk, &job);
}

typedef struct {
    const float *x;
    size_t cols, ldx, ldq;
    float inv;
    int8_t *q;
} quantize_job;

static int quantize_chunk(void *p, size_t r0, size_t r1)
{
    const quantize_job *j = p;
    return beex_i8_quantize_rows(j->x + r0 * j->ldx, r1 - r0, j->cols, j->ldx, j->inv,
                                 j->q + r0 * j->ldq, j->ldq);
}

/* The same chunks as the packing: quantizing a float costs about as much as packing one. */
int beex_fwd_quantize_rows(const float *x, size_t m, size_t cols, size_t ldx, float inv_scale,
                           int8_t *q, size_t ldq, int threads)
{
    if (m == 0)
        return BEEX_OK;
    quantize_job job = {x, cols, ldx, ldq, inv_scale, q};
    size_t min_rows = cols > 0 ? (PACK_MIN_ELEMENTS + cols - 1) / cols : m;
    beex_chunks ch =
        beex_chunks_plan(m, beex_team_threads(threads), PACK_CHUNKS_PER_THREAD, min_rows);
    return beex_for_chunks(&ch, threads, quantize_chunk, &job);
}
