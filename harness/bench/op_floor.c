/* Floors per operation class (see op_floor.h): the arithmetic, and the bounds measured on the
 * team that runs the engine. */
#include "harness/bench/op_floor.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/base/timing.h"
#include "harness/bench/bound.h"
#include "harness/bench/fma_peak.h"
#include "harness/bench/ibound.h"
#include "harness/bench/stream_triad.h"
#include "harness/model/forward_fp32.h"
#include "kernels/fgemm.h"
#include "kernels/registry.h"

const char *beex_bound_kind_name(beex_bound_kind k)
{
    static const char *const names[] = {"w1a1 bound", "w1a32 lanes", "int8 bound", "fma",
                                        "fp32 fma",   "dram bw",     "cache bw"};
    return (int)k >= 0 && k < BEEX_BOUND_NONE ? names[k] : "-";
}

/* x / rate, NaN when there is work and no rate; 0 without work. */
static double at_rate(double x, double rate)
{
    if (x <= 0.0)
        return 0.0;
    return rate > 0.0 ? x / rate : NAN;
}

/* The products whose FLOPs run on the fp32 backend rather than the engine's variant. */
static int on_fp32_backend(beex_op_class c, beex_precision prec)
{
    return c == BEEX_OP_SCORES || c == BEEX_OP_AV || (c == BEEX_OP_GEMM && prec == BEEX_PREC_FP32);
}

beex_op_floor beex_op_floor_of(beex_op_class c, beex_precision prec, const beex_class_work *w,
                               const beex_floor_bounds *b)
{
    beex_op_floor f = {0.0, 0.0, 0.0, BEEX_BOUND_NONE};
    int fp32 = on_fp32_backend(c, prec);
    /* Compute: bMACs at the bound loop, w1a32's adds one per FMA lane slot (half the FMA
     * loop's FLOP rate), every other FLOP at the FMA rate of the ISA that runs it. */
    double t[BEEX_BOUND_NONE] = {0};
    t[BEEX_BOUND_W1A1] = at_rate(w->bops, b->w1a1_bmac_per_s);
    t[BEEX_BOUND_INT8] = at_rate(w->iops / 2.0, b->int8_mac_per_s); /* an int8 MAC is 2 IOPs */
    t[BEEX_BOUND_W1A32] = at_rate(w->lane_adds, 0.5 * b->fma_flop_per_s);
    t[fp32 ? BEEX_BOUND_FP32_FMA : BEEX_BOUND_FMA] =
        at_rate(w->flops - w->lane_adds, fp32 ? b->fp32_fma_flop_per_s : b->fma_flop_per_s);
    /* Memory: activations from cache; a table from DRAM when it cannot stay in the LLC. */
    int dram = b->llc_bytes > 0.0 && w->table_footprint > b->llc_bytes;
    t[BEEX_BOUND_CACHE] =
        at_rate(w->act_bytes + (dram ? 0.0 : w->table_bytes), b->cache_byte_per_s);
    t[BEEX_BOUND_DRAM] = at_rate(dram ? w->table_bytes : 0.0, b->dram_byte_per_s);
    for (int k = 0; k < BEEX_BOUND_NONE; k++) {
        if (k < BEEX_BOUND_DRAM)
            f.compute_seconds += t[k];
        else
            f.memory_seconds += t[k];
    }
    if (isnan(f.compute_seconds) || isnan(f.memory_seconds)) {
        f.seconds = NAN;
        return f;
    }
    int memory = f.memory_seconds > f.compute_seconds;
    f.seconds = memory ? f.memory_seconds : f.compute_seconds;
    double best = 0.0;
    for (int k = memory ? BEEX_BOUND_DRAM : 0; k < (memory ? BEEX_BOUND_NONE : BEEX_BOUND_DRAM);
         k++)
        if (t[k] > best)
            best = t[k], f.bound = (beex_bound_kind)k;
    return f;
}

/* The FMA loop on every thread of a team at once: the sum of their rates. */
static double fma_team(beex_isa isa, int threads, double seconds)
{
    if (!beex_fma_peak_available(isa, NULL))
        return NAN;
    double sum = 0.0;
    int bad = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sum, bad)
    {
        double f = 0.0;
        if (beex_fma_peak_measure(isa, seconds, &f) == 0)
            sum += f;
        else
            bad++;
    }
    return bad ? NAN : sum;
}

/* Cache bandwidth: each thread runs STREAM's triad over its own three arrays of CACHE_ARRAY
 * bytes (together in L2, past L1) again and again inside one region, so no fork or join is
 * timed; the bytes are STREAM's (3 arrays x 8 bytes per element, no write-allocate). */
enum { CACHE_ARRAY = 64 * 1024 };
static double cache_triad(int threads, double seconds)
{
    long n = CACHE_ARRAY / (long)sizeof(double);
    double *all = malloc((size_t)threads * 3 * (size_t)n * sizeof *all);
    if (all == NULL)
        return NAN;
    /* Passes per thread: calibrated on one pass of the calling thread. */
    double *a = all, *bb = all + n, *c = all + 2 * n;
    for (long i = 0; i < n; i++)
        a[i] = 0.0, bb[i] = 1.0, c[i] = 2.0;
    double t0 = beex_now_seconds();
    for (int r = 0; r < 16; r++)
        for (long i = 0; i < n; i++)
            a[i] = bb[i] + 3.0 * c[i];
    double one = (beex_now_seconds() - t0) / 16.0;
    long passes = one > 0.0 ? (long)(seconds / one) + 1 : 1000;
    double sink = 0.0;
    t0 = beex_now_seconds();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
        double *x = all + (size_t)omp_get_thread_num() * 3 * (size_t)n, *y = x + n, *z = x + 2 * n;
        for (long i = 0; i < n; i++)
            x[i] = 0.0, y[i] = 1.0, z[i] = 2.0;
        for (long p = 0; p < passes; p++) {
            double s = 3.0 + 1e-9 * (double)p; /* a new result each pass: none is skipped */
            for (long i = 0; i < n; i++)
                x[i] = y[i] + s * z[i];
        }
        sink += x[n / 2];
    }
    double t = beex_now_seconds() - t0;
    free(all);
    if (!(sink > 0.0) || t <= 0.0)
        return NAN;
    return 3.0 * sizeof(double) * (double)n * (double)passes * threads / t;
}

int beex_floor_bounds_measure(beex_isa isa, beex_isa fp32_isa, int threads, size_t llc_bytes,
                              double seconds, beex_floor_bounds *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->threads = threads;
    b->llc_bytes = (double)llc_bytes;
    /* The bound is a peak: the best of 5 short runs (preemption only lowers a run). */
    double best = NAN;
    if (beex_bound_measure(isa, threads, 5, seconds, NULL, &best) != 0)
        best = NAN;
    b->w1a1_bmac_per_s = best;
    /* The int8 loop of the variant the engine's int8 GEMMs run on (avx512 without VNNI: avx2). */
    int i8 = beex_isa_pick(beex_family_igemm.has, (int)isa);
    best = NAN;
    if (i8 < 0 || beex_ibound_measure((beex_isa)i8, threads, 5, seconds, NULL, &best) != 0)
        best = NAN;
    b->int8_mac_per_s = best;
    b->fma_flop_per_s = fma_team(isa, threads, seconds);
    b->fp32_fma_flop_per_s =
        fp32_isa == isa ? b->fma_flop_per_s : fma_team(fp32_isa, threads, seconds);
    b->cache_byte_per_s = cache_triad(threads, seconds);
    beex_triad_result tr;
    /* Arrays past the LLC, at most 256 MiB each and a sixteenth of memory all three. */
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t most = (size_t)256 << 20;
    if (pages > 0 && page > 0 && (size_t)pages * (size_t)page / 48 < most)
        most = (size_t)pages * (size_t)page / 48;
    size_t bytes = beex_triad_array_bytes(llc_bytes, most);
    if (beex_triad_measure(bytes, threads, seconds, &tr, err, errlen) != 0)
        return -1;
    b->dram_byte_per_s = tr.bytes_per_s.median;
    if (isnan(b->cache_byte_per_s)) {
        snprintf(err, errlen, "out of memory for the cache bandwidth loop");
        return -1;
    }
    return 0;
}

beex_isa beex_fp32_products_isa(void)
{
    if (strncmp(beex_fp32_backend_name(), "libxsmm", 7) == 0)
        return BEEX_ISA_AVX2;
    int isa = beex_isa_parse(beex_fgemm_variant());
    return isa >= 0 ? (beex_isa)isa : BEEX_ISA_SCALAR;
}

void beex_breakdown_table_print(FILE *f, const beex_breakdown_table *t)
{
    fprintf(f, "  %-14s %10s %8s %10s %10s  %s\n", "class", "ms", "% total", "floor ms",
            "floor/time", "bound");
    double total = t->profiled_ms;
    for (int c = 0; c <= t->n; c++) {
        double ms = c < t->n ? t->ms[c] : t->other_ms;
        fprintf(f, "  %-14s %10.4f %8.1f", c < t->n ? t->labels[c] : "other", ms,
                total > 0.0 ? 100.0 * ms / total : 0.0);
        if (c == t->n || t->floor_ms[c] == 0.0)
            fprintf(f, " %10s %10s  %s\n", "-", "-", "-");
        else
            fprintf(f, " %10.4f %10.3f  %s\n", t->floor_ms[c], ms > 0.0 ? t->floor_ms[c] / ms : NAN,
                    beex_bound_kind_name(t->bound[c]));
    }
    double un = t->unprofiled_ms;
    fprintf(f,
            "  profiled %s %.4f ms (mean of %d); its classes %.4f ms = %.1f %% of it and %.1f %% "
            "of the unprofiled median %.4f ms (profiled / unprofiled %.3f)\n",
            t->what, t->profiled_ms, t->count, t->classes_ms,
            t->profiled_ms > 0.0 ? 100.0 * t->classes_ms / t->profiled_ms : 0.0,
            un > 0.0 ? 100.0 * t->classes_ms / un : NAN, un, un > 0.0 ? t->profiled_ms / un : NAN);
}
