/* The header options and the checked commit of both converters. */
#include <stdio.h>
#include <string.h>

#include "harness/app/trace_convert/trace_convert_internal.h"

int beex_tc_header_options(const beex_trace_convert_options *o, const char *default_source,
                           beex_byo_header *h, char *err, size_t errlen)
{
    if (o->split == NULL || (strcmp(o->split, "dev") != 0 && strcmp(o->split, "test") != 0)) {
        snprintf(err, errlen, "--split must be dev or test, got '%s'", o->split ? o->split : "");
        return -1;
    }
    snprintf(h->split, sizeof h->split, "%s", o->split);
    snprintf(h->source, sizeof h->source, "%s", o->source ? o->source : default_source);
    if (o->metric != NULL) {
        if (strcmp(o->metric, "accuracy") != 0 && strcmp(o->metric, "f1") != 0 &&
            strcmp(o->metric, "mcc") != 0) {
            snprintf(err, errlen, "--metric must be accuracy, f1 or mcc, got '%s'", o->metric);
            return -1;
        }
        snprintf(h->metric, sizeof h->metric, "%s", o->metric);
    }
    if (o->positive != NULL) {
        int found = 0;
        for (int c = 0; c < h->classes; c++)
            found |= strcmp(h->class_names[c], o->positive) == 0;
        if (!found || h->classes != 2) {
            snprintf(err, errlen, "--positive '%s' %s", o->positive,
                     h->classes != 2 ? "applies to two classes only"
                                     : "is not one of the class names");
            return -1;
        }
        snprintf(h->positive, sizeof h->positive, "%s", o->positive);
    }
    return 0;
}

int beex_tc_finish(beex_atomic_file *af, const char *out, char *err, size_t errlen)
{
    if (fflush(af->f) != 0 || ferror(af->f)) {
        beex_atomic_abort(af);
        snprintf(err, errlen, "%s: write error", out);
        return -1;
    }
    /* Every check the sweep makes, made now: a converter never leaves a file it refuses. */
    beex_byo_trace back;
    char why[600];
    if (beex_byo_read(af->tmp_path, &back, why, sizeof why) != 0) {
        beex_atomic_abort(af);
        snprintf(err, errlen, "%s: the converted trace does not read back: %s", out, why);
        return -1;
    }
    beex_byo_free(&back);
    return beex_atomic_commit(af, err, errlen);
}
