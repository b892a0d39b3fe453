/* The bgemm family's registry and driver: picks a variant, repacks weights into its panel
 * layout, packs the activations per call, and spreads output blocks over OpenMP threads.
 * The arithmetic itself lives in variants/<isa>/bgemm.c. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/bgemm.h"
#include "kernels/bgemm_variant.h"
#include "kernels/pack.h"
#include "kernels/registry.h"
#include "kernels/team.h"
#include "kernels/thread_scratch.h"

/* The dispatch table, from kernels/bgemm_list.h. */
static const beex_bgemm_ops *const bgemm_table[BEEX_ISA_COUNT] = {
#define BEEX_BGEMM_VARIANT(E, ops) BEEX_IF_BUILT(E, [BEEX_ISA_##E] = &ops, )
#include "kernels/bgemm_list.h"
#undef BEEX_BGEMM_VARIANT
};

static int bgemm_has(beex_isa isa)
{
    return (int)isa >= 0 && isa < BEEX_ISA_COUNT && bgemm_table[isa] != NULL;
}

int beex_bgemm_opt_in(beex_isa isa)
{
    /* W1A1 through the int8 units (signs as +-1 bytes): measured on the Xeon VM at a third of
     * the AVX-512 popcount kernel's rate (VNNI), and never run on real AMX. They are timed
     * when named (BEEX_ISA, --variant, a sweep's "all"), never picked on their own. */
    return isa == BEEX_ISA_AVXVNNI || isa == BEEX_ISA_AMX;
}

/* The automatic choice: opt-in entries only when forced. */
static int bgemm_auto_has(beex_isa isa)
{
    return bgemm_has(isa) && (!beex_bgemm_opt_in(isa) || beex_isa_forced() == (int)isa);
}

static int bgemm_pick(void)
{
    return beex_isa_pick(bgemm_auto_has, -1);
}

const char *beex_bgemm_variant(void)
{
    int isa = bgemm_pick();
    return isa < 0 ? "none" : beex_isa_name((beex_isa)isa);
}

const beex_op_family beex_family_bgemm = {
    "bgemm", "binarized GEMM: W1A1 XNOR-popcount (fused scale/bias) and W1A32", bgemm_has,
    beex_bgemm_variant};

/* Loads the packed little-endian row of k bits into words, clearing bits past k (they must
 * never count, whatever the caller left there). */
static void load_row_words(const uint8_t *src, size_t k, uint64_t *dst, size_t nwords)
{
    size_t kb = beex_packed_row_bytes(k);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(dst, src, kb); /* little-endian words hold the bytes in file order */
    memset((uint8_t *)dst + kb, 0, nwords * sizeof *dst - kb);
#else
    memset(dst, 0, nwords * sizeof *dst);
    for (size_t b = 0; b < kb; b++)
        dst[b / 8] |= (uint64_t)src[b] << (8 * (b % 8));
#endif
    if (k % 64 != 0)
        dst[k / 64] &= (UINT64_C(1) << (k % 64)) - 1;
}

static void *alloc_words(size_t nwords)
{
    size_t bytes = nwords * sizeof(uint64_t);
    bytes = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes == 0 ? 64 : bytes);
    if (p != NULL)
        memset(p, 0, bytes);
    return p;
}

int beex_bmatrix_create(const uint8_t *bits, size_t n, size_t k, size_t ldb, int isa,
                        beex_bmatrix **out)
{
    if (out != NULL)
        *out = NULL;
    if (bits == NULL || out == NULL || n == 0 || k == 0 || ldb < beex_packed_row_bytes(k) ||
        isa < -1 || isa >= BEEX_ISA_COUNT || k > (size_t)INT32_MAX)
        return BEEX_EINVAL;
    /* An isa this family lacks runs its nearest ancestor (kernels/cpu.h); -1 takes the
     * automatic choice, which leaves out the opt-in entries. */
    isa = isa < 0 ? bgemm_pick() : beex_isa_pick(bgemm_has, isa);
    if (isa < 0)
        return BEEX_EUNSUPPORTED;
    const beex_bgemm_ops *ops = bgemm_table[isa];
    beex_bmatrix *w = calloc(1, sizeof *w);
    if (w == NULL)
        return BEEX_ENOMEM;
    w->isa = (beex_isa)isa;
    w->ops = ops;
    beex_bgemm_layout *lay = &w->lay;
    if (ops->layout != NULL) {
        ops->layout(k, lay);
    } else {
        lay->mr = ops->mr, lay->nr = ops->nr, lay->cw = ops->cw;
        for (unsigned r = 0; r < lay->nr; r++)
            lay->slot[r] = (unsigned char)r;
    }
    if (lay->mr == 0 || lay->cw == 0 || lay->nr == 0 || lay->nr > BEEX_BGEMM_MAX_NR) {
        free(w); /* a variant's layout out of the contract: refuse, never overrun slot[] */
        return BEEX_EINVAL;
    }
    w->n = n;
    w->k = k;
    w->kwords = (k + 63) / 64;
    w->chunks = (w->kwords + lay->cw - 1) / lay->cw;
    w->npanels = (n + lay->nr - 1) / lay->nr;
    size_t row_words = w->chunks * lay->cw;
    w->panels = alloc_words(w->npanels * lay->nr * row_words);
    w->rows = alloc_words(n * w->kwords);
    uint64_t *tmp = alloc_words(row_words);
    if (w->panels == NULL || w->rows == NULL || tmp == NULL) {
        free(tmp);
        beex_bmatrix_free(w);
        return BEEX_ENOMEM;
    }
    for (size_t j = 0; j < n; j++) {
        load_row_words(bits + j * ldb, k, tmp, row_words);
        memcpy(w->rows + j * w->kwords, tmp, w->kwords * sizeof *tmp);
        uint64_t *panel = w->panels + (j / lay->nr) * lay->nr * row_words;
        size_t r = j % lay->nr;
        for (size_t c = 0; c < w->chunks; c++)
            memcpy(panel + (c * lay->nr + lay->slot[r]) * lay->cw, tmp + c * lay->cw,
                   lay->cw * sizeof *tmp);
    }
    free(tmp);
    *out = w;
    return BEEX_OK;
}

void beex_bmatrix_free(beex_bmatrix *w)
{
    if (w == NULL)
        return;
    free(w->panels);
    free(w->rows);
    free(w->signs8);
    free(w);
}

size_t beex_bmatrix_rows(const beex_bmatrix *w)
{
    return w ? w->n : 0;
}
size_t beex_bmatrix_cols(const beex_bmatrix *w)
{
    return w ? w->k : 0;
}
beex_isa beex_bmatrix_isa(const beex_bmatrix *w)
{
    return w ? w->isa : BEEX_ISA_SCALAR;
}

/* The calling thread's activation words (kernels/thread_scratch.h). */
static uint64_t *scratch_words(size_t nwords)
{
    return beex_thread_scratch(BEEX_SCRATCH_BGEMM_A, nwords * sizeof(uint64_t));
}

static int team_size(int threads)
{
    return beex_team_threads(threads);
}

/* The A rows of the in-team call under way (kernels/team.h): one such call runs at a time in
 * a process (the engine's block region), between the barrier after thread 0 loads them and the
 * barrier ending the worksharing. */
static uint64_t *team_abuf;

/* Rows [i0, i1) of A into the word layout; pad = the caller zeroes rows m..mpad. */
static void load_rows(uint64_t *abuf, const uint8_t *a, size_t lda, size_t k, size_t i0, size_t i1,
                      size_t stride)
{
    for (size_t i = i0; i < i1; i++)
        load_row_words(a + i * lda, k, abuf + i * stride, stride);
}

static void load_a(uint64_t *abuf, const uint8_t *a, size_t lda, size_t k, size_t m, size_t mpad,
                   size_t stride)
{
    load_rows(abuf, a, lda, k, 0, m, stride);
    memset(abuf + m * stride, 0, (mpad - m) * stride * sizeof *abuf);
}

/* Block b of the W1A1 output: row block b % mblocks, panel block b / mblocks. */
static void w1a1_run_block(const beex_w1a1_job *job, long b, size_t mblocks, size_t mc, size_t pc)
{
    const beex_bmatrix *w = job->w;
    size_t mb = (size_t)b % mblocks, pb = (size_t)b / mblocks;
    size_t i0 = mb * mc, i1 = i0 + mc < job->m ? i0 + mc : job->m;
    size_t p0 = pb * pc, p1 = p0 + pc < w->npanels ? p0 + pc : w->npanels;
    w->ops->w1a1_block(job, i0, i1, p0, p1);
}

/* Threads take W1A1 blocks dynamically, so a faster core takes more of them, and the idle
 * tail at the end is at most one block on the slower core. At 16 blocks per thread that tail
 * is at most a sixteenth of a thread's share (a few per cent on average), under the tenth
 * the two-core target allows; at the 4 per thread of before, with one core 20 % slower, the
 * fast one could wait a quarter of its share for the slow one's last block. No block falls
 * below about 4 M bMACs (2 us on an AVX-512 core, 15 us on scalar): its scheduling (one
 * atomic) and its reload of the row block from L2 stay far below its work. */
#define W1A1_BLOCKS_PER_THREAD 16
#define W1A1_MIN_BLOCK_BMACS 4.0e6
/* Rows of A loaded per chunk when the team shares the loading. */
#define W1A1_LOAD_ROWS 64

typedef struct {
    size_t mc, mblocks, pc, pblocks;
} w1a1_plan;

/* Row blocks of about 128 KiB of packed activations stay in L2 while one weight panel (a few
 * KiB) stays in L1 and is reused by every tile of the block; the panels are then split until
 * the team has its blocks. Row blocks start at multiples of the variant's tile height, so every
 * tile, and every output, is the same whatever the split. */
static w1a1_plan plan_blocks(const beex_bmatrix *w, size_t mpad, size_t stride, int nt)
{
    const beex_bgemm_layout *lay = &w->lay;
    w1a1_plan p;
    size_t mc = (size_t)(128 * 1024) / (stride * sizeof(uint64_t));
    mc = mc / lay->mr * lay->mr;
    if (mc < lay->mr)
        mc = lay->mr;
    if (mc > 512)
        mc = 512 / lay->mr * lay->mr;
    size_t mblocks = (mpad + mc - 1) / mc;
    mc = ((mpad + mblocks - 1) / mblocks + lay->mr - 1) / lay->mr * lay->mr; /* even blocks */
    p.mc = mc;
    p.mblocks = (mpad + mc - 1) / mc;
    size_t nsplit = 1;
    if (nt > 1) {
        double bmacs = (double)mpad * (double)w->n * (double)w->k;
        double most = bmacs / W1A1_MIN_BLOCK_BMACS;
        size_t want = (size_t)nt * W1A1_BLOCKS_PER_THREAD;
        if (most < (double)want)
            want = most < 1.0 ? 1 : (size_t)most;
        nsplit = (want + p.mblocks - 1) / p.mblocks;
        if (nsplit > w->npanels)
            nsplit = w->npanels;
        if (nsplit < 1)
            nsplit = 1;
    }
    p.pc = (w->npanels + nsplit - 1) / nsplit;
    p.pblocks = (w->npanels + p.pc - 1) / p.pc;
    return p;
}

/* Packs A, cuts the output into blocks (plan_blocks) and runs the variant's block function on
 * each: on the calling thread when there is one thread or one block (entering an OpenMP
 * region costs about a microsecond, a large share of a model-sized call), otherwise on an
 * OpenMP team taking blocks dynamically. */
static int w1a1_run(const beex_bmatrix *w, size_t m, const uint8_t *a, size_t lda,
                    beex_w1a1_job *job, int threads)
{
    if (w == NULL || a == NULL || m == 0 || lda < beex_packed_row_bytes(w->k))
        return BEEX_EINVAL;
    if (!beex_isa_available(w->isa, NULL))
        return BEEX_EUNSUPPORTED;
    const beex_bgemm_layout *lay = &w->lay;
    size_t stride = w->chunks * lay->cw;
    size_t mpad = (m + lay->mr - 1) / lay->mr * lay->mr;
    int nt = team_size(threads);
    w1a1_plan p = plan_blocks(w, mpad, stride, nt);
    long nblocks = (long)(p.mblocks * p.pblocks);
    /* Two blocks per thread at least (8 M bMACs, a few microseconds): below that the fork
     * or barrier and the slower core's one block can cost what a second thread saves. */
    if (nblocks < 2 * (long)nt)
        nt = nblocks >= 4 ? (int)(nblocks / 2) : 1;
    /* In a caller's team the team's first thread loads A into its scratch and the others read
     * it (thread 0 is the caller's own thread: scratch in the pool's other threads would be
     * lost when the pool shrinks); without memory every thread still reaches the worksharing
     * below, or the others would wait at its barrier forever, and reports the error. */
    int team = beex_is_team(threads);
    uint64_t *abuf = NULL;
    if (team) {
        if (omp_get_thread_num() == 0) {
            team_abuf = scratch_words(mpad * stride);
            if (team_abuf != NULL)
                load_a(team_abuf, a, lda, w->k, m, mpad, stride);
        }
#pragma omp barrier
        abuf = team_abuf;
    } else {
        abuf = scratch_words(mpad * stride);
        if (abuf == NULL)
            return BEEX_ENOMEM;
    }
    job->w = w;
    job->m = m;
    job->a = abuf;
    job->a_stride = stride;

    if (team) {
        if (nt == 1 || nblocks == 1) {
#pragma omp single
            for (long b = 0; b < nblocks && abuf != NULL; b++)
                w1a1_run_block(job, b, p.mblocks, p.mc, p.pc);
        } else {
#pragma omp for schedule(dynamic, 1)
            for (long b = 0; b < nblocks; b++)
                if (abuf != NULL)
                    w1a1_run_block(job, b, p.mblocks, p.mc, p.pc);
        }
        return abuf != NULL ? BEEX_OK : BEEX_ENOMEM;
    }
    if (nt == 1 || nblocks == 1) { /* no OpenMP region: entering one costs about a microsecond */
        load_a(abuf, a, lda, w->k, m, mpad, stride);
        for (long b = 0; b < nblocks; b++)
            w1a1_run_block(job, b, p.mblocks, p.mc, p.pc);
        return BEEX_OK;
    }
    /* The team loads A too, in chunks of rows taken like the blocks: on a large product the
     * load is a few per cent of the time, serial on the calling thread it would be Amdahl's. */
    memset(abuf + m * stride, 0, (mpad - m) * stride * sizeof *abuf);
    long lchunks = (long)((m + W1A1_LOAD_ROWS - 1) / W1A1_LOAD_ROWS);
#pragma omp parallel num_threads(nt)
    {
#pragma omp for schedule(dynamic, 1)
        for (long c = 0; c < lchunks; c++) {
            size_t i0 = (size_t)c * W1A1_LOAD_ROWS;
            size_t i1 = i0 + W1A1_LOAD_ROWS < m ? i0 + W1A1_LOAD_ROWS : m;
            load_rows(abuf, a, lda, w->k, i0, i1, stride);
        }
#pragma omp for schedule(dynamic, 1)
        for (long b = 0; b < nblocks; b++)
            w1a1_run_block(job, b, p.mblocks, p.mc, p.pc);
    }
    return BEEX_OK;
}

int beex_bgemm_w1a1_dot(const beex_bmatrix *w, size_t m, const uint8_t *a, size_t lda, int32_t *dot,
                        size_t ldd, int threads)
{
    if (w == NULL || dot == NULL || ldd < w->n)
        return BEEX_EINVAL;
    beex_w1a1_job job = {0};
    job.dot = dot;
    job.ldd = ldd;
    return w1a1_run(w, m, a, lda, &job, threads);
}

int beex_bgemm_w1a1(const beex_bmatrix *w, size_t m, const uint8_t *a, size_t lda,
                    const float *scale_a, const float *scale_w, const float *bias, float *y,
                    size_t ldy, int threads)
{
    if (w == NULL || y == NULL || ldy < w->n)
        return BEEX_EINVAL;
    beex_w1a1_job job = {0};
    job.y = y;
    job.ldy = ldy;
    job.scale_a = scale_a;
    job.scale_w = scale_w;
    job.bias = bias;
    return w1a1_run(w, m, a, lda, &job, threads);
}

/* Block b of the W1A32 output: row block b % mblocks, column block b / mblocks. */
static void w1a32_run_block(const beex_w1a32_job *job, long b, size_t mblocks, size_t mc, size_t nc)
{
    size_t m = job->m, n = job->w->n;
    size_t mb = (size_t)b % mblocks, nb = (size_t)b / mblocks;
    size_t i1 = (mb + 1) * mc < m ? (mb + 1) * mc : m;
    size_t j1 = (nb + 1) * nc < n ? (nb + 1) * nc : n;
    job->w->ops->w1a32_block(job, mb * mc, i1, nb * nc, j1);
}

int beex_gemm_w1a32(const beex_bmatrix *w, size_t m, const float *x, size_t ldx, const float *alpha,
                    const float *bias, float *y, size_t ldy, int threads)
{
    if (w == NULL || x == NULL || y == NULL || m == 0 || ldx < w->k || ldy < w->n)
        return BEEX_EINVAL;
    if (!beex_isa_available(w->isa, NULL))
        return BEEX_EUNSUPPORTED;
    beex_w1a32_job job = {w, m, x, ldx, alpha, bias, y, ldy};
    const size_t mc = 32, nc = 64;
    size_t mblocks = (m + mc - 1) / mc, nblocks_n = (w->n + nc - 1) / nc;
    long nblocks = (long)(mblocks * nblocks_n);
    int nt = team_size(threads);

    if (beex_is_team(threads)) {
        if (nt == 1 || nblocks == 1) {
#pragma omp single
            for (long b = 0; b < nblocks; b++)
                w1a32_run_block(&job, b, mblocks, mc, nc);
        } else {
#pragma omp for schedule(dynamic, 1)
            for (long b = 0; b < nblocks; b++)
                w1a32_run_block(&job, b, mblocks, mc, nc);
        }
        return BEEX_OK;
    }
    if (nt == 1 || nblocks == 1) {
        for (long b = 0; b < nblocks; b++)
            w1a32_run_block(&job, b, mblocks, mc, nc);
        return BEEX_OK;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (long b = 0; b < nblocks; b++)
        w1a32_run_block(&job, b, mblocks, mc, nc);
    return BEEX_OK;
}
