/* Provenance recorded in every results file: machine (CPU model, ISA flags, hwloc topology,
 * thread binding), build (compiler, flags, git revision), date, and the variants available. */
#ifndef BEEX_REPORT_CONTEXT_H
#define BEEX_REPORT_CONTEXT_H

#include <jansson.h>

/* New reference: a Google Benchmark-like "context" object, plus beex's own fields. */
json_t *beex_context_json(void);

/* sha256-free content fingerprint of a file (FNV-1a 64 over its bytes, hex) for the
 * "checksums" of models and data. Returns 0 on success. */
int beex_file_fingerprint(const char *path, char out_hex[17]);

#endif
