/* Where a training step's time goes (`beex bench train --breakdown`, docs/benchmarks.md): the
 * profiled steps' seconds per class (harness/train/tprofile.h) beside each class's floor at the
 * bounds `bench model --breakdown` measures (op_floor.h), the rest of the step as "other", and
 * the step's efficiency: the sum of the floors over the unprofiled median step time. */
#ifndef BEEX_BENCH_TRAIN_BREAKDOWN_H
#define BEEX_BENCH_TRAIN_BREAKDOWN_H

#include <stdio.h>

#include "harness/bench/op_floor.h"
#include "harness/train/tprofile.h"

#define BEEX_TBD_OTHER BEEX_TP_CLASSES /* index of "other" in ms[] */

typedef struct {
    int steps;                        /* profiled steps */
    double ms[BEEX_TP_CLASSES + 1];   /* per step; ms[BEEX_TBD_OTHER] = profiled - classes */
    double floor_ms[BEEX_TP_CLASSES]; /* per step; 0: no floor stated (see the .c) */
    beex_bound_kind bound[BEEX_TP_CLASSES];
    double gflop[BEEX_TP_CLASSES]; /* per step: the products' FLOPs counted at their call sites */
    double profiled_ms;            /* a profiled step, whole */
    double classes_ms;             /* the named classes together */
    double floor_ms_total;         /* the floors together (NaN when a bound is missing) */
    double unprofiled_ms;          /* the timed (unprofiled) median step */
    double efficiency;             /* floor_ms_total / unprofiled_ms */
} beex_train_breakdown;

/* From prof (accumulated over prof->steps steps of a model of configuration cfg in precision
 * prec), the bounds b and the unprofiled median seconds of one step. */
void beex_train_breakdown_make(const beex_tprofile *prof, const beex_config *cfg,
                               beex_precision prec, const beex_floor_bounds *b,
                               double unprofiled_step_seconds, beex_train_breakdown *out);

/* A class's row label ("effective weights", "zero grads", "fwd GEMMs", ...); c =
 * BEEX_TBD_OTHER: "other". */
const char *beex_train_breakdown_label(int c);

/* The table, in `bench model --breakdown`'s columns: class, ms, % of the profiled step,
 * floor ms, floor / time, bound; then the profiled step against its classes and the
 * unprofiled median, and the efficiency. */
void beex_train_breakdown_print(FILE *f, const beex_train_breakdown *bd);

#endif
