/* Full-depth traces on disk, so that the replay can be rerun, checked by hand and merged
 * across shards: one CSV row per example and block,
 *   example,label,len,block,entropy,prediction,logit_0,...,logit_{C-1}
 * with floats printed to 9 significant digits (they read back bit-exact). */
#ifndef BEEX_EVAL_TRACE_IO_H
#define BEEX_EVAL_TRACE_IO_H

#include <stddef.h>

#include "harness/eval/replay.h"

/* Written atomically (harness/base/atomic_file.h). Returns 0, or -1 with err set. */
int beex_trace_write_csv(const beex_trace *t, const char *path, char *err, size_t errlen);
/* Reads a file written above; errors name the file and line, and refuse NaN, infinite or
 * negative entropies and non-finite logits. Returns 0, or -1. */
int beex_trace_read_csv(const char *path, beex_trace *t, char *err, size_t errlen);
/* Concatenates traces (shards) ordered by example number; refuses different shapes and
 * duplicate or missing example numbers (the result must be 0..n-1). Returns 0, or -1. */
int beex_trace_concat(const beex_trace *parts, int nparts, beex_trace *out, char *err,
                      size_t errlen);

#endif
