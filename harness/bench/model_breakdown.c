/* The breakdown's arithmetic and its table (see model_breakdown.h). */
#include "harness/bench/model_breakdown.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void beex_model_breakdown_make(const beex_op_profile *prof, const beex_class_work *work,
                               beex_precision prec, const beex_floor_bounds *b,
                               double unprofiled_seconds, beex_model_breakdown *out)
{
    memset(out, 0, sizeof *out);
    out->passes = (int)prof->calls;
    double per = prof->calls > 0 ? 1e3 / (double)prof->calls : 0.0;
    for (int c = 0; c < BEEX_OP_CLASSES; c++) {
        out->ms[c] = prof->seconds[c] * per;
        out->classes_ms += out->ms[c];
        beex_op_floor f = beex_op_floor_of((beex_op_class)c, prec, &work[c], b);
        out->floor_ms[c] = f.seconds * 1e3;
        out->bound[c] = f.bound;
        out->floor_ms_total += out->floor_ms[c]; /* NaN when a bound is missing: said so */
    }
    out->profiled_ms = prof->total_seconds * per;
    out->ms[BEEX_BD_OTHER] = out->profiled_ms - out->classes_ms;
    out->unprofiled_ms = unprofiled_seconds * 1e3;
    out->efficiency = out->unprofiled_ms > 0.0 ? out->floor_ms_total / out->unprofiled_ms : NAN;
}

const char *beex_breakdown_label(int c, beex_precision prec)
{
    static const char *const names[] = {NULL,        "binarize+pack", "scores Q.K^T", "softmax",
                                        "attn x V",  "layer norm",    "SLFN",         "exits",
                                        "embedding", "other"};
    if (c == BEEX_OP_GEMM)
        return prec == BEEX_PREC_W1A1    ? "binary GEMMs"
               : prec == BEEX_PREC_W1A32 ? "W1A32 GEMMs"
               : prec == BEEX_PREC_W8A8  ? "int8 GEMMs"
                                         : "fp32 GEMMs";
    /* w8a8 quantizes its layers' inputs where w1a1 binarizes and packs them (class "pack"). */
    if (c == BEEX_OP_PACK && prec == BEEX_PREC_W8A8)
        return "quantize";
    return c > 0 && c <= BEEX_BD_OTHER ? names[c] : "?";
}

void beex_model_breakdown_print(FILE *f, beex_precision prec, const beex_model_breakdown *bd)
{
    const char *labels[BEEX_OP_CLASSES];
    for (int c = 0; c < BEEX_OP_CLASSES; c++)
        labels[c] = beex_breakdown_label(c, prec);
    beex_breakdown_table t = {BEEX_OP_CLASSES, labels,         bd->ms,
                              bd->floor_ms,    bd->bound,      bd->ms[BEEX_BD_OTHER],
                              bd->profiled_ms, bd->classes_ms, bd->unprofiled_ms,
                              bd->passes,      "pass"};
    beex_breakdown_table_print(f, &t);
    fprintf(f, "  floors %.4f ms: efficiency (floors / unprofiled median) %.3f\n",
            bd->floor_ms_total, bd->efficiency);
}

void beex_floor_bounds_print(FILE *f, const beex_floor_bounds *b, beex_isa isa, beex_isa fp32_isa)
{
    fprintf(f,
            "bounds on %d thread%s: %s W1A1 bound loop %.1f G bMAC/s; int8 bound loop %.1f G "
            "MAC/s; %s FMA %.1f GFLOP/s; fp32 products (%s) FMA %.1f GFLOP/s; DRAM %.1f GB/s; "
            "cache %.1f GB/s; LLC %.0f MiB\n",
            b->threads, b->threads == 1 ? "" : "s", beex_isa_name(isa), b->w1a1_bmac_per_s * 1e-9,
            b->int8_mac_per_s * 1e-9, beex_isa_name(isa), b->fma_flop_per_s * 1e-9,
            beex_isa_name(fp32_isa), b->fp32_fma_flop_per_s * 1e-9, b->dram_byte_per_s * 1e-9,
            b->cache_byte_per_s * 1e-9, b->llc_bytes / 1048576.0);
}

enum { MAX_BOUNDS = 64 };
static struct {
    beex_isa isa;
    int threads;
    beex_floor_bounds b;
} bounds_kept[MAX_BOUNDS];
static int bounds_count;

const beex_floor_bounds *beex_floor_bounds_get(beex_isa isa, int threads, size_t llc_bytes,
                                               double seconds, FILE *log, char *err, size_t errlen)
{
    for (int i = 0; i < bounds_count; i++)
        if (bounds_kept[i].isa == isa && bounds_kept[i].threads == threads)
            return &bounds_kept[i].b;
    if (bounds_count == MAX_BOUNDS) {
        snprintf(err, errlen, "more than %d variant x thread counts to bound", MAX_BOUNDS);
        return NULL;
    }
    beex_isa fp32 = beex_fp32_products_isa();
    beex_floor_bounds *b = &bounds_kept[bounds_count].b;
    if (beex_floor_bounds_measure(isa, fp32, threads, llc_bytes, seconds, b, err, errlen) != 0)
        return NULL;
    bounds_kept[bounds_count].isa = isa;
    bounds_kept[bounds_count++].threads = threads;
    if (log != NULL)
        beex_floor_bounds_print(log, b, isa, fp32);
    return b;
}

int beex_model_breakdown_case(beex_mb_pool *pool, const beex_mb_inputs *in, const beex_mb_case *c,
                              const beex_config *cfg, int passes, double unprofiled_seconds,
                              const beex_floor_bounds *b, beex_model_breakdown *out, char *err,
                              size_t errlen)
{
    beex_op_profile prof;
    if (beex_mb_profile(pool, in, c, -INFINITY, passes, &prof, err, errlen) != 0)
        return -1;
    /* The work of a batch of the first inputs: bench model gives every example the same
     * length, so every profiled batch has exactly this work. */
    int *lens = malloc((size_t)c->batch * sizeof *lens);
    if (lens == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < c->batch; i++)
        lens[i] = in->lens[i % in->n];
    beex_class_work work[BEEX_OP_CLASSES];
    beex_cost_classes_batch(cfg, c->precision, lens, c->batch, beex_engine_group_rows(cfg), work);
    free(lens);
    beex_model_breakdown_make(&prof, work, c->precision, b, unprofiled_seconds, out);
    return 0;
}
