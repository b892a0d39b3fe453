/* Floors of a forward pass's operation classes (`beex bench model --breakdown`,
 * docs/benchmarks.md): the least time each class's work (model/cost_classes.h) can take at the
 * bounds this run measures on the same threads: the variant's W1A1 bound loop, the fp32 FMA
 * loops, and memory bandwidth from DRAM and from cache. A floor is the larger of its compute
 * time and its memory time, and says which bound set it. */
#ifndef BEEX_BENCH_OP_FLOOR_H
#define BEEX_BENCH_OP_FLOOR_H

#include <stddef.h>
#include <stdio.h>

#include "harness/model/cost_classes.h"
#include "kernels/cpu.h"

typedef struct {
    int threads;
    double w1a1_bmac_per_s;     /* the engine variant's W1A1 bound loop on the team, best run */
    double fma_flop_per_s;      /* the engine variant's FMA loop, every thread of the team */
    double fp32_fma_flop_per_s; /* the same for the ISA the fp32 products run on (twin GEMMs,
                                 * attention), which follows BEEX_ISA, not the engine's variant */
    double dram_byte_per_s;     /* STREAM triad on arrays of 4 x the last-level cache */
    double cache_byte_per_s;    /* the triad on per-thread arrays that stay in L2 */
    double llc_bytes;           /* a table larger than this streams from DRAM every pass */
    double int8_mac_per_s;      /* the int8 bound loop of the variant the igemm family runs for the
                                 * engine's (kernels/cpu.h parents), on the team, best run */
} beex_floor_bounds;

typedef enum {
    BEEX_BOUND_W1A1 = 0, /* bMACs at the W1A1 bound loop's rate */
    BEEX_BOUND_W1A32,    /* sign-applied adds at one per FMA lane slot (FMA rate / 2) */
    BEEX_BOUND_INT8,     /* int8 MACs (IOPs / 2) at the int8 bound loop's rate */
    BEEX_BOUND_FMA,      /* FLOPs at the engine variant's FMA rate */
    BEEX_BOUND_FP32_FMA, /* FLOPs at the fp32 products' FMA rate */
    BEEX_BOUND_DRAM,     /* bytes at DRAM bandwidth */
    BEEX_BOUND_CACHE,    /* bytes at cache bandwidth */
    BEEX_BOUND_NONE      /* no work, or no bound measured for it */
} beex_bound_kind;

typedef struct {
    double seconds; /* max(compute, memory); NaN when a bound it needs is missing */
    double compute_seconds, memory_seconds;
    beex_bound_kind bound; /* the largest single term of the larger side */
} beex_op_floor;

/* "w1a1 bound", "w1a32 lanes", "int8 bound", "fma", "fp32 fma", "dram bw", "cache bw", "-". */
const char *beex_bound_kind_name(beex_bound_kind k);

/* The class table of `bench model --breakdown` and `bench train --breakdown`: a header, one
 * row per class (label, ms, % of the profiled time, floor ms, floor / time, the bound that set
 * it; "-" where floor_ms is 0), then a row "other" for other_ms, then the line that sets the
 * profiled time (mean of `count` profiled runs, each a `what`: "pass" or "step") against the
 * classes and the unprofiled median. */
typedef struct {
    int n;                        /* classes, "other" excluded */
    const char *const *labels;    /* n */
    const double *ms, *floor_ms;  /* n */
    const beex_bound_kind *bound; /* n */
    double other_ms, profiled_ms, classes_ms, unprofiled_ms;
    int count;
    const char *what;
} beex_breakdown_table;
void beex_breakdown_table_print(FILE *f, const beex_breakdown_table *t);

/* The floor of class c's work w under bounds b. The fp32 products (fp32 GEMMs, Q K^T, P V)
 * are read at fp32_fma_flop_per_s, every other FLOP at fma_flop_per_s; a table larger than
 * llc_bytes is read at DRAM bandwidth, everything else at cache bandwidth. */
beex_op_floor beex_op_floor_of(beex_op_class c, beex_precision prec, const beex_class_work *w,
                               const beex_floor_bounds *b);

/* Measures b on `threads` threads for the engine variant isa and the fp32 products' ISA
 * fp32_isa, each bound for about `seconds`; llc_bytes from the caller (0: unknown). A bound the
 * build or CPU lacks is left NaN. Returns 0, or -1 with err set (out of memory). */
int beex_floor_bounds_measure(beex_isa isa, beex_isa fp32_isa, int threads, size_t llc_bytes,
                              double seconds, beex_floor_bounds *b, char *err, size_t errlen);

/* The ISA the fp32 products run on in this process: AVX2 when libxsmm is the backend (pinned
 * to its AVX2 target), else the fgemm variant in use (harness/model/forward_fp32.c). */
beex_isa beex_fp32_products_isa(void);

#endif
