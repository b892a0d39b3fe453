/* fp32 products through libxsmm's JIT (libxsmm_smmdispatch). Every output element is one
 * chain of fused multiply-adds over k in increasing order, starting from the bias (or 0), so
 * that the bits are the same on every CPU (docs/determinism.md). The plain loop here spells
 * that chain with fmaf. libxsmm 1.17's AVX2 kernels ("hsw") compute exactly that chain on
 * every shape tried (tests/harness/model/test_fp32_exact.c); its AVX-512 kernels do not (for
 * narrow tiles, m <= 16, they split k over several accumulators: 693 of 660,813 outputs
 * differed on random shapes), and SSE/AVX kernels round product and sum apart. So the JIT
 * target is pinned to AVX2 where the CPU has it, and the plain loop runs elsewhere: on an
 * AVX-512 CPU the fp32 products run at the AVX2 kernels' rate (the cost of the same bytes,
 * measured in the note of issue 23).
 *
 * libxsmm computes column-major C = A * B. A row-major Y = X W^T (m tokens x n outputs) is the
 * column-major n x m matrix Y^T = W X^T: A = W^T stored as wt (column-major n x k, lda =
 * ldw), B = X read as column-major k x m (ldb = ldx), C = Y as column-major n x m (ldc =
 * ldy). The weight is transposed once at engine creation so that no product needs a
 * transposed operand. */
#include "harness/model/forward_fp32.h"

#if BEEX_HAVE_LIBXSMM
#include <libxsmm.h>
#endif
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "kernels/team.h"

/* Tile of the output: NB outputs x MB tokens, K summed in KB chunks (A panel 256 x 64 and
 * B panel 64 x 256 floats stay in L2). */
#define NB 64
#define MB 64
#define KB 256

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int backend_ok;
static const char *backend_why = "not initialised";
static unsigned long fallback_tiles;

#if !BEEX_HAVE_LIBXSMM
/* Built without libxsmm (arm64, where Debian has none, or BEEX_WITH_LIBXSMM=OFF): the plain
 * loop is the backend, not a fallback, so its tiles are not counted as fallbacks. */
static void init_backend(void)
{
    backend_ok = 0;
    backend_why = "built without libxsmm (BEEX_WITH_LIBXSMM): plain blocked loop in use";
}
#else
static void init_backend(void)
{
    libxsmm_init();
    if (libxsmm_get_target_archid() < LIBXSMM_X86_AVX2) {
        /* SSE/AVX kernels round the product and the sum apart: other bits than fmaf. */
        backend_ok = 0;
        backend_why = "libxsmm's JIT target has no FMA (below AVX2): plain fmaf loop in use, "
                      "so that the bits stay those of every other CPU";
        return;
    }
    /* Above AVX2 (AVX-512 targets) the kernels reorder some sums: pin the exact ones. */
    libxsmm_set_target_arch("hsw");
    libxsmm_blasint m = 64, n = 64, k = 64, ld = 64;
    float alpha = 1.0f, beta = 1.0f;
    libxsmm_smmfunction f = libxsmm_smmdispatch(m, n, k, &ld, &ld, &ld, &alpha, &beta, NULL, NULL);
    backend_ok = f != NULL;
    backend_why = backend_ok ? NULL
                             : "libxsmm_smmdispatch returned no kernel for 64x64x64 (JIT "
                               "unsupported on this CPU or build): plain blocked loop in use";
}
#endif

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

/* Column-major C += A * B (beta = 1) or C = A * B (beta = 0), plain loops: used when libxsmm
 * is absent or has no kernel for a shape. One fmaf chain over p per element, as libxsmm. */
static void plain_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                       float *c, int ldc, int beta_one)
{
    if (BEEX_HAVE_LIBXSMM)
        __atomic_add_fetch(&fallback_tiles, 1, __ATOMIC_RELAXED);
    for (int j = 0; j < n; j++) {
        float *cj = c + (size_t)j * ldc;
        if (!beta_one)
            memset(cj, 0, (size_t)m * sizeof *cj);
        for (int p = 0; p < k; p++) {
            float bv = b[(size_t)j * ldb + p];
            const float *ap = a + (size_t)p * lda;
            for (int i = 0; i < m; i++)
                cj[i] = fmaf(ap[i], bv, cj[i]);
        }
    }
}

static void mm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
               int ldc, int beta_one)
{
#if BEEX_HAVE_LIBXSMM
    if (backend_ok) {
        libxsmm_blasint M = m, N = n, K = k, LA = lda, LB = ldb, LC = ldc;
        float alpha = 1.0f, beta = beta_one ? 1.0f : 0.0f;
        libxsmm_smmfunction f =
            libxsmm_smmdispatch(M, N, K, &LA, &LB, &LC, &alpha, &beta, NULL, NULL);
        if (f != NULL) {
            f(a, b, c);
            return;
        }
    }
#endif
    plain_gemm(m, n, k, a, lda, b, ldb, c, ldc, beta_one);
}

void beex_fp32_small_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                          float *c, int ldc)
{
    pthread_once(&init_once, init_backend);
    mm(m, n, k, a, lda, b, ldb, c, ldc, 0);
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
        mm(nb, mb, kb, wt + k0 * ldw + j0, (int)ldw, x + i0 * ldx + k0, (int)ldx, y + i0 * ldy + j0,
           (int)ldy, 1);
    }
}

void beex_fp32_gemm_xwt(size_t m, size_t n, size_t k, const float *x, size_t ldx, const float *wt,
                        size_t ldw, const float *bias, float *y, size_t ldy, int threads)
{
    pthread_once(&init_once, init_backend);
    long mt = (long)((m + MB - 1) / MB), nt = (long)((n + NB - 1) / NB);
    int nth = beex_team_threads(threads);
    if (mt * nt < nth)
        nth = (int)(mt * nt);
    if (beex_is_team(threads)) {
        /* In the caller's team: tiles shared by the first nth threads, then the barrier. */
        long t = omp_get_thread_num(), tiles = mt * nt;
        for (long tile = tiles * t / nth; t < nth && tile < tiles * (t + 1) / nth; tile++)
            xwt_tile(m, n, k, x, ldx, wt, ldw, bias, y, ldy, tile / nt, tile % nt);
#pragma omp barrier
        return;
    }
    if (nth <= 1) {
        for (long tile = 0; tile < mt * nt; tile++)
            xwt_tile(m, n, k, x, ldx, wt, ldw, bias, y, ldy, tile / nt, tile % nt);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(nth)
    for (long tile = 0; tile < mt * nt; tile++)
        xwt_tile(m, n, k, x, ldx, wt, ldw, bias, y, ldy, tile / nt, tile % nt);
}

const char *beex_fp32_backend_name(void)
{
    static char name[64];
    pthread_once(&init_once, init_backend);
    if (!backend_ok)
        return "plain blocked loop";
#if BEEX_HAVE_LIBXSMM
    if (name[0] == '\0')
        snprintf(name, sizeof name, "libxsmm %s (JIT)", libxsmm_get_target_arch());
#endif
    return name;
}
