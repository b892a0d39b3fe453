/* What the two converters share: the header's fields from the options, and the end of a
 * conversion (the output read back through the reader before it is kept). */
#ifndef BEEX_APP_TRACE_CONVERT_INTERNAL_H
#define BEEX_APP_TRACE_CONVERT_INTERNAL_H

#include "harness/app/trace_convert/trace_convert.h"
#include "harness/base/atomic_file.h"
#include "harness/eval/trace_byo.h"

/* Fills h's split, source, metric and positive from the options (h's classes and class
 * names set); default_source is used when o->source is NULL. Returns 0, or -1 with err set. */
int beex_tc_header_options(const beex_trace_convert_options *o, const char *default_source,
                           beex_byo_header *h, char *err, size_t errlen);

/* Reads the finished temporary file back (beex_byo_read), then commits it. Returns 0, or -1
 * with err set and the temporary file removed. */
int beex_tc_finish(beex_atomic_file *af, const char *out, char *err, size_t errlen);

#endif
