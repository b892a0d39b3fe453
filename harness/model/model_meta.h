/* A model file's metadata: what model_io.c writes beside the tensors and reads back before
 * them (format, version, configuration, class names, vocabulary). Private to model_io.c and
 * model_meta.c. */
#ifndef BEEX_MODEL_MODEL_META_H
#define BEEX_MODEL_MODEL_META_H

#include <jansson.h>
#include <stddef.h>

#include "harness/model/model.h"

#define BEEX_FILE_FORMAT "beex"
#define BEEX_FILE_VERSION "1"

/* The header's metadata object for m (precision: the deployment's, or NULL for a
 * checkpoint). NULL with err set on failure. */
json_t *beex_model_meta_build(const beex_model *m, const char *precision, char *err, size_t errlen);
/* The "config" entry into c. Returns 0, or -1 with err set. */
int beex_model_meta_parse_config(const char *text, beex_config *c, char *err, size_t errlen);
/* The "labels" and "vocab" entries into m (allocated for its configuration). 0 or -1. */
int beex_model_meta_read_labels(beex_model *m, const char *text, char *err, size_t errlen);
int beex_model_meta_read_vocab(beex_model *m, const char *text, char *err, size_t errlen);

#endif
