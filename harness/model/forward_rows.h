/* The row-wise steps of a block (layer norm, SLFN gates, product and residual) shared out in
 * chunks of rows taken from a shared counter (kernels/chunks.h), so that a faster core takes
 * more rows: equal static shares waited for the slower core. */
#ifndef BEEX_MODEL_FORWARD_ROWS_H
#define BEEX_MODEL_FORWARD_ROWS_H

#include <stddef.h>

#include "harness/model/engine.h"

/* Runs fn over [0, n) in row chunks on the engine's threads (as many as the element grain of
 * engine_internal.h allows, in the block's team when it runs in one), the chunks taken
 * dynamically rather than one equal share per thread. */
void beex_fwd_rows_chunked(const beex_engine *e, size_t n,
                           void (*fn)(const beex_engine *, size_t r0, size_t r1, void *),
                           void *ctx);

#endif
