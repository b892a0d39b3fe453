/* Where a forward pass's time goes (`beex bench model --breakdown`, docs/benchmarks.md): the
 * profiled passes' seconds per operation class (engine.h) beside each class's floor
 * (op_floor.h), the rest of the pass as "other", and the model's efficiency: the sum of the
 * floors over the unprofiled median time. */
#ifndef BEEX_BENCH_MODEL_BREAKDOWN_H
#define BEEX_BENCH_MODEL_BREAKDOWN_H

#include <stdio.h>

#include "harness/bench/model_bench.h"
#include "harness/bench/op_floor.h"
#include "harness/model/engine.h"

#define BEEX_BD_OTHER BEEX_OP_CLASSES /* index of "other" in ms[] */

typedef struct {
    int passes;
    double ms[BEEX_OP_CLASSES + 1];   /* per pass; ms[BEEX_BD_OTHER] = profiled - classes */
    double floor_ms[BEEX_OP_CLASSES]; /* per pass; 0 for a class without work */
    beex_bound_kind bound[BEEX_OP_CLASSES];
    double profiled_ms;    /* a profiled pass, whole */
    double classes_ms;     /* the named classes together */
    double floor_ms_total; /* the floors together */
    double unprofiled_ms;  /* the timed (unprofiled) median of the same case */
    double efficiency;     /* floor_ms_total / unprofiled_ms */
} beex_model_breakdown;

/* From prof (accumulated over prof->calls passes), the work of one pass, the bounds and the
 * unprofiled median seconds of a batch. */
void beex_model_breakdown_make(const beex_op_profile *prof, const beex_class_work *work,
                               beex_precision prec, const beex_floor_bounds *b,
                               double unprofiled_seconds, beex_model_breakdown *out);

/* A class's row label: "binary GEMMs" / "W1A32 GEMMs" / "fp32 GEMMs" by precision, then
 * "binarize+pack", "scores Q.K^T", "softmax", "attn x V", "layer norm", "SLFN", "exits",
 * "embedding"; c = BEEX_BD_OTHER: "other". */
const char *beex_breakdown_label(int c, beex_precision prec);

/* The table: class, ms, % of the profiled pass, floor ms, floor / time, bound used; then the
 * profiled pass against its classes and against the unprofiled median, and the efficiency. */
void beex_model_breakdown_print(FILE *f, beex_precision prec, const beex_model_breakdown *bd);

/* One line naming the bounds the floors were computed from. */
void beex_floor_bounds_print(FILE *f, const beex_floor_bounds *b, beex_isa isa, beex_isa fp32_isa);

/* The bounds of variant isa on `threads` threads, measured on first use in this process
 * (each for about `seconds`, printed to log when not NULL) and kept, so that every case on
 * that team is read against the same figures. NULL with err set on failure. */
const beex_floor_bounds *beex_floor_bounds_get(beex_isa isa, int threads, size_t llc_bytes,
                                               double seconds, FILE *log, char *err, size_t errlen);

/* Case c of a model of configuration cfg: `passes` profiled batches (beex_mb_profile, after
 * the timed ones) and the work of one batch (all blocks, the inputs' lengths) against b.
 * Returns 0, or -1 with err set. */
int beex_model_breakdown_case(beex_mb_pool *pool, const beex_mb_inputs *in, const beex_mb_case *c,
                              const beex_config *cfg, int passes, double unprofiled_seconds,
                              const beex_floor_bounds *b, beex_model_breakdown *out, char *err,
                              size_t errlen);

#endif
