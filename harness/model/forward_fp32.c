/* The fp32 products of the forward pass and of the trainer (harness/train/tgemm.c). Every
 * output element is one chain of fused multiply-adds over k in increasing order, starting
 * from the bias (or +0.0), so that the bits are the same on every CPU (docs/determinism.md).
 * Three backends compute exactly that chain; one is chosen per process, at the first product,
 * from the fgemm variant (kernels/fgemm.h) that BEEX_ISA forces or that is the CPU's best:
 * - avx512, neon: beex's own outer-product micro-kernel (variants/<isa>/fgemm.c), at the
 *   full width of the vector unit. libxsmm's AVX-512 kernels cannot stand in: for narrow
 *   tiles (m <= 16) they split k over several accumulators (693 of 660,813 outputs differed
 *   from the chain on random shapes).
 * - avx2, scalar: libxsmm's JIT (libxsmm_smmdispatch) pinned to its AVX2 target "hsw", where
 *   libxsmm is built in and the CPU has AVX2. Its AVX2 kernels compute the chain on every
 *   shape tried (tests/harness/train/test_fp32_exact.c) and are faster than a simple AVX2
 *   micro-kernel. A JIT target without FMA (SSE/AVX, e.g. LIBXSMM_TARGET=snb) rounds product
 *   and sum apart and is refused.
 * - the fgemm variant itself (avx2, or scalar: fmaf) where libxsmm is absent (arm64,
 *   BEEX_WITH_LIBXSMM=OFF) or refused, and for a shape libxsmm gives no kernel for.
 * The choice follows BEEX_ISA, not an engine's own variant (`beex run --variant`): the
 * backend is one per process, and the bits are the same whichever it is.
 *
 * The products are column-major C = A * B (libxsmm's convention). A row-major Y = X W^T (m
 * tokens x n outputs) is the column-major n x m matrix Y^T = W X^T: A = W^T stored as wt
 * (column-major n x k, lda = ldw), B = X read as column-major k x m (ldb = ldx), C = Y as
 * column-major n x m (ldc = ldy). The weight is transposed once at engine creation so that no
 * product needs a transposed operand. */
#include "harness/model/forward_fp32.h"

#if BEEX_HAVE_LIBXSMM
#include <libxsmm.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "kernels/chunks.h"
#include "kernels/cpu.h"
#include "kernels/fgemm.h"
#include "kernels/team.h"

/* Tile of the output: NB outputs x MB tokens, K summed in KB chunks (A panel 256 x 64 and
 * B panel 64 x 256 floats stay in L2). */
#define NB 64
#define MB 64
#define KB 256

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
/* The fgemm variant: the backend, or libxsmm's stand-in for a shape it refuses. */
static const beex_fgemm_ops *fgemm = &beex_fgemm_ops_ref;
static int use_libxsmm;
static int backend_ok;
static const char *backend_why = "not initialised";
static char why_buf[192];
static char backend_name[64];
static unsigned long fallback_tiles;

/* The fgemm variant is the backend: backend_ok says whether it is the fast path of this
 * CPU, else why_fmt (one %s: the variant) says why it stands in. */
static void use_fgemm(int fast, const char *why_fmt)
{
    use_libxsmm = 0;
    backend_ok = fast;
    if (fast) {
        backend_why = NULL;
    } else {
        snprintf(why_buf, sizeof why_buf, why_fmt, fgemm->name);
        backend_why = why_buf;
    }
}

static void choose_backend(void)
{
    const beex_fgemm_ops *v = beex_fgemm_get(-1);
    if (v != NULL) /* else BEEX_ISA names a variant the family lacks: every list has them all */
        fgemm = v;
    if (fgemm == beex_fgemm_get(BEEX_ISA_AVX512) || fgemm == beex_fgemm_get(BEEX_ISA_NEON)) {
        use_fgemm(1, NULL);
        return;
    }
#if !BEEX_HAVE_LIBXSMM
    use_fgemm(0, "built without libxsmm (BEEX_WITH_LIBXSMM): beex fgemm %s in use");
#else
    libxsmm_init();
    if (libxsmm_get_target_archid() < LIBXSMM_X86_AVX2) {
        /* SSE/AVX kernels round the product and the sum apart: other bits than fmaf. */
        use_fgemm(0, "libxsmm's JIT target has no FMA (below AVX2): beex fgemm %s in use, so "
                     "that the bits stay those of every other CPU");
        return;
    }
    /* Above AVX2 (AVX-512 targets) the kernels reorder some sums: pin the exact ones. */
    libxsmm_set_target_arch("hsw");
    libxsmm_blasint m = 64, n = 64, k = 64, ld = 64;
    float alpha = 1.0f, beta = 1.0f;
    libxsmm_smmfunction f = libxsmm_smmdispatch(m, n, k, &ld, &ld, &ld, &alpha, &beta, NULL, NULL);
    if (f == NULL) {
        use_fgemm(0, "libxsmm_smmdispatch returned no kernel for 64x64x64 (JIT unsupported on "
                     "this CPU or build): beex fgemm %s in use");
        return;
    }
    use_libxsmm = 1;
    backend_ok = 1;
    backend_why = NULL;
#endif
}

static void init_backend(void)
{
    choose_backend();
#if BEEX_HAVE_LIBXSMM
    if (use_libxsmm) {
        snprintf(backend_name, sizeof backend_name, "libxsmm %s (JIT)", libxsmm_get_target_arch());
        return;
    }
#endif
    snprintf(backend_name, sizeof backend_name, "beex fgemm %s (exact fmaf chain)", fgemm->name);
}

int beex_fp32_backend_ready(const char **why)
{
    pthread_once(&init_once, init_backend);
    if (why != NULL)
        *why = backend_why;
    return backend_ok;
}

unsigned long beex_fp32_fallback_tiles(void)
{
    return __atomic_load_n(&fallback_tiles, __ATOMIC_RELAXED);
}

/* One product on the calling thread, through the backend (init_backend has run). */
static void mm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, int trans_b,
               float *c, int ldc, int beta_one)
{
#if BEEX_HAVE_LIBXSMM
    if (use_libxsmm) {
        /* B stored n x k is libxsmm's 'T' for B, which 1.17 JITs ('T' for A it does not). */
        const libxsmm_blasint M = m, N = n, K = k, LA = lda, LB = ldb, LC = ldc;
        const float alpha = 1.0f, beta = beta_one ? 1.0f : 0.0f;
        const int flags = trans_b ? LIBXSMM_GEMM_FLAGS('N', 'T') : LIBXSMM_GEMM_FLAGS('N', 'N');
        libxsmm_smmfunction f =
            libxsmm_smmdispatch(M, N, K, &LA, &LB, &LC, &alpha, &beta, &flags, NULL);
        if (f != NULL) {
            f(a, b, c);
            return;
        }
        __atomic_add_fetch(&fallback_tiles, 1, __ATOMIC_RELAXED);
    }
#endif
    fgemm->gemm(m, n, k, a, lda, b, ldb, trans_b, c, ldc, beta_one);
}

void beex_fp32_gemm_block(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                          int trans_b, float *c, int ldc, int beta_one)
{
    pthread_once(&init_once, init_backend);
    mm(m, n, k, a, lda, b, ldb, trans_b, c, ldc, beta_one);
}

void beex_fp32_small_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                          float *c, int ldc)
{
    pthread_once(&init_once, init_backend);
    mm(m, n, k, a, lda, b, ldb, 0, c, ldc, 0);
}

/* Output tile (ti, tj) of Y = X W^T + bias: one thread computes it whole, K chunks in order,
 * so the result does not depend on how tiles are shared. */
static void xwt_tile(size_t m, size_t n, size_t k, const float *x, size_t ldx, const float *wt,
                     size_t ldw, const float *bias, float *y, size_t ldy, long ti, long tj)
{
    size_t i0 = (size_t)ti * MB, j0 = (size_t)tj * NB;
    int mb = (int)(m - i0 < MB ? m - i0 : MB), nb = (int)(n - j0 < NB ? n - j0 : NB);
    for (int i = 0; i < mb; i++) {
        float *yr = y + (i0 + (size_t)i) * ldy + j0;
        if (bias != NULL)
            memcpy(yr, bias + j0, (size_t)nb * sizeof *yr);
        else
            memset(yr, 0, (size_t)nb * sizeof *yr);
    }
    for (size_t k0 = 0; k0 < k; k0 += KB) {
        int kb = (int)(k - k0 < KB ? k - k0 : KB);
        mm(nb, mb, kb, wt + k0 * ldw + j0, (int)ldw, x + i0 * ldx + k0, (int)ldx, 0,
           y + i0 * ldy + j0, (int)ldy, 1);
    }
}

typedef struct {
    size_t m, n, k, ldx, ldw, ldy;
    const float *x, *wt, *bias;
    float *y;
    long nt; /* tiles across n */
} xwt_job;

static void xwt_tiles(void *p, size_t lo, size_t hi)
{
    const xwt_job *j = p;
    for (size_t tile = lo; tile < hi; tile++)
        xwt_tile(j->m, j->n, j->k, j->x, j->ldx, j->wt, j->ldw, j->bias, j->y, j->ldy,
                 (long)tile / j->nt, (long)tile % j->nt);
}

/* Tiles are taken one at a time from a shared counter (kernels/chunks.h), so that a faster
 * core takes more of them: an equal static share waited for the slower core. A tile is 64 x 64
 * outputs over all of k (at least a quarter of a million multiply-adds), far above the cost of
 * taking it. Which thread computes a tile does not change its bits. */
void beex_fp32_gemm_xwt(size_t m, size_t n, size_t k, const float *x, size_t ldx, const float *wt,
                        size_t ldw, const float *bias, float *y, size_t ldy, int threads)
{
    pthread_once(&init_once, init_backend);
    long mt = (long)((m + MB - 1) / MB), nt = (long)((n + NB - 1) / NB);
    xwt_job job = {m, n, k, ldx, ldw, ldy, x, wt, bias, y, nt};
    size_t tiles = (size_t)(mt * nt);
    beex_chunks c = beex_chunks_plan(tiles, beex_team_threads(threads), tiles, 1);
    beex_for_chunks_void(&c, threads, xwt_tiles, &job);
}

const char *beex_fp32_backend_name(void)
{
    pthread_once(&init_once, init_backend);
    return backend_name;
}
