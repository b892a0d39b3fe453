/* Provenance recorded in every results file: machine (CPU model, ISA flags, hwloc topology,
 * thread binding), build (compiler, flags, git revision), date, and the variants available. */
#ifndef BEEX_REPORT_CONTEXT_H
#define BEEX_REPORT_CONTEXT_H

#include <jansson.h>

/* New reference: a Google Benchmark-like "context" object, plus beex's own fields. */
json_t *beex_context_json(void);

/* What `beex --version` prints after "beex ": the revision the build was configured at, the
 * build type and the compiler. The build's facts are compiled into context.c alone. */
const char *beex_build_version(void);
/* The optional libraries built in (CMake's BEEX_WITH_LIBXSMM, BEEX_WITH_PAPI, BEEX_WITH_DNNL),
 * e.g. "libxsmm yes, PAPI no, oneDNN yes": without libxsmm the fp32 products run plain loops,
 * without PAPI no hardware counters, without oneDNN no int8 peer in bench gemm. */
const char *beex_build_libraries(void);

#include "harness/base/fingerprint.h" /* beex_file_fingerprint, for the inputs' checksums */

#endif
