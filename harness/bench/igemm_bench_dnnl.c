/* oneDNN's int8 matmul as a peer of beex_igemm_w8a8 (igemm_bench.h), through its C API:
 * y = (float)(A_s8 x W_s8^T) * scale_w[j] + bias[j], the same product the model asks of
 * beex. The per-channel scales are the primitive's output scales (mask 1 << 1), the bias a
 * binary add post-op (oneDNN's own bias is added before the output scales, which is another
 * product); the weights are reordered once into the layout the primitive asks for
 * (format_tag_any), and the primitive is created once per shape and executed on one stream.
 * Debian's oneDNN uses OpenMP (libgomp, the runtime beex uses): it runs on as many threads as
 * omp_get_max_threads() says when it executes, which the case sets to the bench's count. */
#include <stdio.h>
#include <stdlib.h>

#include "harness/bench/igemm_bench.h"

#if !BEEX_HAVE_DNNL
static const char *const no_dnnl =
    "built without oneDNN (BEEX_WITH_DNNL=OFF, or libdnnl-dev was not found when configuring: "
    "scripts/dnnl.cmake)";

const char *beex_dnnl_describe(void)
{
    return no_dnnl;
}

int beex_icase_dnnl(const beex_idata *d, int threads, beex_icase **out, char *why, size_t whylen)
{
    (void)d, (void)threads;
    *out = NULL;
    snprintf(why, whylen, "%s", no_dnnl);
    return BEEX_ICASE_ABSENT;
}
#else
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
#include <string.h>

static const char *runtime_name(unsigned rt)
{
    switch (rt) {
    case DNNL_RUNTIME_OMP:
        return "OpenMP";
    case DNNL_RUNTIME_TBB:
        return "TBB";
    case DNNL_RUNTIME_SEQ:
        return "sequential";
    case DNNL_RUNTIME_THREADPOOL:
        return "threadpool";
    }
    return "unknown";
}

const char *beex_dnnl_describe(void)
{
    static char buf[96];
    const dnnl_version_t *v = dnnl_version();
    snprintf(buf, sizeof buf, "oneDNN %d.%d.%d, %s runtime", v->major, v->minor, v->patch,
             runtime_name(v->cpu_runtime));
    return buf;
}

/* Every oneDNN call is checked: the first failure names the call and its status. */
#define DNNL_TRY(call)                                                                             \
    do {                                                                                           \
        dnnl_status_t st_ = (call);                                                                \
        if (st_ != dnnl_success) {                                                                 \
            snprintf(why, whylen, "%s failed: %s", #call, dnnl_status2str(st_));                   \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

typedef struct {
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    dnnl_primitive_t prim; /* f32 output, scales and bias */
    dnnl_memory_t src, wei, dst, bias;
    float *y;
} dnnl_ctx;

/* A matmul of d's shape with s8 weights in the layout it prefers (reordered from d->w, N x K
 * row-major = K x N tag ba, into *wei) and dst of type dst_dt; with_scales: output scales
 * scale_w per column and the bias as a binary add post-op. impl receives its implementation's
 * name. Returns 0, or -1 with why set. */
static int make_matmul(dnnl_ctx *c, const beex_idata *d, dnnl_data_type_t dst_dt, int with_scales,
                       dnnl_primitive_t *prim, dnnl_memory_t *wei, char *impl, size_t impllen,
                       char *why, size_t whylen)
{
    const dnnl_dim_t m = (dnnl_dim_t)d->s.m, n = (dnnl_dim_t)d->s.n, k = (dnnl_dim_t)d->s.k;
    dnnl_memory_desc_t src_md, wei_md, user_wei_md, dst_md, bias_md;
    dnnl_matmul_desc_t desc;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_desc_t pd = NULL, rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t user_wei = NULL;
    *prim = NULL, *wei = NULL;
    dnnl_dims_t src_dims = {m, k}, wei_dims = {k, n}, dst_dims = {m, n}, bias_dims = {1, n};
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&src_md, 2, src_dims, dnnl_s8, dnnl_ab));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&wei_md, 2, wei_dims, dnnl_s8, dnnl_format_tag_any));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&user_wei_md, 2, wei_dims, dnnl_s8, dnnl_ba));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&dst_md, 2, dst_dims, dst_dt, dnnl_ab));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&bias_md, 2, bias_dims, dnnl_f32, dnnl_ab));
    DNNL_TRY(dnnl_matmul_desc_init(&desc, &src_md, &wei_md, NULL, &dst_md));
    DNNL_TRY(dnnl_primitive_attr_create(&attr));
    if (with_scales) {
        DNNL_TRY(dnnl_primitive_attr_set_output_scales(attr, n, 1 << 1, d->scale_w));
        DNNL_TRY(dnnl_post_ops_create(&po));
        DNNL_TRY(dnnl_post_ops_append_binary(po, dnnl_binary_add, &bias_md));
        DNNL_TRY(dnnl_primitive_attr_set_post_ops(attr, po));
    }
    DNNL_TRY(dnnl_primitive_desc_create(&pd, &desc, attr, c->eng, NULL));
    const char *name = NULL;
    DNNL_TRY(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name));
    snprintf(impl, impllen, "%s", name != NULL ? name : "?");
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (want == NULL) {
        snprintf(why, whylen, "the matmul's weights descriptor cannot be queried");
        goto fail;
    }
    /* The weights reordered once, outside the timed calls (beex repacks its own once too). */
    DNNL_TRY(dnnl_memory_create(&user_wei, &user_wei_md, c->eng, d->w));
    DNNL_TRY(dnnl_memory_create(wei, want, c->eng, DNNL_MEMORY_ALLOCATE));
    DNNL_TRY(dnnl_reorder_primitive_desc_create(&rpd, &user_wei_md, c->eng, want, c->eng, NULL));
    DNNL_TRY(dnnl_primitive_create(&reorder, rpd));
    dnnl_exec_arg_t rargs[] = {{DNNL_ARG_FROM, user_wei}, {DNNL_ARG_TO, *wei}};
    DNNL_TRY(dnnl_primitive_execute(reorder, c->stream, 2, rargs));
    DNNL_TRY(dnnl_stream_wait(c->stream));
    DNNL_TRY(dnnl_primitive_create(prim, pd));
    dnnl_primitive_destroy(reorder), dnnl_primitive_desc_destroy(rpd);
    dnnl_memory_destroy(user_wei), dnnl_primitive_desc_destroy(pd);
    dnnl_post_ops_destroy(po), dnnl_primitive_attr_destroy(attr);
    return 0;
fail:
    dnnl_primitive_destroy(*prim), dnnl_memory_destroy(*wei);
    *prim = NULL, *wei = NULL;
    dnnl_primitive_destroy(reorder), dnnl_primitive_desc_destroy(rpd);
    dnnl_memory_destroy(user_wei), dnnl_primitive_desc_destroy(pd);
    dnnl_post_ops_destroy(po), dnnl_primitive_attr_destroy(attr);
    return -1;
}

/* One execution of prim on src, wei, dst (and the bias post-op's operand when bias is not
 * NULL) on `threads` OpenMP threads, waited for. */
static dnnl_status_t execute(dnnl_ctx *c, dnnl_primitive_t prim, dnnl_memory_t wei,
                             dnnl_memory_t dst, dnnl_memory_t bias, int threads)
{
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, c->src},
                              {DNNL_ARG_WEIGHTS, wei},
                              {DNNL_ARG_DST, dst},
                              {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, bias}};
    int before = omp_get_max_threads();
    if (before != threads)
        omp_set_num_threads(threads);
    dnnl_status_t st = dnnl_primitive_execute(prim, c->stream, bias != NULL ? 4 : 3, args);
    if (st == dnnl_success)
        st = dnnl_stream_wait(c->stream);
    if (before != threads)
        omp_set_num_threads(before);
    return st;
}

static int dnnl_run(void *ctx, int threads)
{
    dnnl_ctx *c = ctx;
    return execute(c, c->prim, c->wei, c->dst, c->bias, threads) == dnnl_success ? 0 : -1;
}

static void dnnl_done(void *ctx)
{
    dnnl_ctx *c = ctx;
    if (c == NULL)
        return;
    dnnl_primitive_destroy(c->prim);
    dnnl_memory_destroy(c->src), dnnl_memory_destroy(c->wei), dnnl_memory_destroy(c->dst);
    dnnl_memory_destroy(c->bias);
    dnnl_stream_destroy(c->stream), dnnl_engine_destroy(c->eng);
    free(c->y);
    free(c);
}

/* The integer sums through an s32-output matmul without scales: they must equal beex's. */
static int check_sums(dnnl_ctx *c, const beex_idata *d, int threads, char *msg, size_t msglen,
                      char *why, size_t whylen)
{
    dnnl_primitive_t prim = NULL;
    dnnl_memory_t wei = NULL, dst = NULL;
    dnnl_memory_desc_t dst_md;
    char impl[64];
    int32_t *dot = malloc(d->s.m * d->s.n * sizeof *dot);
    int rc = -1;
    dnnl_dims_t dst_dims = {(dnnl_dim_t)d->s.m, (dnnl_dim_t)d->s.n};
    if (dot == NULL) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    if (make_matmul(c, d, dnnl_s32, 0, &prim, &wei, impl, sizeof impl, why, whylen) != 0)
        goto fail;
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&dst_md, 2, dst_dims, dnnl_s32, dnnl_ab));
    DNNL_TRY(dnnl_memory_create(&dst, &dst_md, c->eng, dot));
    DNNL_TRY(execute(c, prim, wei, dst, NULL, threads));
    rc = beex_idata_check(d, dot, NULL, 1, msg, msglen) == 0 ? 0 : 1;
fail:
    dnnl_primitive_destroy(prim), dnnl_memory_destroy(wei), dnnl_memory_destroy(dst);
    free(dot);
    return rc;
}

int beex_icase_dnnl(const beex_idata *d, int threads, beex_icase **out, char *why, size_t whylen)
{
    *out = NULL;
    beex_icase *cs = calloc(1, sizeof *cs);
    dnnl_ctx *c = calloc(1, sizeof *c);
    if (c != NULL)
        c->y = malloc(d->s.m * d->s.n * sizeof *c->y);
    if (cs == NULL || c == NULL || c->y == NULL) {
        free(cs), free(c != NULL ? c->y : NULL), free(c);
        snprintf(why, whylen, "out of memory");
        return BEEX_ICASE_ABSENT;
    }
    cs->run = dnnl_run, cs->done = dnnl_done, cs->ctx = c;
    const dnnl_dim_t m = (dnnl_dim_t)d->s.m, n = (dnnl_dim_t)d->s.n, k = (dnnl_dim_t)d->s.k;
    dnnl_dims_t src_dims = {m, k}, dst_dims = {m, n}, bias_dims = {1, n};
    dnnl_memory_desc_t src_md, dst_md, bias_md;
    char impl[64], msg[512];
    DNNL_TRY(dnnl_engine_create(&c->eng, dnnl_cpu, 0));
    DNNL_TRY(dnnl_stream_create(&c->stream, c->eng, dnnl_stream_default_flags));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&src_md, 2, src_dims, dnnl_s8, dnnl_ab));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&dst_md, 2, dst_dims, dnnl_f32, dnnl_ab));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&bias_md, 2, bias_dims, dnnl_f32, dnnl_ab));
    DNNL_TRY(dnnl_memory_create(&c->src, &src_md, c->eng, d->a));
    DNNL_TRY(dnnl_memory_create(&c->dst, &dst_md, c->eng, c->y));
    DNNL_TRY(dnnl_memory_create(&c->bias, &bias_md, c->eng, d->bias));
    int sums = check_sums(c, d, threads, msg, sizeof msg, why, whylen);
    if (sums < 0)
        goto fail;
    if (sums > 0) {
        snprintf(why, whylen, "oneDNN s8 x s8 -> s32 disagrees with beex: %s", msg);
        beex_icase_free(cs);
        return BEEX_ICASE_MISMATCH;
    }
    if (make_matmul(c, d, dnnl_f32, 1, &c->prim, &c->wei, impl, sizeof impl, why, whylen) != 0)
        goto fail;
    DNNL_TRY(execute(c, c->prim, c->wei, c->dst, c->bias, threads));
    if (beex_idata_check(d, NULL, c->y, 0, msg, sizeof msg) != 0) {
        snprintf(why, whylen, "oneDNN's f32 output disagrees with beex: %s", msg);
        beex_icase_free(cs);
        return BEEX_ICASE_MISMATCH;
    }
    snprintf(cs->impl, sizeof cs->impl, "%s, matmul %s", beex_dnnl_describe(), impl);
    *out = cs;
    return BEEX_ICASE_OK;
fail:
    beex_icase_free(cs);
    return BEEX_ICASE_ABSENT;
}
#endif
