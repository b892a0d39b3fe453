/* The igemm family's registry and driver: picks a variant, repacks weights into its panel
 * layout (kernels/igemm_variant.h), lays out the activations for it per call, and shares the
 * output blocks among threads in chunks (kernels/chunks.h). The arithmetic itself lives in
 * variants/<isa>/igemm.c; the quantizers are dispatched here too. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/chunks.h"
#include "kernels/igemm.h"
#include "kernels/igemm_variant.h"
#include "kernels/registry.h"
#include "kernels/team.h"
#include "kernels/thread_scratch.h"

/* The dispatch table, from kernels/igemm_list.h. */
static const beex_igemm_ops *const igemm_table[BEEX_ISA_COUNT] = {
#define BEEX_IGEMM_VARIANT(E, ops) BEEX_IF_BUILT(E, [BEEX_ISA_##E] = &ops, )
#include "kernels/igemm_list.h"
#undef BEEX_IGEMM_VARIANT
};

/* A line in the list whose int8 code runs on this CPU (its ops' run-time check passes). */
static int igemm_has(beex_isa isa)
{
    if ((int)isa < 0 || isa >= BEEX_ISA_COUNT || igemm_table[isa] == NULL)
        return 0;
    return igemm_table[isa]->missing == NULL || igemm_table[isa]->missing() == NULL;
}

const char *beex_igemm_missing(beex_isa isa)
{
    const char *why = NULL;
    if ((int)isa < 0 || isa >= BEEX_ISA_COUNT)
        return "unknown variant";
    if (!beex_isa_available(isa, &why))
        return why;
    if (igemm_table[isa] == NULL)
        return "the igemm family's list has no line for this variant";
    return igemm_table[isa]->missing != NULL ? igemm_table[isa]->missing() : NULL;
}

const char *beex_igemm_variant(void)
{
    int isa = beex_isa_pick(igemm_has, -1);
    return isa < 0 ? "none" : beex_isa_name((beex_isa)isa);
}

const beex_op_family beex_family_igemm = {
    "igemm", "int8 GEMM W8A8 (exact int32 dots, fused scales/bias) and the int8 quantizers",
    igemm_has, beex_igemm_variant};

static void *alloc_zeroed(size_t bytes)
{
    bytes = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes == 0 ? 64 : bytes);
    if (p != NULL)
        memset(p, 0, bytes == 0 ? 64 : bytes);
    return p;
}

/* A variant's layout within the contract (never trust it to overrun a buffer). */
static int layout_ok(const beex_igemm_layout *l)
{
    if (l->mr == 0 || l->mr > 64 || l->nr == 0 || l->nr > BEEX_IGEMM_MAX_NR || l->kg == 0 ||
        l->kalign == 0 || l->kalign % l->kg != 0 || l->a_mode > BEEX_IGEMM_A_PAIRS8)
        return 0;
    return l->a_mode != BEEX_IGEMM_A_PAIRS8 || (l->mr % 2 == 0 && l->kalign % 8 == 0);
}

int beex_imatrix_create(const int8_t *w, size_t n, size_t k, size_t ldw, int isa,
                        beex_imatrix **out)
{
    if (out != NULL)
        *out = NULL;
    if (w == NULL || out == NULL || n == 0 || k == 0 || k > BEEX_IGEMM_MAX_K || ldw < k ||
        isa < -1 || isa >= BEEX_ISA_COUNT)
        return BEEX_EINVAL;
    isa = beex_isa_pick(igemm_has, isa);
    if (isa < 0)
        return BEEX_EUNSUPPORTED;
    beex_imatrix *m = calloc(1, sizeof *m);
    if (m == NULL)
        return BEEX_ENOMEM;
    m->isa = (beex_isa)isa;
    m->ops = igemm_table[isa];
    m->ops->layout(k, &m->lay);
    const beex_igemm_layout *l = &m->lay;
    if (!layout_ok(l)) {
        free(m);
        return BEEX_EINVAL;
    }
    m->n = n;
    m->k = k;
    m->kpad = (k + l->kalign - 1) / l->kalign * l->kalign;
    m->npanels = (n + l->nr - 1) / l->nr;
    m->panels = alloc_zeroed(m->npanels * l->nr * m->kpad);
    m->comp = l->comp ? alloc_zeroed(m->npanels * l->nr * sizeof *m->comp) : NULL;
    if (m->panels == NULL || (l->comp && m->comp == NULL)) {
        beex_imatrix_free(m);
        return BEEX_ENOMEM;
    }
    size_t nr = l->nr, kg = l->kg;
    for (size_t j = 0; j < n; j++) {
        const int8_t *src = w + j * ldw;
        int8_t *dst = m->panels + (j / nr) * nr * m->kpad + (j % nr) * kg;
        int32_t sum = 0;
        for (size_t kk = 0; kk < k; kk++) {
            dst[(kk / kg) * nr * kg + kk % kg] = src[kk];
            sum += src[kk];
        }
        if (m->comp != NULL)
            m->comp[j] = 128 * sum;
    }
    *out = m;
    return BEEX_OK;
}

void beex_imatrix_free(beex_imatrix *w)
{
    if (w == NULL)
        return;
    free(w->panels);
    free(w->comp);
    free(w);
}

size_t beex_imatrix_rows(const beex_imatrix *w)
{
    return w ? w->n : 0;
}
size_t beex_imatrix_cols(const beex_imatrix *w)
{
    return w ? w->k : 0;
}
beex_isa beex_imatrix_isa(const beex_imatrix *w)
{
    return w ? w->isa : BEEX_ISA_SCALAR;
}

/* The calling thread's activation panels (kernels/thread_scratch.h). */
static uint8_t *scratch_bytes(size_t bytes)
{
    return beex_thread_scratch(BEEX_SCRATCH_IGEMM_A, bytes);
}

/* The A rows of the in-team call under way (kernels/team.h): written by the team's thread 0
 * before a barrier, read by all, and not written again before the call's last barrier. */
static uint8_t *team_abuf;

typedef struct {
    const beex_igemm_layout *lay;
    const int8_t *a;
    size_t lda, k, m, kpad;
    uint8_t *abuf;
    size_t stride; /* bytes per packed row */
} pack_ctx;

/* Tiles [t0, t1) of mr rows of A into the variant's layout; rows past m are zero. */
static void pack_tiles(void *p, size_t t0, size_t t1)
{
    const pack_ctx *c = p;
    const beex_igemm_layout *l = c->lay;
    for (size_t i = t0 * l->mr; i < t1 * l->mr; i++) {
        static const int8_t none[1] = {0};
        const int8_t *src = i < c->m ? c->a + i * c->lda : none;
        size_t k = i < c->m ? c->k : 0; /* a padding row copies nothing */
        uint8_t *dst = c->abuf + i * c->stride;
        switch (l->a_mode) {
        case BEEX_IGEMM_A_INT8:
            memcpy(dst, src, k);
            memset(dst + k, 0, c->stride - k);
            break;
        case BEEX_IGEMM_A_UINT8:
            for (size_t kk = 0; kk < k; kk++)
                dst[kk] = (uint8_t)src[kk] ^ 0x80u;
            memset(dst + k, 0, c->stride - k);
            break;
        case BEEX_IGEMM_A_INT16: {
            int16_t *d16 = (int16_t *)(void *)dst;
            for (size_t kk = 0; kk < k; kk++)
                d16[kk] = src[kk];
            memset(d16 + k, 0, (c->kpad - k) * sizeof *d16);
            break;
        }
        case BEEX_IGEMM_A_PAIRS8: {
            uint8_t *pair = c->abuf + (i & ~(size_t)1) * c->stride + (i % 2) * 8;
            for (size_t g = 0; g < c->kpad / 8; g++) {
                size_t lo = g * 8, n = lo >= k ? 0 : k - lo < 8 ? k - lo : 8;
                if (n > 0)
                    memcpy(pair + g * 16, src + lo, n);
                memset(pair + g * 16 + n, 0, 8 - n);
            }
            break;
        }
        }
    }
}

/* Chunks of output: items are (row block, panel) pairs, panel-major inside a row block, so a
 * chunk is a run of panels (the variant may pair them, as amx does) over one or two row
 * blocks. 16 chunks per thread, none under about 1 M int8 MACs (a few microseconds on a VNNI
 * core): the idle tail is at most one small chunk on the slower core (kernels/chunks.h). */
#define IGEMM_CHUNKS_PER_THREAD 16
#define IGEMM_MIN_CHUNK_MACS 1.0e6
/* Rows of packed A per row block: about 128 KiB, in L2 while the panels stream past. */
#define IGEMM_ROW_BLOCK_BYTES (128 * 1024)
/* The team packs A in chunks of at least this much (less is not worth a second thread). */
#define IGEMM_PACK_MIN_BYTES (256 * 1024)

typedef struct {
    const beex_igemm_job *job;
    size_t mc, npanels;
} block_ctx;

static void run_items(void *p, size_t lo, size_t hi)
{
    const block_ctx *c = p;
    const beex_igemm_job *job = c->job;
    while (lo < hi) {
        size_t mb = lo / c->npanels, p0 = lo % c->npanels;
        size_t p1 = p0 + (hi - lo) < c->npanels ? p0 + (hi - lo) : c->npanels;
        size_t i0 = mb * c->mc, i1 = i0 + c->mc < job->m ? i0 + c->mc : job->m;
        job->w->ops->block(job, i0, i1, p0, p1);
        lo += p1 - p0;
    }
}

/* Rows per row block: a multiple of mr near IGEMM_ROW_BLOCK_BYTES of packed A, the blocks of
 * nearly equal size. Which block or thread computes a tile never changes its bits. */
static size_t row_block(size_t mpad, size_t stride, unsigned mr)
{
    size_t mc = IGEMM_ROW_BLOCK_BYTES / stride / mr * mr;
    if (mc < mr)
        mc = mr;
    if (mc > 512)
        mc = 512 / mr * mr; /* mr <= 64 (layout_ok) */
    size_t blocks = (mpad + mc - 1) / mc;
    return ((mpad + blocks - 1) / blocks + mr - 1) / mr * mr;
}

/* Packs A for the variant, then runs its block function over the output in chunks: on the
 * calling thread (one thread, or one chunk), on a new team, or on the caller's team
 * (beex_in_team): there the team's thread 0 owns the buffer and every thread makes the same
 * two worksharing calls, with no work in them when there is no memory. */
static int igemm_run(const beex_imatrix *w, size_t m, const int8_t *a, size_t lda,
                     beex_igemm_job *job, int threads)
{
    if (w == NULL || a == NULL || m == 0 || lda < w->k)
        return BEEX_EINVAL;
    if (!beex_isa_available(w->isa, NULL))
        return BEEX_EUNSUPPORTED;
    const beex_igemm_layout *l = &w->lay;
    size_t mpad = (m + l->mr - 1) / l->mr * l->mr;
    size_t stride = w->kpad * (l->a_mode == BEEX_IGEMM_A_INT16 ? 2 : 1);
    int nt = beex_team_threads(threads);
    uint8_t *abuf;
    if (beex_is_team(threads)) {
        if (omp_get_thread_num() == 0)
            team_abuf = scratch_bytes(mpad * stride);
#pragma omp barrier
        abuf = team_abuf;
    } else {
        abuf = scratch_bytes(mpad * stride);
        if (abuf == NULL)
            return BEEX_ENOMEM;
    }

    pack_ctx pc = {l, a, lda, w->k, m, w->kpad, abuf, stride};
    size_t tiles = abuf != NULL ? mpad / l->mr : 0;
    size_t tile_bytes = l->mr * stride;
    beex_chunks packs =
        beex_chunks_plan(tiles, nt, 4, (IGEMM_PACK_MIN_BYTES + tile_bytes - 1) / tile_bytes);
    beex_for_chunks_void(&packs, threads, pack_tiles, &pc);

    job->w = w;
    job->m = m;
    job->a = abuf;
    job->a_stride = stride;
    block_ctx bc = {job, row_block(mpad, stride, l->mr), w->npanels};
    size_t mblocks = (mpad + bc.mc - 1) / bc.mc;
    size_t items = abuf != NULL ? mblocks * w->npanels : 0;
    double item_macs = (double)bc.mc * (double)l->nr * (double)w->kpad;
    size_t min_items = (size_t)(IGEMM_MIN_CHUNK_MACS / item_macs) + 1;
    beex_chunks work = beex_chunks_plan(items, nt, IGEMM_CHUNKS_PER_THREAD, min_items);
    beex_for_chunks_void(&work, threads, run_items, &bc);
    return abuf != NULL ? BEEX_OK : BEEX_ENOMEM;
}

int beex_igemm_dot(const beex_imatrix *w, size_t m, const int8_t *a, size_t lda, int32_t *dot,
                   size_t ldd, int threads)
{
    if (w == NULL || dot == NULL || ldd < w->n)
        return BEEX_EINVAL;
    beex_igemm_job job = {0};
    job.dot = dot;
    job.ldd = ldd;
    return igemm_run(w, m, a, lda, &job, threads);
}

int beex_igemm_w8a8(const beex_imatrix *w, size_t m, const int8_t *a, size_t lda,
                    const float *scale_a, const float *scale_w, const float *bias, float *y,
                    size_t ldy, int threads)
{
    if (w == NULL || y == NULL || ldy < w->n)
        return BEEX_EINVAL;
    beex_igemm_job job = {0};
    job.y = y;
    job.ldy = ldy;
    job.scale_a = scale_a;
    job.scale_w = scale_w;
    job.bias = bias;
    return igemm_run(w, m, a, lda, &job, threads);
}

/* The quantizer of variant isa (resolved as the GEMM's): its own, or its nearest ancestor's
 * (beex_igemm_ops.quantize_row NULL: amx runs avx512's, avxvnni avx2's). */
static int quant_ops(int isa, const beex_igemm_ops **out)
{
    if (isa < -1 || isa >= BEEX_ISA_COUNT)
        return BEEX_EINVAL;
    for (int v = beex_isa_pick(igemm_has, isa); v >= 0; v = beex_isa_parent((beex_isa)v))
        if (igemm_table[v] != NULL && igemm_table[v]->quantize_row != NULL &&
            igemm_table[v]->amax_row != NULL) {
            *out = igemm_table[v];
            return BEEX_OK;
        }
    return BEEX_EUNSUPPORTED;
}

int beex_i8_quantize_rows_isa(int isa, const float *x, size_t m, size_t k, size_t ldx,
                              float inv_scale, int8_t *q, size_t ldq)
{
    if (x == NULL || q == NULL || m == 0 || k == 0 || ldx < k || ldq < k)
        return BEEX_EINVAL;
    const beex_igemm_ops *ops = NULL;
    int rc = quant_ops(isa, &ops);
    if (rc != BEEX_OK)
        return rc;
    for (size_t i = 0; i < m; i++)
        ops->quantize_row(x + i * ldx, k, inv_scale, q + i * ldq);
    return BEEX_OK;
}

int beex_i8_quantize_rows_dynamic_isa(int isa, const float *x, size_t m, size_t k, size_t ldx,
                                      int8_t *q, size_t ldq, float *scale)
{
    if (x == NULL || q == NULL || scale == NULL || m == 0 || k == 0 || ldx < k || ldq < k)
        return BEEX_EINVAL;
    const beex_igemm_ops *ops = NULL;
    int rc = quant_ops(isa, &ops);
    if (rc != BEEX_OK)
        return rc;
    for (size_t i = 0; i < m; i++) {
        /* max is exact in any order, and the two divisions are the same scalar code for every
         * variant: the scales and inverses are the same bits everywhere. */
        float amax = ops->amax_row(x + i * ldx, k);
        scale[i] = amax / 127.0f;
        float inv = scale[i] != 0.0f ? 1.0f / scale[i] : 0.0f;
        ops->quantize_row(x + i * ldx, k, inv, q + i * ldq);
    }
    return BEEX_OK;
}

int beex_i8_quantize_rows(const float *x, size_t m, size_t k, size_t ldx, float inv_scale,
                          int8_t *q, size_t ldq)
{
    return beex_i8_quantize_rows_isa(-1, x, m, k, ldx, inv_scale, q, ldq);
}

int beex_i8_quantize_rows_dynamic(const float *x, size_t m, size_t k, size_t ldx, int8_t *q,
                                  size_t ldq, float *scale)
{
    return beex_i8_quantize_rows_dynamic_isa(-1, x, m, k, ldx, q, ldq, scale);
}
