/* `beex trace convert`: exit traces of other tools into beex-exit-trace/1 (docs/traces.md),
 * so that `beex sweep --trace-files` can replay them. Two sources: a plain CSV with one row per
 * example and exit (what a PyTorch loop or pandas writes easily), and beex's own trace_*.csv
 * with the model it came from (its costs from the model's config), so that a beex sweep can
 * be rerun through the same path as another tool's trace. */
#ifndef BEEX_APP_TRACE_CONVERT_H
#define BEEX_APP_TRACE_CONVERT_H

#include <stddef.h>

typedef struct {
    const char *in, *out;
    const char *split;       /* "dev" or "test"; NULL: from a beex trace's name (trace_dev.csv) */
    const char *source;      /* the header's free text; NULL: a default naming the input */
    const char *metric;      /* the header's headline metric, or NULL */
    const char *positive;    /* the header's positive class, or NULL */
    const char *class_names; /* CSV: a comma list of names; NULL: "0" .. "C-1" */
    const char *model;       /* beex: the model file the trace was written with */
} beex_trace_convert_options;

/* CSV columns (any order): id, label, exit (1 .. N), cost (cumulative FLOPs), logit_0 ..
 * logit_{C-1} or prob_0 .. prob_{C-1}, and optionally bops, iops, len. One row per example
 * and exit, each example's rows together with exits 1 .. N in order. Errors name the file
 * and line. The output is written atomically and read back before it is kept. Returns 0, or
 * -1 with err set. */
int beex_trace_convert_csv(const beex_trace_convert_options *o, char *err, size_t errlen);

/* A trace_*.csv of `beex sweep` with the model file it was traced from (refused when the
 * trace names another model): logits as stored (exact), the cost of every exit from the
 * model's config at the trace's precision per example length (FLOPs, BOPs, IOPs, as the
 * native replay charges them). Returns 0, or -1 with err set. */
int beex_trace_convert_beex(const beex_trace_convert_options *o, char *err, size_t errlen);

#endif
